"""Template specs: the decision-made placeholders are exactly the seed's; values are formatted
as the OMC formats them; nothing is ever missing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.pipeline.personalisation import (
    TemplateSpecError,
    load_template_spec,
    parse_template_spec,
    personalise,
)
from tests.helpers import DECISION_MADE_PLACEHOLDERS

SEED = Path(__file__).resolve().parents[3] / "shared" / "seeds" / "001_eb53429f123e506d.txt"


def seed_placeholders() -> list[str]:
    return DECISION_MADE_PLACEHOLDERS


def test_decision_made_placeholders_are_exactly_the_seeds() -> None:
    expected = seed_placeholders()

    assert len(expected) == 24
    assert load_template_spec("decision_made").names == expected


@pytest.mark.skipif(not SEED.exists(), reason="the seed documents are not next to this checkout")
def test_the_placeholder_list_is_the_seed_document_s() -> None:
    assert re.findall(r"\(\(([^()]+)\)\)", SEED.read_text()) == DECISION_MADE_PLACEHOLDERS


def test_every_placeholder_is_sent_even_without_data() -> None:
    spec = load_template_spec("decision_made")

    values = personalise(spec, {})

    assert list(values) == spec.names
    assert set(values.values()) == {""}


@pytest.mark.parametrize(
    ("source", "fmt", "value", "expected"),
    [
        ("besluit.datum", "date", "2026-11-20", "20-11-2026"),
        ("besluit.datum", "date", "2026-11-20T23:59:00+01:00", "20-11-2026"),
        ("besluit.datum", "date", None, ""),
        ("besluit.datum", "date", "", ""),
        ("besluittype.publicatieIndicatie", "boolean", True, "yes"),
        ("besluittype.publicatieIndicatie", "boolean", False, "no"),
        ("zaak.omschrijving", "text", "Aanvraag parkeervergunning", "Aanvraag parkeervergunning"),
        ("zaak.omschrijving", "text", None, ""),
    ],
)
def test_formats(source: str, fmt: str, value: object, expected: str) -> None:
    spec = parse_template_spec(
        f"scenario: t\nplaceholders:\n  p: {{source: {source}, format: {fmt}}}\n"
    )
    top, field = source.split(".")

    assert personalise(spec, {top: {field: value}}) == {"p": expected}


@pytest.mark.parametrize(
    "text",
    [
        "placeholders: [a, b]",
        "scenario: t\nplaceholders:\n  p: {format: date}",
        "scenario: t\nplaceholders:\n  p: {source: a.b, format: money}",
    ],
)
def test_malformed_specs_are_refused(text: str) -> None:
    with pytest.raises(TemplateSpecError):
        parse_template_spec(text)
