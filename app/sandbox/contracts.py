"""Contract checks for the sandbox: every request it receives and every response it returns
is validated against the official OpenAPI files of the service it stands in for.

Why: the sandbox's stand-ins for Open Zaak, Open Klant, the Objects API and Notify are written
by us, so they could drift from the real services in the same direction as the gateway's
clients, and the tests would stay green against an API that does not exist. Checking both
directions against the published specs (``specs/``, see its ``SOURCES.md``) makes the
stand-ins and the gateway answer to the same third party.

How: openapi-core validates parameters, bodies and response headers. Around it this module

* bundles each spec into one self-contained document, because a few specs ``$ref`` other
  files (Notify's split files, a GitHub URL in Open Zaak's files) and nothing may be fetched
  from the network at runtime;
* matches paths itself, relative to the sandbox's prefix, because the specs' ``servers`` entries
  are all different (relative, absolute, with or without ``/api/v1``);
* skips security: the sandbox checks authentication itself, and the specs' schemes (ZGW JWT
  claims, Notify bearer tokens) are not something a schema validator can judge;
* patches a few known quirks of the files (documented where they are handled).

Violation messages name service, method, path and the problem, never a header's value (an
``Authorization`` header must not end up in a test log).
"""

from __future__ import annotations

import copy
import json
import pathlib
import re
import threading
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml
from jsonschema import Draft7Validator, FormatChecker, validators
from jsonschema.exceptions import ValidationError as JsonSchemaError
from jsonschema.exceptions import best_match
from jsonschema.protocols import Validator
from jsonschema_path import SchemaPath
from openapi_core import V30RequestValidator, V30ResponseValidator
from openapi_core.datatypes import RequestParameters
from openapi_core.deserializing.media_types.exceptions import MediaTypeDeserializeError
from openapi_core.deserializing.media_types.util import json_loads
from openapi_core.templating.datatypes import TemplateResult
from openapi_core.templating.media_types.exceptions import MediaTypeNotFound
from openapi_core.templating.paths.datatypes import PathOperationServer
from openapi_core.templating.paths.exceptions import PathNotFound
from openapi_core.templating.responses.exceptions import ResponseNotFound
from openapi_core.validation.request.exceptions import (
    MissingRequiredParameter,
    MissingRequiredRequestBody,
    ParameterValidationError,
    RequestBodyValidationError,
)
from openapi_core.validation.response.exceptions import (
    DataValidationError,
    HeaderValidationError,
    MissingData,
    MissingRequiredHeader,
)
from openapi_core.validation.schemas.exceptions import InvalidSchemaValue
from openapi_core.validation.schemas.factories import SchemaValidatorsFactory
from openapi_schema_validator import OAS30ReadValidator, OAS30WriteValidator
from werkzeug.datastructures import Headers, ImmutableMultiDict

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class ServiceContract:
    name: str
    prefix: str
    request_spec: str
    response_spec: str


def _contract(
    name: str, prefix: str, request_spec: str, response_spec: str = ""
) -> ServiceContract:
    return ServiceContract(name, prefix, request_spec, response_spec or request_spec)


# Requests are checked against VNG's published standard where Open Zaak's generated file types
# the URL filters (`zaak` on /rollen and /statussen, `besluit` on /besluitinformatieobjecten) as
# integers; responses against Open Zaak's file, which is what the real server produces.
SERVICES: dict[str, ServiceContract] = {
    c.name: c
    for c in (
        _contract(
            "zaken",
            "/zaken/api/v1",
            "zaken/vng-zaken-api-1.5.1-openapi.yaml",
            "zaken/openzaak-1.30.0-zaken-openapi.yaml",
        ),
        _contract("catalogi", "/catalogi/api/v1", "catalogi/openzaak-1.30.0-catalogi-openapi.yaml"),
        _contract(
            "besluiten",
            "/besluiten/api/v1",
            "vng-zgw-1.6/besluiten/brc/1.1.0/openapi.yaml",
            "besluiten/openzaak-1.30.0-besluiten-openapi.yaml",
        ),
        _contract(
            "documenten",
            "/documenten/api/v1",
            "documenten/vng-documenten-api-1.4.2-openapi.yaml",
            "documenten/openzaak-1.30.0-documenten-openapi.yaml",
        ),
        _contract(
            "klantinteracties",
            "/klantinteracties/api/v1",
            "klantinteracties/openklant-2.18.0-klantinteracties-0.9.0-openapi.yaml",
        ),
        _contract(
            "klanten",
            "/klanten/api/v1",
            "klanten-contactmomenten/vng-klanten-api-1.0.0-openapi.yaml",
        ),
        _contract("objecten", "/objecten/api/v2", "objecten/objects-api-4.0.0-v2.7.0-openapi.yaml"),
        _contract(
            "objecttypen",
            "/objecttypen/api/v2",
            "objecttypen/objecttypes-api-3.4.2-v2.2.2-openapi.yaml",
        ),
        # The Notify python client always calls the root of its host, so the sandbox serves
        # Notify's paths unprefixed (/v2/notifications/email).
        _contract("notify", "", "notify/openapi/publicapi_spec.json"),
        _contract(
            "notificaties",
            "/notificaties/api/v1",
            "notificaties/open-notificaties-1.16.1-openapi.yaml",
        ),
    )
}

# Open Zaak's Zaken and Documenten files point at VNG's Catalogi 1.2.0 file on GitHub (for the
# expanded zaaktype / informatieobjecttype). The same file is stored locally.
_URL_ALIASES: dict[str, str] = {
    "https://raw.githubusercontent.com/vng-realisatie/catalogi-api/1.2.0/src/openapi.yaml": (
        "catalogi/vng-catalogi-api-1.2.0-openapi.yaml"
    ),
}

# Notify's OpenAPI request schemas allow any extra property, the server does not: it validates
# with these JSON Schemas (`additionalProperties: false`). Keyed by (method, path template).
_NOTIFY_SCHEMAS_FILE = "notify/jsonschema/notification_schemas.json"
_NOTIFY_BODY_SCHEMAS: dict[tuple[str, str], str] = {
    ("post", "/v2/notifications/email"): "post_email_request",
    ("post", "/v2/notifications/sms"): "post_sms_request",
}

# OAS 3.0: header parameters with these names "SHALL be ignored" (content negotiation and
# security cover them). Some generated files still declare them, e.g. a required Content-Type.
_IGNORED_HEADER_PARAMETERS = frozenset({"accept", "content-type", "authorization"})
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_HOST = "http://sandbox.invalid"
_MAX_DETAIL = 240


class ContractSpecError(RuntimeError):
    """A spec file cannot be loaded or bundled (a setup problem, not a contract violation)."""


# --------------------------------------------------------------------------- loading


def _read_document(path: pathlib.Path) -> Any:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        return json.loads(text)
    return yaml.load(text, Loader=_Loader)


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def _resolve_pointer(document: Any, pointer: str) -> Any:
    node = document
    for raw in pointer.split("/")[1:] if pointer else []:
        token = _unescape(unquote(raw))
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


class _DocumentCache:
    """Parsed files, shared by all bundles (the Catalogi 1.2.0 file serves two of them)."""

    def __init__(self) -> None:
        self._documents: dict[pathlib.Path, Any] = {}
        self._lock = threading.Lock()

    def get(self, path: pathlib.Path) -> Any:
        with self._lock:
            if path not in self._documents:
                try:
                    self._documents[path] = _read_document(path)
                except (OSError, ValueError, yaml.YAMLError) as exc:
                    raise ContractSpecError(f"cannot read spec file {path}: {exc}") from exc
            return self._documents[path]


class _Bundler:
    """Turns a spec with references to other files into one document with local references.

    Only what is reachable from ``paths`` is visited. A reference into another file's
    ``components`` is copied into the root's ``components`` under a prefixed name (recursion
    stays a reference); any other external reference (Notify's path items) is inlined.
    """

    def __init__(
        self, specs_dir: pathlib.Path, documents: _DocumentCache, root_file: pathlib.Path
    ) -> None:
        self._specs_dir = specs_dir
        self._documents = documents
        self._root_file = root_file
        # Parsed afresh: the bundle is edited in place, the cache's copy must stay pristine.
        self.root: dict[str, Any] = _read_document(root_file)
        self._imported: dict[tuple[pathlib.Path, str], str] = {}
        self._visited_root: set[str] = set()

    def bundle(self, *, responses: bool) -> dict[str, Any]:
        paths = self.root.get("paths")
        if not isinstance(paths, dict):
            raise ContractSpecError(f"{self._root_file} has no paths")
        if not responses:
            # A file used only for requests: its response schemas would only cost loading time
            # (and for VNG's ZGW 1.6 files, a walk through three sibling files).
            for item in paths.values():
                for method in _METHODS:
                    if isinstance(item, dict) and isinstance(item.get(method), dict):
                        item[method]["responses"] = {"default": {"description": "not checked"}}
        self._walk(paths, self._root_file)
        return self.root

    def _locate(self, ref: str, current: pathlib.Path) -> tuple[pathlib.Path, str]:
        document, _, pointer = ref.partition("#")
        if not document:
            return current, pointer
        alias = _URL_ALIASES.get(document.lower())
        if alias is not None:
            target = (self._specs_dir / alias).resolve()
        elif "://" in document:
            raise ContractSpecError(f"$ref to {document} in {current} has no local copy")
        else:
            target = (current.parent / document).resolve()
        if not target.is_relative_to(self._specs_dir):
            raise ContractSpecError(f"$ref {ref} in {current} points outside the specs directory")
        return target, pointer

    def _walk(self, node: Any, current: pathlib.Path) -> None:
        if isinstance(node, list):
            for item in node:
                self._walk(item, current)
            return
        if not isinstance(node, dict):
            return
        ref = node.get("$ref")
        if isinstance(ref, str):
            self._follow(node, ref, current)
            return
        for key, value in node.items():
            if key not in ("example", "examples"):
                self._walk(value, current)

    def _follow(self, node: dict[str, Any], ref: str, current: pathlib.Path) -> None:
        target_file, pointer = self._locate(ref, current)
        if target_file == self._root_file:
            node["$ref"] = "#" + pointer
            if pointer not in self._visited_root:
                self._visited_root.add(pointer)
                self._walk(_resolve_pointer(self.root, pointer), self._root_file)
            return
        if pointer.startswith("/components/"):
            node["$ref"] = self._import(target_file, pointer)
            return
        inlined = copy.deepcopy(_resolve_pointer(self._documents.get(target_file), pointer))
        node.clear()
        node.update(inlined)
        self._walk(node, target_file)

    def _import(self, target_file: pathlib.Path, pointer: str) -> str:
        key = (target_file, pointer)
        if key in self._imported:
            return self._imported[key]
        section = _unescape(pointer.split("/")[2])
        base = re.sub(r"[^A-Za-z0-9._-]", "_", f"{target_file.stem}__{pointer.rsplit('/', 1)[-1]}")
        components = self.root.setdefault("components", {}).setdefault(section, {})
        name = base
        while name in components:
            name += "_"
        local = f"#/components/{section}/{name}"
        self._imported[key] = local
        schema = copy.deepcopy(_resolve_pointer(self._documents.get(target_file), pointer))
        components[name] = schema
        self._walk(schema, target_file)
        return local


def _patched_parameter(parameter: dict[str, Any], has_body: bool) -> dict[str, Any] | None:
    """One request parameter with the files' known mistakes fixed; None to drop it."""
    location, name = parameter.get("in"), str(parameter.get("name", "")).lower()
    if location == "header" and name in _IGNORED_HEADER_PARAMETERS:
        return None
    if location == "header" and name == "content-crs" and not has_body:
        # VNG's Zaken 1.5.1 file requires Content-Crs (the CRS of the *request body*) on
        # GET/HEAD/DELETE too. Open Zaak asks for it only with a body, and its own file says so.
        # Accept-Crs stays required wherever a file requires it.
        return {**parameter, "required": False}
    schema = parameter.get("schema")
    description = str(parameter.get("description", ""))
    if (
        location == "query"
        and schema == {"type": "integer"}
        and description.startswith("URL-referentie")
    ):
        # Open Zaak's generated files type URL filters (`zaak`, `zaaktype`, `catalogus`, ...)
        # as integers, the primary key drf-spectacular saw; the server takes (and VNG's files
        # declare) a URL.
        return {**parameter, "schema": {"type": "string", "format": "uri"}}
    return parameter


def _patch_parameters(document: dict[str, Any]) -> None:
    """Merge path-level into operation parameters, fixing them on the way."""

    def resolve(parameter: Any) -> dict[str, Any]:
        ref = parameter.get("$ref") if isinstance(parameter, dict) else None
        resolved = _resolve_pointer(document, ref[1:]) if isinstance(ref, str) else parameter
        if not isinstance(resolved, dict):
            raise ContractSpecError(f"parameter {parameter!r} is not an object")
        return resolved

    for item in document["paths"].values():
        if not isinstance(item, dict):
            continue
        shared = [resolve(p) for p in item.pop("parameters", [])]
        for method in _METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            own = [resolve(p) for p in operation.get("parameters", [])]
            names = {(p.get("in"), p.get("name")) for p in own}
            merged = own + [p for p in shared if (p.get("in"), p.get("name")) not in names]
            patched = [_patched_parameter(p, "requestBody" in operation) for p in merged]
            operation["parameters"] = [p for p in patched if p is not None]


# The message types of Notify's alternatives; each is named by its title's last word.
_NOTIFY_MESSAGE_TYPES = frozenset({"sms", "email", "letter"})


def _patch_notify_message_schema(document: dict[str, Any]) -> None:
    """Make Notify's `GetOneMessageResponse` say what Notify returns.

    It is a `oneOf` of sms, email, letter and precompiled letter, but every alternative allows
    every `type` and requires nothing, and the sms statuses include all e-mail statuses: a
    `delivered` e-mail matches both sms and email, so `oneOf` refuses every message Notify really
    returns (`GET /v2/notifications`, `GET /v2/notifications/{id}`). Each alternative is held to
    its own type, and (a letter still matches both letter alternatives) they become `anyOf`.
    """
    schemas = document.get("components", {}).get("schemas", {})
    for name, schema in schemas.items():
        if not name.endswith("GetOneMessageResponse") or not isinstance(schema, dict):
            continue
        alternatives = schema.get("oneOf")
        if not isinstance(alternatives, list):
            continue
        for alternative in alternatives:
            kind = (str(alternative.get("title", "")).split() or [""])[-1]
            properties = alternative.get("properties", {})
            if kind in _NOTIFY_MESSAGE_TYPES and isinstance(properties.get("type"), dict):
                properties["type"] = {**properties["type"], "enum": [kind]}
        schema["anyOf"] = schema.pop("oneOf")


# --------------------------------------------------------------------------- path matching


@dataclass(frozen=True)
class _Route:
    template: str
    pattern: re.Pattern[str]
    variables: tuple[str, ...]
    item: SchemaPath
    methods: frozenset[str]


@dataclass(frozen=True)
class _Match:
    route: _Route
    variables: dict[str, str]

    @property
    def template(self) -> str:
        return self.route.template


def _compile_routes(document: Mapping[str, Any], spec: SchemaPath) -> tuple[_Route, ...]:
    routes = []
    for template, item in document["paths"].items():
        variables: list[str] = []
        regex = ""
        for literal, variable in re.findall(r"([^{]*)(?:\{([^}]*)\})?", template):
            regex += re.escape(literal)
            if variable:
                regex += f"(?P<v{len(variables)}>[^/]+)"
                variables.append(variable)
        methods = frozenset(m for m in _METHODS if isinstance(item, dict) and m in item)
        routes.append(
            _Route(
                template,
                re.compile(regex + r"\Z"),
                tuple(variables),
                spec / "paths" / template,
                methods,
            )
        )
    # Literal segments win over variables: /zaken/_zoek before /zaken/{uuid}.
    routes.sort(key=lambda r: (len(r.variables), -len(r.template)))
    return tuple(routes)


def _match_routes(routes: Sequence[_Route], relative_path: str) -> list[_Match]:
    matches = []
    for route in routes:
        found = route.pattern.match(relative_path)
        if found:
            values = {name: unquote(found.group(f"v{i}")) for i, name in enumerate(route.variables)}
            matches.append(_Match(route, values))
    return matches


class _RouteFinder:
    """openapi-core's path finder interface on top of our own route table.

    openapi-core's finder requires the request URL to match a ``servers`` entry; ours matches
    the path relative to the sandbox prefix, whatever the file says about servers.
    """

    def __init__(self, routes: Sequence[_Route]) -> None:
        self._routes = routes

    def find(self, method: str, full_url: str) -> PathOperationServer:
        relative = urlsplit(full_url).path
        for match in _match_routes(self._routes, relative):
            if method in match.route.methods:
                return PathOperationServer(
                    match.route.item,
                    match.route.item / method,
                    None,
                    TemplateResult(match.template, match.variables),
                    TemplateResult("/", {}),
                )
        raise PathNotFound(full_url)


# --------------------------------------------------------------------------- validators


class _RequestValidator(V30RequestValidator):
    # The sandbox checks credentials itself; the specs' security schemes are not our business.
    def _get_security(self, parameters: RequestParameters, operation: SchemaPath) -> dict[str, str]:
        return {}


@dataclass
class _SandboxRequest:
    """The openapi-core request protocol; ``path`` is relative to the service prefix."""

    method: str
    path: str
    parameters: RequestParameters
    body: bytes | None
    content_type: str
    host_url: str = _HOST


@dataclass
class _SandboxResponse:
    status_code: int
    data: bytes
    headers: Headers
    content_type: str


_EXTRA_DESERIALIZERS = {"application/problem+json": json_loads}


def _is_uri(value: object) -> bool:
    # jsonschema checks `uri` only with an optional package installed; without one a query
    # parameter `zaak=<uuid>` would pass. The empty string passes: Django's blank URL fields
    # render as "" although the files declare `format: uri` (e.g. Zaak.communicatiekanaal).
    if not isinstance(value, str) or value == "":
        return True
    return re.match(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s]+\Z", value) is not None


_EXTRA_FORMATS = {"uri": _is_uri}


def _nullable_composition(validator_cls: type[Validator]) -> type[Validator]:
    """`nullable: true` next to allOf/oneOf/anyOf means "null, or this".

    drf-spectacular writes every nullable reference as ``{allOf: [{$ref}], nullable: true}``.
    openapi-schema-validator follows OAS 3.0.3 to the letter (nullable only counts next to a
    `type`), so every null `zaakgeometrie`, `verlenging` or `contactpersoonRol` that Open Zaak
    really returns would be a violation.
    """
    keywords: dict[str, Any] = {}
    for keyword in ("allOf", "oneOf", "anyOf"):
        original = validator_cls.VALIDATORS[keyword]

        def check(
            validator: Validator,
            value: Any,
            instance: Any,
            schema: Mapping[str, Any],
            _original: Any = original,
        ) -> Iterator[JsonSchemaError]:
            if instance is None and schema.get("nullable") is True:
                return
            yield from _original(validator, value, instance, schema)

        keywords[keyword] = check
    extended: type[Validator] = validators.extend(validator_cls, keywords)
    return extended


_READ_SCHEMAS = SchemaValidatorsFactory(_nullable_composition(OAS30ReadValidator))
_WRITE_SCHEMAS = SchemaValidatorsFactory(_nullable_composition(OAS30WriteValidator))


@dataclass
class _LoadedSpec:
    file: str
    document: dict[str, Any]
    routes: tuple[_Route, ...]
    request_validator: _RequestValidator
    response_validator: V30ResponseValidator

    def expand_values(self, template: str, method: str) -> frozenset[str] | None:
        """The allowed values of ``expand`` if this operation declares it as an enum list."""
        operation = self.document["paths"][template].get(method, {})
        for parameter in operation.get("parameters", []):  # resolved by _patch_parameters
            if parameter.get("in") == "query" and parameter.get("name") == "expand":
                schema = parameter.get("schema", {})
                enum = (
                    schema.get("items", {}).get("enum") if schema.get("type") == "array" else None
                )
                return frozenset(enum) if enum else None
        return frozenset()


def _build_spec(
    specs_dir: pathlib.Path, documents: _DocumentCache, file: str, *, responses: bool
) -> _LoadedSpec:
    root_file = (specs_dir / file).resolve()
    document = _Bundler(specs_dir, documents, root_file).bundle(responses=responses)
    _patch_parameters(document)
    _patch_notify_message_schema(document)
    spec = SchemaPath.from_dict(document, base_uri=root_file.as_uri())
    routes = _compile_routes(document, spec)

    def finder(spec: SchemaPath, base_url: str | None = None) -> _RouteFinder:
        return _RouteFinder(routes)

    common: dict[str, Any] = {
        "path_finder_cls": finder,
        "extra_media_type_deserializers": _EXTRA_DESERIALIZERS,
        "extra_format_validators": _EXTRA_FORMATS,
    }
    return _LoadedSpec(
        file,
        document,
        routes,
        _RequestValidator(spec, schema_validators_factory=_WRITE_SCHEMAS, **common),
        V30ResponseValidator(spec, schema_validators_factory=_READ_SCHEMAS, **common),
    )


def _is_uuid(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _is_email_address(value: object) -> bool:
    # Looser than Notify's own check on purpose: a false alarm costs more than a miss here.
    return (
        not isinstance(value, str) or re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value) is not None
    )


def _notify_format_checker() -> FormatChecker:
    """Notify's custom formats. `phone_number` (the rules differ per Notify fork) and
    `datetime_within_next_day` (depends on the clock) stay unchecked: unknown formats pass."""
    checker = FormatChecker()
    checker.checks("validate_uuid")(_is_uuid)
    checker.checks("email_address")(_is_email_address)
    return checker


@dataclass
class _LoadedService:
    contract: ServiceContract
    request: _LoadedSpec
    response: _LoadedSpec
    body_schemas: dict[tuple[str, str], Draft7Validator] = field(default_factory=dict)


# --------------------------------------------------------------------------- messages


def _shorten(text: str) -> str:
    return text if len(text) <= _MAX_DETAIL else text[: _MAX_DETAIL - 3] + "..."


def _json_path(error: JsonSchemaError) -> str:
    path = "$"
    for part in error.absolute_path:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _schema_errors(error: JsonSchemaError, *, redact: bool = False) -> list[str]:
    where = f"at {_json_path(error)}"
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    discriminator = schema.get("discriminator")
    if isinstance(discriminator, Mapping) and not error.context:
        # openapi-schema-validator's own message repeats the whole object.
        name = discriminator.get("propertyName")
        value = error.instance.get(name) if isinstance(error.instance, Mapping) else None
        allowed = sorted(discriminator.get("mapping", {}))
        shown = "a value" if redact else repr(value)
        return [f"{where}: {name!r} is {shown}, which selects no schema (allowed: {allowed})"]
    if error.context:
        if all(e.validator == "enum" for e in error.context):
            allowed = [v for e in error.context for v in e.validator_value]
            shown = "value" if redact else _shorten(repr(error.instance))
            return [f"{where}: {shown} is not one of {allowed}"]
        closest = best_match(error.context)
        return [
            f"{where}: matches none of the {error.validator} alternatives; closest: {detail}"
            for detail in _schema_errors(closest, redact=redact)
        ]
    if redact:
        constraint = json.dumps(error.validator_value, default=str)
        return [f"{where}: value violates '{error.validator}' ({_shorten(constraint)})"]
    return [f"{where}: {_shorten(error.message)}"]


def _cause_details(exc: BaseException, *, redact: bool) -> list[str]:
    cause = exc.__cause__
    if isinstance(cause, InvalidSchemaValue):
        errors = [e for e in cause.schema_errors if isinstance(e, JsonSchemaError)]
        if errors:
            return [d for e in errors for d in _schema_errors(e, redact=redact)]
    if isinstance(cause, MediaTypeNotFound):
        return [f"has content type {cause.mimetype!r}, expected {cause.availableMimetypes}"]
    if isinstance(cause, MediaTypeDeserializeError):
        return [f"is not valid {cause.mimetype}"]
    if cause is None:
        return [type(exc).__name__]
    if redact:
        return [f"{type(cause).__name__} (value not shown)"]
    return [_shorten(f"{type(cause).__name__}: {cause}")]


def _describe(exc: BaseException) -> list[str]:
    """Human-readable problems for one openapi-core error, without header values."""
    if isinstance(exc, MissingRequiredParameter):
        return [f"missing required {exc.location} parameter {exc.name!r}"]
    if isinstance(exc, ParameterValidationError):
        redact = exc.location in ("header", "cookie")
        return [
            f"invalid {exc.location} parameter {exc.name!r}: {detail}"
            for detail in _cause_details(exc, redact=redact)
        ]
    if isinstance(exc, MissingRequiredRequestBody):
        return ["missing required request body"]
    if isinstance(exc, RequestBodyValidationError):
        return [f"request body {detail}" for detail in _cause_details(exc, redact=False)]
    if isinstance(exc, ResponseNotFound):
        return [f"status {exc.http_status} is not documented ({exc.availableresponses})"]
    if isinstance(exc, MissingData):
        return ["response body is empty but the spec defines content for this status"]
    if isinstance(exc, DataValidationError):
        return [f"response body {detail}" for detail in _cause_details(exc, redact=False)]
    if isinstance(exc, MissingRequiredHeader):
        return [f"missing required response header {exc.name!r}"]
    if isinstance(exc, HeaderValidationError):
        return [
            f"invalid response header {exc.name!r}: {detail}"
            for detail in _cause_details(exc, redact=True)
        ]
    return [f"{type(exc).__name__} (details not shown)"]


# --------------------------------------------------------------------------- the checker


class ContractChecker:
    """Checks sandbox traffic against the services' OpenAPI files; specs load on first use."""

    def __init__(self, specs_dir: pathlib.Path, services: Iterable[str] | None = None) -> None:
        self._specs_dir = pathlib.Path(specs_dir).resolve()
        names = list(SERVICES) if services is None else list(services)
        unknown = sorted(set(names) - set(SERVICES))
        if unknown:
            raise ValueError(f"unknown services {unknown}; known: {sorted(SERVICES)}")
        self._contracts = {name: SERVICES[name] for name in names}
        self._documents = _DocumentCache()
        self._specs: dict[tuple[str, bool], _LoadedSpec] = {}
        self._services: dict[str, _LoadedService] = {}
        self._lock = threading.RLock()

    @property
    def services(self) -> tuple[str, ...]:
        return tuple(self._contracts)

    def preload(self) -> None:
        """Load every service now (to pay the parsing cost up front, e.g. at sandbox start)."""
        for name in self._contracts:
            self._service(name)

    def check_request(
        self,
        service: str,
        method: str,
        path: str,
        query: Sequence[tuple[str, str]],
        headers: Mapping[str, str],
        body: bytes | None,
        content_type: str | None,
    ) -> list[str]:
        """Violations (human-readable strings, each naming service, method, path, and what is
        wrong); [] when valid."""
        loaded = self._service(service)
        method = method.lower()
        label = f"[{service}] {method.upper()} {path}"
        match, problem = self._operation(loaded, loaded.request, method, path)
        if match is None:
            return [f"{label}: {problem}"]
        if body and not content_type:
            return [f"{label}: request has a body but no Content-Type"]
        request = _SandboxRequest(
            method=method,
            path=self._relative(loaded, path),
            parameters=RequestParameters(
                query=ImmutableMultiDict(list(query)), header=Headers(list(headers.items()))
            ),
            body=body or None,
            content_type=content_type or "",
        )
        problems: list[str] = []
        for error in loaded.request.request_validator.iter_errors(request):
            problems.extend(_describe(error))
        problems.extend(self._check_expand(loaded, method, self._relative(loaded, path), query))
        validator = loaded.body_schemas.get((method, match.template))
        if validator is not None and body:
            problems.extend(self._check_body_schema(validator, body))
        return [f"{label}: {p}" for p in dict.fromkeys(problems)]

    def check_response(
        self,
        service: str,
        method: str,
        path: str,
        query: Sequence[tuple[str, str]],
        status: int,
        headers: Mapping[str, str],
        body: bytes,
        content_type: str | None,
    ) -> list[str]:
        """Violations of the response spec by the sandbox's answer; [] when valid."""
        loaded = self._service(service)
        method = method.lower()
        label = f"[{service}] {method.upper()} {path} -> {status}"
        match, problem = self._operation(loaded, loaded.response, method, path)
        if match is None:
            return [f"{label}: {problem}"]
        if body and not content_type:
            return [f"{label}: response has a body but no Content-Type"]
        request = _SandboxRequest(
            method=method,
            path=self._relative(loaded, path),
            parameters=RequestParameters(query=ImmutableMultiDict(list(query))),
            body=None,
            content_type="",
        )
        response = _SandboxResponse(
            status_code=status,
            data=body,
            headers=Headers(list(headers.items())),
            content_type=content_type or "",
        )
        problems: list[str] = []
        for error in loaded.response.response_validator.iter_errors(request, response):
            problems.extend(_describe(error))
        return [f"{label}: {p}" for p in dict.fromkeys(problems)]

    # ----------------------------------------------------------------------- internals

    def _service(self, name: str) -> _LoadedService:
        loaded = self._services.get(name)
        if loaded is not None:
            return loaded
        contract = self._contracts.get(name)
        if contract is None:
            raise KeyError(f"service {name!r} is not checked by this ContractChecker")
        with self._lock:
            loaded = self._services.get(name)
            if loaded is None:
                split = contract.request_spec != contract.response_spec
                loaded = _LoadedService(
                    contract,
                    request=self._spec(contract.request_spec, responses=not split),
                    response=self._spec(contract.response_spec, responses=True),
                )
                if name == "notify":
                    loaded.body_schemas = self._notify_body_schemas()
                self._services[name] = loaded
            return loaded

    def _spec(self, file: str, *, responses: bool) -> _LoadedSpec:
        key = (file, responses)
        if key not in self._specs:
            self._specs[key] = _build_spec(
                self._specs_dir, self._documents, file, responses=responses
            )
        return self._specs[key]

    def _notify_body_schemas(self) -> dict[tuple[str, str], Draft7Validator]:
        document = self._documents.get(self._specs_dir / _NOTIFY_SCHEMAS_FILE)
        checker = _notify_format_checker()
        return {
            key: Draft7Validator(document["schemas"][name], format_checker=checker)
            for key, name in _NOTIFY_BODY_SCHEMAS.items()
        }

    @staticmethod
    def _relative(loaded: _LoadedService, path: str) -> str:
        return path[len(loaded.contract.prefix) :] or "/"

    def _operation(
        self, loaded: _LoadedService, spec: _LoadedSpec, method: str, path: str
    ) -> tuple[_Match | None, str]:
        prefix = loaded.contract.prefix
        if path != prefix and not path.startswith(prefix + "/"):
            return None, f"path is outside the service prefix {prefix}"
        matches = _match_routes(spec.routes, self._relative(loaded, path))
        if not matches:
            return None, f"no such path in {spec.file}"
        for match in matches:
            if method in match.route.methods:
                return match, ""
        allowed = sorted({m.upper() for match in matches for m in match.route.methods})
        return None, f"method not in {spec.file} for {matches[0].template} (allowed: {allowed})"

    @staticmethod
    def _check_expand(
        loaded: _LoadedService, method: str, relative: str, query: Sequence[tuple[str, str]]
    ) -> list[str]:
        """Check ``expand`` against the response file when requests use another file.

        VNG's files type ``expand`` as a free string; Open Zaak's list the values it supports
        and answers 400 for others, so an unknown value is a real bug we would otherwise miss.
        """
        if loaded.request is loaded.response:
            return []
        requested = [v for name, value in query if name == "expand" for v in value.split(",")]
        if not requested:
            return []
        matches = _match_routes(loaded.response.routes, relative)
        templates = [m.template for m in matches if method in m.route.methods]
        if not templates:
            return []
        allowed = loaded.response.expand_values(templates[0], method)
        if allowed is None:
            return []
        if not allowed:
            return [f"query parameter 'expand' is not supported by {loaded.response.file}"]
        return [
            f"invalid query parameter 'expand': {value!r} is not one of {sorted(allowed)}"
            for value in requested
            if value not in allowed
        ]

    @staticmethod
    def _check_body_schema(validator: Draft7Validator, body: bytes) -> list[str]:
        try:
            data = json.loads(body)
        except ValueError:
            return []  # already reported by the OpenAPI check
        errors: Iterator[JsonSchemaError] = validator.iter_errors(data)
        return [f"request body {d}" for e in errors for d in _schema_errors(e)]
