"""Hostile notification bodies, posted raw to the webhook (and the dry run) with valid
credentials: wrong types per field, strings at and over every limit, bodies just under and
over GATEWAY_MAX_BODY_BYTES, nesting far deeper than any parser's recursion limit, invalid
UTF-8, lone surrogates and NUL characters (which PostgreSQL refuses in text and jsonb), odd
URLs, odd datetimes and kenmerken that are not strings.

For every body: no 5xx; a 2xx only for a body the app's own model accepts (and then the trace
can be read back); every 4xx a ZGW problem (`status` equal to the HTTP status, `invalidParams`
on a 400); and nothing stored unless the answer is `202`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncEngine

from app.api.schemas import NotificationMessage
from app.config import Settings
from tests.conftest import make_settings
from tests.fuzz.conftest import fuzz_settings, problem_violations
from tests.helpers import ADMIN_KEY, WEBHOOK_TOKEN, besluiten_notification, count_rows

WEBHOOK = "/api/v1/notifications"
EVALUATE = "/api/v1/notifications/evaluate"
#: Large enough that the deepest nesting below fits, so it reaches the JSON parser.
MAX_BODY = 64 * 1024

TEXT_FIELDS = ("kanaal", "resource", "actie", "hoofdObject", "resourceUrl", "aanmaakdatum")
FIELDS = (*TEXT_FIELDS, "kenmerken")


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url, gateway_max_body_bytes=MAX_BODY)


# --- building raw bodies ---------------------------------------------------------------------


class Raw:
    """A JSON document with raw fragments: `slot()` puts a placeholder where a fragment goes;
    `encode()` replaces each placeholder (a JSON string) by its fragment, bytes as they are."""

    def __init__(self) -> None:
        self.fragments: dict[str, bytes] = {}

    def slot(self, fragment: bytes | str) -> str:
        key = f"@@raw-{len(self.fragments)}-{uuid.uuid4().hex}@@"
        self.fragments[key] = fragment.encode() if isinstance(fragment, str) else fragment
        return key

    def encode(self, document: Any) -> bytes:
        body = json.dumps(document).encode()
        for key, fragment in self.fragments.items():
            body = body.replace(json.dumps(key).encode(), fragment)
        return body


json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
#: Number literals Python's json module would not write: non-standard, huge, very precise.
odd_numbers_list = [
    b"NaN",
    b"Infinity",
    b"-Infinity",
    b"1e999999",
    b"-0",
    b"1" * 5000,
    b"0." + b"1" * 5000,
]
odd_numbers = st.sampled_from(odd_numbers_list)


def message(**overrides: Any) -> dict[str, Any]:
    # A fresh message each time: with unique URLs, each accepted one is new (202).
    return besluiten_notification(**overrides)


# --- posting and checking --------------------------------------------------------------------


def model_accepts(body: bytes) -> bool:
    try:
        NotificationMessage.model_validate_json(body)
    except ValidationError:
        return False
    return True


async def chunks(body: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(body), 8192):
        yield body[start : start + 8192]


async def post_hostile(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
    body: bytes,
    *,
    content_type: str = "application/json",
    chunked: bool = False,
) -> httpx.Response:
    """Post `body` to the webhook and to the dry run; check every answer; the webhook's."""
    before = await count_rows(engine, "notifications")
    content: Any = chunks(body) if chunked else body
    response = await client.post(
        WEBHOOK,
        content=content,
        headers={"Authorization": WEBHOOK_TOKEN, "Content-Type": content_type},
    )
    after = await count_rows(engine, "notifications")
    status = response.status_code
    preview = body[:200]
    assert status < 500, f"{status} for {preview!r}: {response.text[:500]}"

    if status < 300:
        assert len(body) <= MAX_BODY
        assert model_accepts(body), f"{status} for a body the model refuses: {preview!r}"
        assert after == before + (1 if status == 202 else 0)
        if status in (200, 202):
            trace = await client.get(
                response.json()["url"], headers={"Authorization": f"Bearer {ADMIN_KEY}"}
            )
            assert trace.status_code == 200, trace.text[:500]
    else:
        assert after == before, f"{status} but stored: {preview!r}"
        assert_problem(response)
        if status == 413:
            assert len(body) > MAX_BODY
        else:
            assert status == 400, f"{status} for {preview!r}: {response.text[:500]}"
            assert len(body) > MAX_BODY or not model_accepts(body), (
                f"400 for a body the model accepts: {preview!r}: {response.text[:500]}"
            )

    evaluation = await client.post(
        EVALUATE,
        content=body,
        headers={"Authorization": f"Bearer {ADMIN_KEY}", "Content-Type": content_type},
    )
    assert evaluation.status_code < 500, evaluation.text[:500]
    if evaluation.status_code >= 400:
        assert_problem(evaluation)
        # The dry run validates exactly like the webhook.
        assert evaluation.status_code == status
    return response


def assert_problem(response: httpx.Response) -> None:
    try:
        body = response.json()
    except ValueError:
        body = None
    wrong = problem_violations(response.status_code, response.headers.get("content-type"), body)
    assert not wrong, f"{response.status_code}: {wrong}: {response.text[:500]}"


# --- the fuzz tests --------------------------------------------------------------------------


@given(
    field=st.sampled_from(FIELDS),
    value=json_values,
    drop=st.booleans(),
    top_level=st.one_of(st.none(), json_values),
)
@fuzz_settings(60)
async def test_wrong_types(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
    field: str,
    value: Any,
    drop: bool,
    top_level: Any,
) -> None:
    if top_level is not None and not isinstance(top_level, dict):
        document: Any = top_level  # not an object at all
    else:
        document = message()
        if drop:
            del document[field]
        else:
            document[field] = value
    await post_hostile(client, engine, json.dumps(document).encode())


HOSTILE_STRINGS = [
    '"\\u0000"',
    '"besluiten\\u0000"',
    '"\\ud800"',
    '"\\udfff"',
    '"x\\ud800y"',
    '"\\udc00\\ud800"',  # a pair in the wrong order
    '"\\ud83d\\ude00"',  # a valid pair: 😀
    '"\\ufffe\\uffff"',
    '"\\u202e\\u200b\\ufeff"',
    '"tab\tinside"',  # a raw control character: not JSON
    '"nul\x00inside"',  # a raw NUL byte: not JSON
    '"\\x41"',  # not a JSON escape
    '"\\u00"',  # a truncated escape
    '"\'; DROP TABLE notifications; --"',
]


@given(
    where=st.sampled_from([*FIELDS, "kenmerken.key", "kenmerken.value", "extra"]),
    fragment=st.one_of(
        st.sampled_from(HOSTILE_STRINGS),
        # Any code point, lone surrogates included (json.dumps writes them as \\udxxx).
        st.text(st.one_of(st.characters(), st.integers(0xD800, 0xDFFF).map(chr)), max_size=30).map(
            json.dumps
        ),
        # Around every length limit (50, 100, 1000) and beyond.
        st.integers(min_value=0, max_value=3000).map(lambda n: json.dumps("é" * n)),
    ),
)
@fuzz_settings(80)
async def test_hostile_strings(
    client: httpx.AsyncClient, engine: AsyncEngine, where: str, fragment: str
) -> None:
    raw = Raw()
    document = message()
    if where == "kenmerken.key":
        # A key must be a string: splice the fragment in as the key itself.
        document["kenmerken"] = {raw.slot(fragment): "x"}
        body = raw.encode(document)
    elif where == "kenmerken.value":
        document["kenmerken"]["besluittype"] = raw.slot(fragment)
        body = raw.encode(document)
    elif where == "extra":
        document["source"] = raw.slot(fragment)
        body = raw.encode(document)
    else:
        document[where] = raw.slot(fragment)
        body = raw.encode(document)
    await post_hostile(client, engine, body)


@given(
    where=st.sampled_from(["extra", "kenmerken.value", "kenmerken"]),
    delta=st.integers(min_value=-200, max_value=200),
    chunked=st.booleans(),
)
@fuzz_settings(30)
async def test_bodies_around_the_size_limit(
    client: httpx.AsyncClient, engine: AsyncEngine, where: str, delta: int, chunked: bool
) -> None:
    document = message()
    target = MAX_BODY + delta
    base = len(json.dumps(document).encode())
    if where == "extra":
        document["source"] = ""
        pad = target - base - len(', "source": ""')
        document["source"] = "x" * max(pad, 0)
    elif where == "kenmerken.value":  # over the 1000 characters a value may have
        document["kenmerken"]["besluittype"] = "x" * max(target - base, 0)
    else:  # many small kenmerken
        document["kenmerken"] = {f"k{i:06d}": "v" for i in range(max(target - base, 0) // 16)}
    body = json.dumps(document).encode()
    response = await post_hostile(client, engine, body, chunked=chunked)
    if len(body) > MAX_BODY:
        assert response.status_code == 413


@given(
    depth=st.one_of(
        st.sampled_from([1, 64, 127, 128, 129, 199, 200, 201, 255, 256, 1000, 5000, 10_000]),
        st.integers(min_value=1, max_value=10_000),
    ),
    container=st.sampled_from(["list", "object"]),
    where=st.sampled_from(["extra", "kenmerken", "kenmerken.value", "body", "kanaal"]),
)
@fuzz_settings(40)
async def test_deep_nesting(
    client: httpx.AsyncClient, engine: AsyncEngine, depth: int, container: str, where: str
) -> None:
    opener, closer = (b"[", b"]") if container == "list" else (b'{"a":', b"}")
    nested = opener * depth + b"1" + closer * depth
    if where == "body":
        body = nested
    else:
        raw = Raw()
        document = message()
        if where == "extra":
            document["source"] = raw.slot(nested)
        elif where == "kenmerken":
            document["kenmerken"] = raw.slot(nested)
        elif where == "kenmerken.value":
            document["kenmerken"]["besluittype"] = raw.slot(nested)
        else:
            document["kanaal"] = raw.slot(nested)
        body = raw.encode(document)
    await post_hostile(client, engine, body)


INVALID_UTF8 = [
    b"\xff",
    b"\xfe\xff",
    b"\xc3\x28",  # a broken two-byte sequence
    b"\xc0\xaf",  # an overlong encoding of "/"
    b"\xed\xa0\x80",  # a UTF-8 encoded surrogate (CESU-8)
    b"\xf4\x90\x80\x80",  # beyond U+10FFFF
    b"\xe2\x82",  # truncated
    b"\x80",  # a lone continuation byte
]


@given(
    where=st.sampled_from([*TEXT_FIELDS, "kenmerken.value", "extra", "anywhere"]),
    garbage=st.one_of(st.sampled_from(INVALID_UTF8), st.binary(min_size=1, max_size=8)),
    position=st.integers(min_value=0),
    content_type=st.sampled_from(
        ["application/json", "application/json; charset=latin-1", "text/plain"]
    ),
)
@fuzz_settings(50)
async def test_invalid_utf8(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
    where: str,
    garbage: bytes,
    position: int,
    content_type: str,
) -> None:
    raw = Raw()
    document = message()
    if where == "anywhere":
        body = json.dumps(document).encode()
        at = position % (len(body) + 1)
        body = body[:at] + garbage + body[at:]
    else:
        fragment = b'"' + garbage + b'"'
        if where == "kenmerken.value":
            document["kenmerken"]["besluittype"] = raw.slot(fragment)
        elif where == "extra":
            document["source"] = raw.slot(fragment)
        else:
            document[where] = raw.slot(fragment)
        body = raw.encode(document)
    await post_hostile(client, engine, body, content_type=content_type)


ODD_URLS = [
    "",
    "openzaak.gemeente.nl/besluiten/1",  # no scheme
    "//openzaak.gemeente.nl/besluiten/1",  # scheme-relative
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "file:///etc/passwd",
    "ftp://openzaak.gemeente.nl/x",
    "http://",
    "https://:443/x",
    "https://user:pass@openzaak.gemeente.nl/x",
    "https://openzaak.gemeente.nl:99999/x",
    "https://openzaak.gemeente.nl:-1/x",
    "https://openzaak.gemeente.nl:port/x",
    "https://[::1/x",
    "https://[::1]:8000/x",
    "https://xn--mnchen-3ya.de/x",
    "https://münchen.de/x",
    "https://\uff4f\uff50\uff45\uff4e.nl/x",  # full-width letters
    "https://open zaak.nl/x",
    " https://openzaak.gemeente.nl/x ",
    "https://openzaak.gemeente.nl/\u0000",
    "https://openzaak.gemeente.nl/x\r\nSet-Cookie: a=b",
    "HTTPS://OPENZAAK.GEMEENTE.NL/X",
    "https://openzaak.gemeente.nl/" + "a" * 995,
    "https://openzaak.gemeente.nl/" + "a" * 5000,
    "https://127.0.0.1/x",
    "https://169.254.169.254/latest/meta-data",
]


@given(
    field=st.sampled_from(["hoofdObject", "resourceUrl", "kenmerken.besluittype"]),
    url=st.one_of(
        st.sampled_from(ODD_URLS),
        st.builds(
            "{}://{}{}".format,
            st.sampled_from(["http", "https", "HTTP", "hTtPs", "javascript", ""]),
            st.text(max_size=20),
            st.text(max_size=20),
        ),
    ),
)
@fuzz_settings(50)
async def test_odd_urls(
    client: httpx.AsyncClient, engine: AsyncEngine, field: str, url: str
) -> None:
    document = message()
    if field == "kenmerken.besluittype":
        document["kenmerken"]["besluittype"] = url
    else:
        document[field] = url
    await post_hostile(client, engine, json.dumps(document).encode())


ODD_DATETIMES = [
    "2026-11-20T09:14:03",  # no time zone: UTC
    "2026-11-20",
    "2026-11-20T09:14:03.512+14:00",
    "2026-11-20T09:14:03.512-23:59",
    "2026-11-20T09:14:03+24:00",
    "0000-01-01T00:00:00Z",
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00+01:00",  # year 0 in UTC
    "9999-12-31T23:59:59.999999Z",
    "9999-12-31T23:59:59-01:00",  # year 10000 in UTC
    "10000-01-01T00:00:00Z",
    "-0001-01-01T00:00:00Z",
    "2026-02-30T00:00:00Z",
    "2026-11-20T25:00:00Z",
    "2026-11-20T09:14:60Z",
    "2026-11-20 09:14:03",
    "20261120T091403Z",
    "1700000000",
    "99999999999999999999",
    "now",
    "",
]


@given(
    value=st.one_of(
        st.sampled_from(ODD_DATETIMES),
        st.builds(
            lambda moment, minutes: moment.replace(
                tzinfo=timezone(timedelta(minutes=minutes))
            ).isoformat(),
            st.datetimes(),
            st.integers(min_value=-1439, max_value=1439),
        ),
        st.datetimes().map(datetime.isoformat),
        st.text(max_size=30),
        st.integers(),
        st.floats(),
    )
)
@fuzz_settings(50)
async def test_odd_datetimes(client: httpx.AsyncClient, engine: AsyncEngine, value: Any) -> None:
    document = message(aanmaakdatum=value)
    await post_hostile(client, engine, json.dumps(document).encode())


@given(
    kenmerken=st.one_of(
        st.dictionaries(st.text(max_size=10), json_values, max_size=5),
        json_values,
    ),
    number=st.one_of(st.none(), odd_numbers),
)
@fuzz_settings(40)
async def test_kenmerken_that_are_not_strings(
    client: httpx.AsyncClient, engine: AsyncEngine, kenmerken: Any, number: bytes | None
) -> None:
    raw = Raw()
    document = message(kenmerken=kenmerken)
    if number is not None:
        document["kenmerken"] = {"besluittype": raw.slot(number)}
        document["source"] = raw.slot(number)
    await post_hostile(client, engine, raw.encode(document))


def known_hostile_bodies() -> Iterator[tuple[str, bytes]]:
    """Every listed hostile input in every place it is listed for: Hypothesis draws from these
    lists, but 50 derandomized examples need not include each entry."""
    for fragment in HOSTILE_STRINGS:
        for where in ("kanaal", "kenmerken.key", "kenmerken.value", "extra"):
            raw = Raw()
            document = message()
            if where == "kenmerken.key":
                document["kenmerken"] = {raw.slot(fragment): "x"}
            elif where == "kenmerken.value":
                document["kenmerken"]["besluittype"] = raw.slot(fragment)
            elif where == "extra":
                document["source"] = raw.slot(fragment)
            else:
                document[where] = raw.slot(fragment)
            yield f"string {fragment!r} in {where}", raw.encode(document)
    for garbage in INVALID_UTF8:
        raw = Raw()
        document = message(kanaal=raw.slot(b'"' + garbage + b'"'))
        yield f"invalid UTF-8 {garbage!r}", raw.encode(document)
    for url in ODD_URLS:
        for field in ("hoofdObject", "resourceUrl"):
            yield f"URL {url[:60]!r} in {field}", json.dumps(message(**{field: url})).encode()
    for value in ODD_DATETIMES:
        yield f"aanmaakdatum {value!r}", json.dumps(message(aanmaakdatum=value)).encode()
    for number in odd_numbers_list:
        raw = Raw()
        document = message(kenmerken={"besluittype": raw.slot(number)})
        document["source"] = raw.slot(number)
        yield f"number {number[:20]!r}", raw.encode(document)
    for depth in (199, 200, 201, 10_000):
        for opener, closer in ((b"[", b"]"), (b'{"a":', b"}")):
            raw = Raw()
            nested = opener * depth + b"1" + closer * depth
            document = message(kenmerken=raw.slot(nested))
            document["source"] = raw.slot(nested)
            yield f"nesting {depth} {opener!r}", raw.encode(document)
            yield f"nesting {depth} {opener!r} as the body", nested
    for delta in (-1, 0, 1):
        document = message(source="")
        pad = MAX_BODY + delta - len(json.dumps(document).encode())
        document["source"] = "x" * pad
        yield f"body of MAX_BODY{delta:+d} bytes", json.dumps(document).encode()


async def test_known_hostile_inputs(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    failures = []
    for name, body in known_hostile_bodies():
        try:
            await post_hostile(client, engine, body)
        except AssertionError as error:
            failures.append(f"{name}: {error}")
    assert not failures, "\n".join(failures)


def test_the_model_accepts_what_the_fuzz_tests_start_from() -> None:
    """The example lists above stay meaningful: the model accepts a plain message and the
    boundary cases exist on both sides (an edit that made every case invalid would make the
    fuzz tests pass without testing acceptance)."""
    assert model_accepts(json.dumps(message()).encode())
    assert model_accepts(json.dumps(message(aanmaakdatum="2026-11-20T09:14:03")).encode())
    assert not model_accepts(json.dumps(message(aanmaakdatum="0001-01-01T00:00:00+01:00")).encode())
