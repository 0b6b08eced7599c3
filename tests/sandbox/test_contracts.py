"""The sandbox's contract checker against the real OpenAPI files in specs/ (no network)."""

from __future__ import annotations

import copy
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from app.sandbox.app import default_specs_dir
from app.sandbox.contracts import SERVICES, ContractChecker

SPECS_DIR = default_specs_dir()

OZ = "http://sandbox.test"
ZAAK_UUID = "4f8b0c1e-0c4b-4c55-9a34-0d3d9a0f7e11"
ZAAK_URL = f"{OZ}/zaken/api/v1/zaken/{ZAAK_UUID}"
ZAAKTYPE_URL = f"{OZ}/catalogi/api/v1/zaaktypen/0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6"
CATALOGUS_URL = f"{OZ}/catalogi/api/v1/catalogussen/8a9b0c1d-2e3f-4a5b-9c6d-7e8f9a0b1c2d"
STATUS_URL = f"{OZ}/zaken/api/v1/statussen/1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
STATUSTYPE_URL = f"{OZ}/catalogi/api/v1/statustypen/2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e"
ROL_URL = f"{OZ}/zaken/api/v1/rollen/3c4d5e6f-7a8b-4c9d-8e0f-2a3b4c5d6e7f"
ROLTYPE_URL = f"{OZ}/catalogi/api/v1/roltypen/4d5e6f7a-8b9c-4d0e-9f1a-3b4c5d6e7f80"
BSN = "999993653"
SECRET = "Bearer very-secret-token-value"
JSON = "application/json"


@pytest.fixture(scope="session")
def checker() -> ContractChecker:
    return ContractChecker(SPECS_DIR)


def dumps(value: Any) -> bytes:
    return json.dumps(value).encode()


def status_body() -> dict[str, Any]:
    return {
        "url": STATUS_URL,
        "uuid": STATUS_URL.rsplit("/", 1)[1],
        "zaak": ZAAK_URL,
        "statustype": STATUSTYPE_URL,
        "datumStatusGezet": "2026-03-01T09:30:00Z",
        "statustoelichting": "Besluit genomen",
        "indicatieLaatstGezetteStatus": True,
        "gezetdoor": None,
        "zaakinformatieobjecten": [],
    }


def statustype_body() -> dict[str, Any]:
    return {
        "url": STATUSTYPE_URL,
        "omschrijving": "Afgehandeld",
        "omschrijvingGeneriek": "Afgehandeld",
        "statustekst": "Uw aanvraag is afgehandeld.",
        "zaaktype": ZAAKTYPE_URL,
        "zaaktypeIdentificatie": "ZT-BESLUIT",
        "volgnummer": 3,
        "isEindstatus": True,
        "informeren": True,
        "doorlooptijd": None,
        "toelichting": None,
        "checklistitemStatustype": [],
        "catalogus": CATALOGUS_URL,
        "eigenschappen": [],
        "zaakobjecttypen": [],
        "beginGeldigheid": "2024-01-01",
        "eindeGeldigheid": None,
        "beginObject": "2024-01-01",
        "eindeObject": "2099-12-31",
    }


def rol_body() -> dict[str, Any]:
    return {
        "url": ROL_URL,
        "uuid": ROL_URL.rsplit("/", 1)[1],
        "zaak": ZAAK_URL,
        "betrokkene": "",
        "betrokkeneType": "natuurlijk_persoon",
        "afwijkendeNaamBetrokkene": "",
        "roltype": ROLTYPE_URL,
        "omschrijving": "Aanvrager",
        "omschrijvingGeneriek": "initiator",
        "roltoelichting": "Aanvrager van de vergunning",
        "registratiedatum": "2026-02-01T10:00:00Z",
        "indicatieMachtiging": "",
        "contactpersoonRol": None,
        "statussen": [],
        "beginGeldigheid": None,
        "eindeGeldigheid": None,
        "betrokkeneIdentificatie": {
            "inpBsn": BSN,
            "anpIdentificatie": "",
            "geslachtsnaam": "Jansen",
            "voorvoegselGeslachtsnaam": "",
            "voorletters": "J",
            "voornamen": "Jan",
            "geslachtsaanduiding": "m",
            "geboortedatum": "1980-05-17",
            "verblijfsadres": None,
            "subVerblijfBuitenland": None,
        },
        "authenticatieContext": None,
    }


def zaaktype_body() -> dict[str, Any]:
    """A zaaktype as VNG Catalogi 1.2.0 describes it (Open Zaak's file refers to that file)."""
    return {
        "url": ZAAKTYPE_URL,
        "identificatie": "ZT-BESLUIT",
        "omschrijving": "Aanvraag vergunning",
        "omschrijvingGeneriek": "",
        "vertrouwelijkheidaanduiding": "openbaar",
        "doel": "Vergunning verlenen",
        "aanleiding": "Aanvraag van een burger",
        "toelichting": "",
        "indicatieInternOfExtern": "extern",
        "handelingInitiator": "aanvragen",
        "onderwerp": "Vergunning",
        "handelingBehandelaar": "behandelen",
        "doorlooptijd": "P56D",
        "servicenorm": None,
        "opschortingEnAanhoudingMogelijk": False,
        "verlengingMogelijk": False,
        "verlengingstermijn": None,
        "trefwoorden": [],
        "publicatieIndicatie": False,
        "publicatietekst": "",
        "verantwoordingsrelatie": [],
        "productenOfDiensten": ["https://example.com/producten/vergunning"],
        "selectielijstProcestype": "",
        "referentieproces": {"naam": "Vergunningverlening", "link": ""},
        "verantwoordelijke": "Team vergunningen",
        "catalogus": CATALOGUS_URL,
        "statustypen": [STATUSTYPE_URL],
        "resultaattypen": [],
        "eigenschappen": [],
        "informatieobjecttypen": [],
        "roltypen": [ROLTYPE_URL],
        "besluittypen": [],
        "deelzaaktypen": [],
        "gerelateerdeZaaktypen": [],
        "zaakobjecttypen": [],
        "beginGeldigheid": "2024-01-01",
        "eindeGeldigheid": None,
        "beginObject": "2024-01-01",
        "eindeObject": None,
        "versiedatum": "2024-01-01",
        "concept": False,
    }


def zaak_body() -> dict[str, Any]:
    """An Open Zaak 1.30 zaak as `GET /zaken/{uuid}?expand=status.statustype,rollen,zaaktype`."""
    status = status_body()
    status["_expand"] = {"statustype": statustype_body()}
    return {
        "url": ZAAK_URL,
        "uuid": ZAAK_UUID,
        "identificatie": "ZAAK-2026-0000000042",
        "bronorganisatie": "002220647",
        "omschrijving": "Aanvraag vergunning",
        "toelichting": "",
        "zaaktype": ZAAKTYPE_URL,
        "registratiedatum": "2026-02-01",
        "verantwoordelijkeOrganisatie": "002220647",
        "startdatum": "2026-02-01",
        "einddatum": "2026-03-01",
        "einddatumGepland": None,
        "uiterlijkeEinddatumAfdoening": None,
        "publicatiedatum": None,
        "laatstGemuteerd": "2026-03-01T09:30:00Z",
        "laatstGeopend": None,
        "communicatiekanaal": "",
        "communicatiekanaalNaam": "",
        "productenOfDiensten": [],
        "vertrouwelijkheidaanduiding": "openbaar",
        "betalingsindicatie": "",
        "betalingsindicatieWeergave": "",
        "laatsteBetaaldatum": None,
        "zaakgeometrie": None,
        "verlenging": None,
        "opschorting": {"indicatie": False, "eerdereOpschorting": False, "reden": ""},
        "selectielijstklasse": "",
        "hoofdzaak": None,
        "deelzaken": [],
        "relevanteAndereZaken": [],
        "gerelateerdeZaken": [],
        "eigenschappen": [],
        "rollen": [ROL_URL],
        "status": STATUS_URL,
        "zaakinformatieobjecten": [],
        "zaakobjecten": [],
        "kenmerken": [],
        "archiefnominatie": None,
        "archiefstatus": "nog_te_archiveren",
        "archiefactiedatum": None,
        "resultaat": None,
        "opdrachtgevendeOrganisatie": "002220647",
        "processobjectaard": "",
        "startdatumBewaartermijn": None,
        "processobject": None,
        "_expand": {"status": status, "rollen": [rol_body()], "zaaktype": zaaktype_body()},
    }


def check_zaak_response(checker: ContractChecker, body: dict[str, Any]) -> list[str]:
    return checker.check_response(
        "zaken",
        "GET",
        f"/zaken/api/v1/zaken/{ZAAK_UUID}",
        [("expand", "status.statustype,rollen,zaaktype")],
        200,
        {"Content-Type": JSON, "Content-Crs": "EPSG:4326"},
        dumps(body),
        JSON,
    )


# --- ZGW ------------------------------------------------------------------------------------


def test_the_gateways_zaak_request_is_valid(checker: ContractChecker) -> None:
    problems = checker.check_request(
        "zaken",
        "GET",
        f"/zaken/api/v1/zaken/{ZAAK_UUID}",
        [("expand", "status.statustype,rollen,zaaktype")],
        {"Accept-Crs": "EPSG:4326", "Authorization": SECRET},
        None,
        None,
    )
    assert problems == []


def test_a_zaak_request_without_accept_crs_is_a_violation(checker: ContractChecker) -> None:
    problems = checker.check_request(
        "zaken", "GET", f"/zaken/api/v1/zaken/{ZAAK_UUID}", [], {}, None, None
    )
    assert len(problems) == 1
    assert "Accept-Crs" in problems[0]
    assert "Content-Crs" not in problems[0]  # VNG's file wrongly requires it on GET


def test_an_unknown_expand_value_is_a_violation(checker: ContractChecker) -> None:
    problems = checker.check_request(
        "zaken",
        "GET",
        f"/zaken/api/v1/zaken/{ZAAK_UUID}",
        [("expand", "status.statustype,zaaktypes")],
        {"Accept-Crs": "EPSG:4326"},
        None,
        None,
    )
    assert len(problems) == 1
    assert "'zaaktypes'" in problems[0]


def test_a_realistic_zaak_response_is_valid(checker: ContractChecker) -> None:
    assert check_zaak_response(checker, zaak_body()) == []


def test_a_zaak_response_without_a_required_field_is_a_violation(
    checker: ContractChecker,
) -> None:
    body = zaak_body()
    del body["bronorganisatie"]

    problems = check_zaak_response(checker, body)

    assert len(problems) == 1
    assert "'bronorganisatie' is a required property" in problems[0]
    assert problems[0].startswith(f"[zaken] GET /zaken/api/v1/zaken/{ZAAK_UUID}")


def test_a_missing_field_deep_in_an_expansion_is_found(checker: ContractChecker) -> None:
    body = zaak_body()
    del body["_expand"]["zaaktype"]["doorlooptijd"]

    problems = check_zaak_response(checker, body)

    assert len(problems) == 1
    assert "$._expand.zaaktype" in problems[0]
    assert "'doorlooptijd'" in problems[0]


def test_a_wrong_enum_value_is_a_violation(checker: ContractChecker) -> None:
    body = zaak_body()
    body["vertrouwelijkheidaanduiding"] = "topgeheim"

    problems = check_zaak_response(checker, body)

    assert len(problems) == 1
    assert "vertrouwelijkheidaanduiding" in problems[0]
    assert "'topgeheim'" in problems[0]


def test_a_rol_with_a_wrong_type_is_reported_through_the_discriminator(
    checker: ContractChecker,
) -> None:
    body = zaak_body()
    body["_expand"]["rollen"][0]["betrokkeneIdentificatie"]["inpA_nummer"] = "0123"

    problems = check_zaak_response(checker, body)

    assert len(problems) == 1
    assert "inpA_nummer" in problems[0]


def test_a_zaak_response_without_the_content_crs_header_is_a_violation(
    checker: ContractChecker,
) -> None:
    problems = checker.check_response(
        "zaken",
        "GET",
        f"/zaken/api/v1/zaken/{ZAAK_UUID}",
        [],
        200,
        {"Content-Type": JSON},
        dumps(zaak_body()),
        JSON,
    )
    assert problems == [
        f"[zaken] GET /zaken/api/v1/zaken/{ZAAK_UUID} -> 200: "
        "missing required response header 'Content-Crs'"
    ]


def test_a_problem_response_is_checked_as_problem_json(checker: ContractChecker) -> None:
    problem = {
        "type": "http://sandbox.test/ref/fouten/NotFound/",
        "code": "not_found",
        "title": "Niet gevonden.",
        "status": 404,
        "detail": "Niet gevonden.",
        "instance": "urn:uuid:5d0a4c3e-1b2f-4a6d-8e9c-0f1a2b3c4d5e",
    }
    path = f"/zaken/api/v1/zaken/{ZAAK_UUID}"
    ok = checker.check_response(
        "zaken", "GET", path, [], 404, {}, dumps(problem), "application/problem+json"
    )
    del problem["title"]
    broken = checker.check_response(
        "zaken", "GET", path, [], 404, {}, dumps(problem), "application/problem+json"
    )
    assert ok == []
    assert len(broken) == 1
    assert "'title'" in broken[0]


def test_an_undocumented_status_is_a_violation(checker: ContractChecker) -> None:
    problems = checker.check_response(
        "zaken", "GET", f"/zaken/api/v1/zaken/{ZAAK_UUID}", [], 418, {}, b"", None
    )
    assert len(problems) == 1
    assert "418" in problems[0]


def test_rollen_filtered_by_zaak_url_is_valid(checker: ContractChecker) -> None:
    """Open Zaak's own file types `zaak` as an integer; the URL must still pass."""
    query = [
        ("zaak", ZAAK_URL),
        ("omschrijvingGeneriek", "initiator"),
        ("betrokkeneType", "natuurlijk_persoon"),
    ]
    request = checker.check_request("zaken", "GET", "/zaken/api/v1/rollen", query, {}, None, None)
    listing = {"count": 1, "next": None, "previous": None, "results": [rol_body()]}
    response = checker.check_response(
        "zaken", "GET", "/zaken/api/v1/rollen", query, 200, {}, dumps(listing), JSON
    )
    assert request == []
    assert response == []


def test_a_zaak_filter_that_is_not_a_url_is_a_violation(checker: ContractChecker) -> None:
    problems = checker.check_request(
        "zaken", "GET", "/zaken/api/v1/rollen", [("zaak", ZAAK_UUID)], {}, None, None
    )
    assert len(problems) == 1
    assert "query parameter 'zaak'" in problems[0]


def test_a_status_by_uuid_is_valid(checker: ContractChecker) -> None:
    path = "/zaken/api/v1/statussen/" + STATUS_URL.rsplit("/", 1)[1]
    assert checker.check_request("zaken", "GET", path, [], {}, None, None) == []
    assert (
        checker.check_response("zaken", "GET", path, [], 200, {}, dumps(status_body()), JSON) == []
    )


def test_an_unknown_path_is_a_violation(checker: ContractChecker) -> None:
    problems = checker.check_request(
        "zaken", "GET", "/zaken/api/v1/zaakjes/" + ZAAK_UUID, [], {}, None, None
    )
    assert len(problems) == 1
    assert problems[0].startswith(f"[zaken] GET /zaken/api/v1/zaakjes/{ZAAK_UUID}: no such path")


def test_an_unknown_method_is_a_violation(checker: ContractChecker) -> None:
    path = "/zaken/api/v1/statussen/" + STATUS_URL.rsplit("/", 1)[1]
    problems = checker.check_request("zaken", "DELETE", path, [], {}, None, None)
    assert len(problems) == 1
    assert "DELETE" in problems[0]
    assert "allowed: ['GET', 'HEAD']" in problems[0]


def test_a_path_outside_the_prefix_is_a_violation(checker: ContractChecker) -> None:
    problems = checker.check_request(
        "zaken", "GET", f"/catalogi/api/v1/zaken/{ZAAK_UUID}", [], {}, None, None
    )
    assert len(problems) == 1
    assert "prefix" in problems[0]


def test_a_bad_header_value_is_reported_without_the_value(checker: ContractChecker) -> None:
    problems = checker.check_request(
        "zaken",
        "GET",
        f"/zaken/api/v1/zaken/{ZAAK_UUID}",
        [],
        {"Accept-Crs": "EPSG:28992-private-value", "Authorization": SECRET},
        None,
        None,
    )
    assert len(problems) == 1
    assert "Accept-Crs" in problems[0]
    assert "private-value" not in problems[0]
    assert SECRET not in problems[0]


def test_a_catalogi_statustype_response_is_valid(checker: ContractChecker) -> None:
    path = "/catalogi/api/v1/statustypen/" + STATUSTYPE_URL.rsplit("/", 1)[1]
    assert checker.check_request("catalogi", "GET", path, [], {}, None, None) == []
    response = checker.check_response(
        "catalogi", "GET", path, [], 200, {}, dumps(statustype_body()), JSON
    )
    assert response == []


def test_a_statustype_with_a_wrong_type_is_a_violation(checker: ContractChecker) -> None:
    body = statustype_body()
    body["informeren"] = "ja"
    path = "/catalogi/api/v1/statustypen/" + STATUSTYPE_URL.rsplit("/", 1)[1]

    problems = checker.check_response("catalogi", "GET", path, [], 200, {}, dumps(body), JSON)

    assert len(problems) == 1
    assert "$.informeren" in problems[0]


def test_catalogi_list_filters_take_urls(checker: ContractChecker) -> None:
    """Open Zaak's Catalogi file types `zaaktype` as an integer, and it serves both directions."""
    path = "/catalogi/api/v1/statustypen"
    by_url = checker.check_request(
        "catalogi", "GET", path, [("zaaktype", ZAAKTYPE_URL)], {}, None, None
    )
    by_uuid = checker.check_request(
        "catalogi", "GET", path, [("zaaktype", ZAAKTYPE_URL.rsplit("/", 1)[1])], {}, None, None
    )
    assert by_url == []
    assert len(by_uuid) == 1
    assert "query parameter 'zaaktype'" in by_uuid[0]


def test_besluitinformatieobjecten_filtered_by_besluit_url_is_valid(
    checker: ContractChecker,
) -> None:
    besluit = f"{OZ}/besluiten/api/v1/besluiten/5e6f7a8b-9c0d-4e1f-8a2b-4c5d6e7f8091"
    bio_uuid = "6f7a8b9c-0d1e-4f2a-9b3c-5d6e7f8091a2"
    document_uuid = "7a8b9c0d-1e2f-4a3b-8c4d-6e7f8091a2b3"
    bio = {
        "url": f"{OZ}/besluiten/api/v1/besluitinformatieobjecten/{bio_uuid}",
        "informatieobject": f"{OZ}/documenten/api/v1/enkelvoudiginformatieobjecten/{document_uuid}",
        "besluit": besluit,
    }
    path = "/besluiten/api/v1/besluitinformatieobjecten"
    query = [("besluit", besluit)]
    assert checker.check_request("besluiten", "GET", path, query, {}, None, None) == []
    assert (
        checker.check_response("besluiten", "GET", path, query, 200, {}, dumps([bio]), JSON) == []
    )


# --- Open Klant -----------------------------------------------------------------------------


def partij_body() -> dict[str, Any]:
    partij_uuid = "8b9c0d1e-2f3a-4b4c-9d5e-7f8091a2b3c4"
    adres_uuid = "9c0d1e2f-3a4b-4c5d-8e6f-8091a2b3c4d5"
    base = f"{OZ}/klantinteracties/api/v1"
    adres_ref = {"uuid": adres_uuid, "url": f"{base}/digitaleadressen/{adres_uuid}"}
    partij_ref = {"uuid": partij_uuid, "url": f"{base}/partijen/{partij_uuid}"}
    return {
        "uuid": partij_uuid,
        "url": partij_ref["url"],
        "nummer": "0000000001",
        "interneNotitie": "",
        "betrokkenen": [],
        "categorieRelaties": [],
        "digitaleAdressen": [adres_ref],
        "voorkeursDigitaalAdres": adres_ref,
        "vertegenwoordigden": [],
        "rekeningnummers": [],
        "voorkeursRekeningnummer": None,
        "partijIdentificatoren": [
            {
                "uuid": "0d1e2f3a-4b5c-4d6e-9f70-91a2b3c4d5e6",
                "url": f"{base}/partij-identificatoren/0d1e2f3a-4b5c-4d6e-9f70-91a2b3c4d5e6",
                "identificeerdePartij": partij_ref,
                "partijIdentificator": {
                    "codeObjecttype": "natuurlijk_persoon",
                    "codeSoortObjectId": "bsn",
                    "objectId": BSN,
                    "codeRegister": "brp",
                },
                "subIdentificatorVan": None,
            }
        ],
        "soortPartij": "persoon",
        "indicatieGeheimhouding": False,
        "voorkeurstaal": "nld",
        "indicatieActief": True,
        "bezoekadres": None,
        "correspondentieadres": None,
        "partijIdentificatie": {
            "contactnaam": {
                "voorletters": "J",
                "voornaam": "Jan",
                "voorvoegselAchternaam": "",
                "achternaam": "Jansen",
            },
            "volledigeNaam": "Jan Jansen",
        },
        "_expand": {
            "digitaleAdressen": [
                {
                    **adres_ref,
                    "verstrektDoorBetrokkene": None,
                    "verstrektDoorPartij": partij_ref,
                    "adres": "jan.jansen@example.com",
                    "soortDigitaalAdres": "email",
                    "isStandaardAdres": True,
                    "omschrijving": "E-mail",
                    "referentie": "ZAAK-2026-0000000042",
                    "verificatieDatum": None,
                }
            ]
        },
    }


PARTIJEN_QUERY = [
    ("partijIdentificator__codeSoortObjectId", "bsn"),
    ("partijIdentificator__objectId", BSN),
    ("expand", "digitaleAdressen"),
]


def test_the_partijen_search_with_expanded_addresses_is_valid(checker: ContractChecker) -> None:
    path = "/klantinteracties/api/v1/partijen"
    headers = {"Authorization": "Token open-klant-token"}
    listing = {"count": 1, "next": None, "previous": None, "results": [partij_body()]}
    assert (
        checker.check_request("klantinteracties", "GET", path, PARTIJEN_QUERY, headers, None, None)
        == []
    )
    assert (
        checker.check_response(
            "klantinteracties", "GET", path, PARTIJEN_QUERY, 200, {}, dumps(listing), JSON
        )
        == []
    )


def test_an_expanded_address_of_an_unknown_kind_is_a_violation(checker: ContractChecker) -> None:
    partij = partij_body()
    partij["_expand"]["digitaleAdressen"][0]["soortDigitaalAdres"] = "Email"
    listing = {"count": 1, "next": None, "previous": None, "results": [partij]}

    problems = checker.check_response(
        "klantinteracties",
        "GET",
        "/klantinteracties/api/v1/partijen",
        PARTIJEN_QUERY,
        200,
        {},
        dumps(listing),
        JSON,
    )

    assert len(problems) == 1
    assert "soortDigitaalAdres" in problems[0]


def test_a_partij_by_uuid_with_expand_is_valid(checker: ContractChecker) -> None:
    body = partij_body()
    path = f"/klantinteracties/api/v1/partijen/{body['uuid']}"
    query = [("expand", "digitaleAdressen")]
    assert checker.check_request("klantinteracties", "GET", path, query, {}, None, None) == []
    assert (
        checker.check_response("klantinteracties", "GET", path, query, 200, {}, dumps(body), JSON)
        == []
    )


def test_klanten_by_bsn_is_a_valid_request(checker: ContractChecker) -> None:
    query = [("subjectNatuurlijkPersoon__inpBsn", BSN)]
    problems = checker.check_request(
        "klanten", "GET", "/klanten/api/v1/klanten", query, {}, None, None
    )
    assert problems == []


# --- Objects API ----------------------------------------------------------------------------

OBJECTTYPE_URL = f"{OZ}/objecttypen/api/v2/objecttypes/1e2f3a4b-5c6d-4e7f-8a90-a2b3c4d5e6f7"
OBJECT_REQUEST: dict[str, Any] = {
    "type": OBJECTTYPE_URL,
    "record": {
        "typeVersion": 1,
        "data": {"zaak": ZAAK_URL, "titel": "Besluit"},
        "startAt": "2026-03-01",
    },
}


def post_object(checker: ContractChecker, headers: dict[str, str]) -> list[str]:
    return checker.check_request(
        "objecten",
        "POST",
        "/objecten/api/v2/objects",
        [],
        {"Authorization": "Token x", "Content-Type": JSON, **headers},
        dumps(OBJECT_REQUEST),
        JSON,
    )


def test_the_gateways_object_post_is_valid(checker: ContractChecker) -> None:
    assert post_object(checker, {"Content-Crs": "EPSG:4326", "Accept-Crs": "EPSG:4326"}) == []


def test_an_object_post_without_content_crs_is_a_violation(checker: ContractChecker) -> None:
    problems = post_object(checker, {"Accept-Crs": "EPSG:4326"})
    assert problems == [
        "[objecten] POST /objecten/api/v2/objects: missing required header parameter 'Content-Crs'"
    ]


def test_an_object_post_with_a_broken_record_is_a_violation(checker: ContractChecker) -> None:
    body = copy.deepcopy(OBJECT_REQUEST)
    del body["record"]["startAt"]
    problems = checker.check_request(
        "objecten",
        "POST",
        "/objecten/api/v2/objects",
        [],
        {"Content-Crs": "EPSG:4326"},
        dumps(body),
        JSON,
    )
    assert len(problems) == 1
    assert "'startAt' is a required property" in problems[0]


def test_a_created_object_is_a_valid_response(checker: ContractChecker) -> None:
    created = {
        "url": f"{OZ}/objecten/api/v2/objects/2f3a4b5c-6d7e-4f80-9a1b-b3c4d5e6f708",
        "uuid": "2f3a4b5c-6d7e-4f80-9a1b-b3c4d5e6f708",
        "type": OBJECTTYPE_URL,
        "record": {
            **OBJECT_REQUEST["record"],
            "index": 1,
            "geometry": None,
            "endAt": None,
            "registrationAt": "2026-03-01",
            "correctionFor": None,
        },
    }
    problems = checker.check_response(
        "objecten",
        "POST",
        "/objecten/api/v2/objects",
        [],
        201,
        {"Content-Crs": "EPSG:4326"},
        dumps(created),
        JSON,
    )
    assert problems == []


# --- Notify ---------------------------------------------------------------------------------

TEMPLATE_ID = "f33517ff-2a88-4f6e-b855-c550268ce08a"
EMAIL_REQUEST = {
    "email_address": "jan.jansen@example.com",
    "template_id": TEMPLATE_ID,
    "personalisation": {"zaak.identificatie": "ZAAK-2026-0000000042"},
    "reference": "delivery-42",
}


def post_email(checker: ContractChecker, body: dict[str, Any]) -> list[str]:
    return checker.check_request(
        "notify",
        "POST",
        "/v2/notifications/email",
        [],
        {"Authorization": SECRET, "Content-Type": JSON},
        dumps(body),
        JSON,
    )


def test_a_valid_notify_email_request(checker: ContractChecker) -> None:
    assert post_email(checker, EMAIL_REQUEST) == []


def test_a_notify_email_request_with_an_extra_property_is_a_violation(
    checker: ContractChecker,
) -> None:
    problems = post_email(checker, {**EMAIL_REQUEST, "zaak_url": ZAAK_URL})
    assert len(problems) == 1
    assert "zaak_url" in problems[0]
    assert SECRET not in problems[0]


def test_a_notify_email_request_with_a_bad_template_id_is_a_violation(
    checker: ContractChecker,
) -> None:
    problems = post_email(checker, {**EMAIL_REQUEST, "template_id": "decision-email"})
    assert len(problems) == 1
    assert "$.template_id" in problems[0]


def test_a_notify_email_request_without_an_address_is_reported_once(
    checker: ContractChecker,
) -> None:
    body = dict(EMAIL_REQUEST)
    del body["email_address"]
    assert post_email(checker, body) == [
        "[notify] POST /v2/notifications/email: request body at $: "
        "'email_address' is a required property"
    ]


def test_a_valid_notify_sms_request_and_an_invalid_one(checker: ContractChecker) -> None:
    sms = {"phone_number": "+31612345678", "template_id": TEMPLATE_ID, "personalisation": {}}

    def post(body: dict[str, Any]) -> list[str]:
        return checker.check_request(
            "notify", "POST", "/v2/notifications/sms", [], {}, dumps(body), JSON
        )

    assert post(sms) == []
    assert len(post({**sms, "email_reply_to_id": TEMPLATE_ID})) == 1


def test_a_notify_email_response_is_valid(checker: ContractChecker) -> None:
    notification_id = "201b576e-c09b-467b-9dfa-9c3b689ee730"
    created = {
        "id": notification_id,
        "reference": "delivery-42",
        "content": {
            "subject": "Besluit op uw aanvraag",
            "body": "Beste Jan Jansen, ...",
            "from_email": "gemeente@notifications.example.com",
        },
        "uri": f"https://notify.example.com/v2/notifications/{notification_id}",
        "template": {
            "id": TEMPLATE_ID,
            "version": 1,
            "uri": f"https://notify.example.com/v2/template/{TEMPLATE_ID}",
        },
        "scheduled_for": None,
    }
    problems = checker.check_response(
        "notify", "POST", "/v2/notifications/email", [], 201, {}, dumps(created), JSON
    )
    assert problems == []


def test_notify_status_lookups_are_known_operations(checker: ContractChecker) -> None:
    notification_id = "201b576e-c09b-467b-9dfa-9c3b689ee730"
    by_reference = checker.check_request(
        "notify", "GET", "/v2/notifications", [("reference", "delivery-42")], {}, None, None
    )
    by_id = checker.check_request(
        "notify", "GET", f"/v2/notifications/{notification_id}", [], {}, None, None
    )
    preview = checker.check_request(
        "notify",
        "POST",
        f"/v2/template/{TEMPLATE_ID}/preview",
        [],
        {},
        dumps({"personalisation": {"naam": "Jan"}}),
        JSON,
    )
    assert (by_reference, by_id, preview) == ([], [], [])


def notify_message(**overrides: Any) -> dict[str, Any]:
    message: dict[str, Any] = {
        "id": "201b576e-c09b-467b-9dfa-9c3b689ee730",
        "reference": "delivery-42",
        "email_address": "jan.jansen@example.com",
        "phone_number": None,
        **{f"line_{n}": None for n in range(1, 7)},
        "postcode": None,
        "type": "email",
        "status": "delivered",
        "template": {
            "id": TEMPLATE_ID,
            "version": 1,
            "uri": f"https://notify.example.com/v2/template/{TEMPLATE_ID}",
        },
        "body": "Beste Jan Jansen, ...",
        "subject": "Besluit op uw aanvraag",
        "created_at": "2026-11-20T09:14:03.512000Z",
        "created_by_name": None,
        "sent_at": "2026-11-20T09:14:04.000000Z",
        "completed_at": "2026-11-20T09:14:09.000000Z",
        "scheduled_for": None,
    }
    return {**message, **overrides}


@pytest.mark.parametrize(
    ("overrides", "valid"),
    [
        ({}, True),
        ({"type": "sms", "status": "sent", "phone_number": "+31612345678"}, True),
        ({"type": "letter", "status": "accepted"}, True),
        ({"status": "sent"}, False),  # an sms status on an e-mail
        ({"status": "accepted"}, False),  # a letter status on an e-mail
        ({"type": "fax"}, False),
    ],
    ids=["email-delivered", "sms-sent", "letter-accepted", "email-sent", "email-accepted", "fax"],
)
def test_notify_message_lookups_hold_each_type_to_its_own_statuses(
    checker: ContractChecker, overrides: dict[str, Any], valid: bool
) -> None:
    """Notify's file makes the message a `oneOf` that every real e-mail matches twice (sms and
    email); the checker holds each alternative to its own type instead (`contracts.py`)."""
    message = notify_message(**overrides)
    by_reference = checker.check_response(
        "notify",
        "GET",
        "/v2/notifications",
        [("reference", "delivery-42")],
        200,
        {},
        dumps({"notifications": [message], "links": {"current": "/v2/notifications"}}),
        JSON,
    )
    by_id = checker.check_response(
        "notify", "GET", f"/v2/notifications/{message['id']}", [], 200, {}, dumps(message), JSON
    )
    assert (by_reference == [], by_id == []) == (valid, valid), (by_reference, by_id)


# --- the checker itself ---------------------------------------------------------------------


def test_every_service_loads(checker: ContractChecker) -> None:
    checker.preload()
    assert set(checker.services) == set(SERVICES)


def test_first_use_from_many_threads_loads_once_and_agrees() -> None:
    fresh = ContractChecker(SPECS_DIR, ["zaken"])
    body = zaak_body()
    del body["uuid"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: check_zaak_response(fresh, body), range(16)))

    assert all(len(r) == 1 and "'uuid' is a required property" in r[0] for r in results)


def test_unknown_services_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown services"):
        ContractChecker(SPECS_DIR, ["zaken", "open-zaak"])
    only_zaken = ContractChecker(SPECS_DIR, ["zaken"])
    with pytest.raises(KeyError):
        only_zaken.check_request("notify", "GET", "/v2/notifications", [], {}, None, None)
