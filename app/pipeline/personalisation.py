"""Personalisation from a declarative template spec (templates_spec/<name>.yaml).

A spec maps each placeholder to a source path and a format, so adding a placeholder is a change
of data. Every placeholder of the spec is always sent: missing or empty values become "",
because Notify refuses a send with a missing placeholder.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any, Literal, cast

import yaml

Format = Literal["text", "date", "boolean"]
FORMATS: frozenset[str] = frozenset({"text", "date", "boolean"})


class TemplateSpecError(ValueError):
    """A template spec file is malformed."""


@dataclass(frozen=True)
class Placeholder:
    name: str
    source: str
    format: Format = "text"


@dataclass(frozen=True)
class TemplateSpec:
    scenario: str
    placeholders: tuple[Placeholder, ...]

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.placeholders]


def parse_template_spec(text: str) -> TemplateSpec:
    document = yaml.safe_load(text)
    if not isinstance(document, dict) or not isinstance(document.get("placeholders"), dict):
        raise TemplateSpecError("a template spec needs `scenario` and a `placeholders` mapping")
    placeholders = []
    for name, entry in document["placeholders"].items():
        if not isinstance(entry, dict) or not isinstance(entry.get("source"), str):
            raise TemplateSpecError(f"placeholder {name!r} needs a `source`")
        fmt = entry.get("format", "text")
        if fmt not in FORMATS:
            raise TemplateSpecError(f"placeholder {name!r}: unknown format {fmt!r}")
        placeholders.append(Placeholder(str(name), entry["source"], cast(Format, fmt)))
    return TemplateSpec(str(document.get("scenario", "")), tuple(placeholders))


@cache
def load_template_spec(name: str) -> TemplateSpec:
    """The spec `templates_spec/<name>.yaml`, shipped with the package."""
    text = resources.files("templates_spec").joinpath(f"{name}.yaml").read_text("utf-8")
    return parse_template_spec(text)


def _lookup(data: Mapping[str, Any], path: str) -> Any:
    value: Any = data
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def format_value(value: Any, fmt: Format) -> str:
    if value is None or value == "":
        return ""
    if fmt == "date":
        return _format_date(value)
    if fmt == "boolean":
        return "yes" if value is True or str(value).lower() in ("true", "yes", "ja") else "no"
    return str(value)


def _format_date(value: Any) -> str:
    """dd-MM-yyyy, as the OMC writes dates; the ZGW APIs give ISO dates or date-times."""
    if isinstance(value, datetime | date):
        parsed: date = value.date() if isinstance(value, datetime) else value
    else:
        text = str(value)
        try:
            parsed = (
                datetime.fromisoformat(text).date() if "T" in text else date.fromisoformat(text)
            )
        except ValueError:
            return text
    return parsed.strftime("%d-%m-%Y")


def personalise(spec: TemplateSpec, data: Mapping[str, Any]) -> dict[str, str]:
    return {p.name: format_value(_lookup(data, p.source), p.format) for p in spec.placeholders}
