"""Who the citizen is and how to reach them: the OMC's rules, as plain functions."""

from __future__ import annotations

from typing import Any

import pytest

from app.scenarios.citizen import (
    channels_from_klant,
    choose_channel,
    find_initiator,
    klant_names,
    mask_address,
    normalise_phone,
)


def partij(addresses: list[dict[str, Any]], preferred: str | None = None) -> dict[str, Any]:
    return {
        "voorkeursDigitaalAdres": {"uuid": preferred} if preferred else None,
        "_expand": {"digitaleAdressen": addresses},
    }


EMAIL = {"uuid": "e1", "soortDigitaalAdres": "email", "adres": "jan@example.nl"}
EMAIL2 = {"uuid": "e2", "soortDigitaalAdres": "email", "adres": "werk@example.nl"}
PHONE = {"uuid": "t1", "soortDigitaalAdres": "telefoonnummer", "adres": "06-12345678"}


def test_the_zaak_specific_address_comes_first() -> None:
    specific = {**EMAIL2, "referentie": "ZAAK-2026-0042"}

    channel = choose_channel(partij([EMAIL, PHONE, specific], preferred="t1"), "ZAAK-2026-0042")

    assert channel is not None
    assert (channel.kind, channel.address) == ("email", "werk@example.nl")


def test_then_the_preferred_address() -> None:
    channel = choose_channel(partij([EMAIL, PHONE], preferred="t1"), "ZAAK-1")

    assert channel is not None
    assert (channel.kind, channel.address) == ("sms", "+31612345678")


def test_then_the_first_email_then_the_first_phone() -> None:
    email_first = choose_channel(partij([PHONE, EMAIL, EMAIL2]), None)
    only_phone = choose_channel(partij([PHONE]), None)

    assert email_first is not None
    assert email_first.address == "jan@example.nl"
    assert only_phone is not None
    assert only_phone.kind == "sms"


def test_no_usable_address() -> None:
    other = {"uuid": "o1", "soortDigitaalAdres": "overig", "adres": "@jan"}

    assert choose_channel(partij([other]), None) is None
    assert choose_channel(partij([]), None) is None


def test_soort_is_compared_case_insensitively() -> None:
    channel = choose_channel(partij([{**PHONE, "soortDigitaalAdres": "Telefoonnummer"}]), None)

    assert channel is not None
    assert channel.kind == "sms"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("0612345678", "+31612345678"),
        ("06-12 34 56 78", "+31612345678"),
        ("+31612345678", "+31612345678"),
        ("0031612345678", "+31612345678"),
    ],
)
def test_dutch_numbers_become_international(given: str, expected: str) -> None:
    assert normalise_phone(given) == expected


def test_initiator_is_the_first_initiator_rol() -> None:
    rollen = [
        {"omschrijvingGeneriek": "behandelaar", "betrokkeneIdentificatie": {"inpBsn": "1"}},
        {"omschrijvingGeneriek": "initiator", "betrokkeneIdentificatie": {"inpBsn": "999990019"}},
        {"omschrijvingGeneriek": "initiator", "betrokkeneIdentificatie": {"inpBsn": "2"}},
    ]

    initiator = find_initiator(rollen)

    assert initiator is not None
    assert (initiator.bsn, initiator.count) == ("999990019", 2)


def test_initiator_without_bsn_or_partij() -> None:
    initiator = find_initiator([{"omschrijvingGeneriek": "initiator", "betrokkene": ""}])

    assert initiator is not None
    assert (initiator.bsn, initiator.partij_url) == (None, None)
    assert find_initiator([]) is None


def test_klanten_api_channel_follows_aanmaakkanaal() -> None:
    klant = {"emailadres": "jan@example.nl", "telefoonnummer": "0612345678"}

    assert [c.kind for c in channels_from_klant({**klant, "aanmaakkanaal": "beiden"})] == [
        "email",
        "sms",
    ]
    assert channels_from_klant({**klant, "aanmaakkanaal": "geen"}) == []


def test_names_and_masks() -> None:
    names = klant_names(
        {
            "partijIdentificatie": {
                "contactnaam": {
                    "voornaam": "Jan",
                    "achternaam": "Vries",
                    "voorvoegselAchternaam": "de",
                }
            }
        }
    )

    assert names == {"voornaam": "Jan", "voorvoegselAchternaam": "de", "achternaam": "Vries"}
    assert mask_address("jan@example.nl") == "j***@example.nl"
    assert "2345" not in mask_address("+31612345678")
