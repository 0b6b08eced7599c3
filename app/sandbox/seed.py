"""Realistic data for the sandbox: a catalogue shared by all cases, and one case per call.

Every resource carries the fields Open Zaak 1.30, Open Klant 2.18 and the Klanten API 1.0 return
(the contract checker validates them against the official OpenAPI files). The catalogue is
shared, as in a real municipality: many cases of one zaaktype point at the same zaaktype,
statustypen and besluittype, which is what makes the gateway's Catalogi cache pay off.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from app.sandbox.state import SandboxState

RSIN = "002220647"  # a municipality's RSIN (verantwoordelijkeOrganisatie, bronorganisatie)
ZAKEN = "/zaken/api/v1"
CATALOGI = "/catalogi/api/v1"
BESLUITEN = "/besluiten/api/v1"
DOCUMENTEN = "/documenten/api/v1"
KLANTINTERACTIES = "/klantinteracties/api/v1"
KLANTEN = "/klanten/api/v1"

CATALOGUS_UUID = "ec77ad39-0954-4aeb-bcf2-6f45263cde77"
BESLUITTYPE_UUID = "7b2f4a1e-4c43-4b0e-9a62-1f0d7c1d9a10"
DECISION_DOCUMENT_TYPE_UUID = "0c0d3e4f-5a6b-4c7d-8e9f-a0b1c2d3e4f5"  # "Besluitbrief"
DEFAULT_ZAAKTYPE_IDENTIFICATIE = "PARKEERVERGUNNING"

# (volgnummer, omschrijving, informeren, isEindstatus)
STATUSTYPEN = (
    (1, "Ontvangen", True, False),
    (2, "In behandeling", False, False),
    (3, "Besluit genomen", True, False),
    (4, "Afgehandeld", True, True),
)

_NAMESPACE = uuid.UUID("5d1c7a0e-3f4b-4e8a-9b2c-6d7e8f9a0b1c")


def _stable_uuid(*parts: object) -> str:
    return str(uuid.uuid5(_NAMESPACE, "/".join(str(p) for p in parts)))


def bsn_for(number: int) -> str:
    """A BSN that passes the elfproef, distinct per number (test data, not a real person)."""
    base = 100_000_000 + number * 7
    while True:
        digits = f"{base:09d}"
        total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True))
        if (total - int(digits[8])) % 11 == 0 and digits[0] != "0":
            return digits
        base += 1


@dataclass(frozen=True)
class DecisionCase:
    """A besluit with a document on a zaak whose initiator is in Open Klant; its notification."""

    notification: dict[str, Any]
    besluit_url: str
    bio_url: str
    document_url: str
    informatieobjecttype_url: str
    informatieobjecttype_uuid: str
    besluittype_url: str
    zaak_url: str
    zaak_identificatie: str
    zaaktype_url: str
    zaaktype_identificatie: str
    statustype_url: str
    catalogus_url: str
    partij_url: str | None
    bsn: str | None
    email: str | None
    phone: str | None

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _today() -> date:
    return datetime.now(UTC).date()


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


# --- catalogue -------------------------------------------------------------------------------


def catalogus_url(state: SandboxState) -> str:
    return state.url(f"{CATALOGI}/catalogussen/{CATALOGUS_UUID}")


def ensure_informatieobjecttype(state: SandboxState, type_uuid: str) -> str:
    url = state.url(f"{CATALOGI}/informatieobjecttypen/{type_uuid}")
    if state.get(state.path_of(url)) is None:
        state.put(
            {
                "url": url,
                "catalogus": catalogus_url(state),
                "omschrijving": "Besluitbrief",
                "vertrouwelijkheidaanduiding": "openbaar",
                "beginGeldigheid": "2024-01-01",
                "eindeGeldigheid": None,
                "beginObject": "2024-01-01",
                "eindeObject": "2024-01-01",
                "concept": False,
                "zaaktypen": [],
                "besluittypen": [state.url(f"{CATALOGI}/besluittypen/{BESLUITTYPE_UUID}")],
                "informatieobjectcategorie": "Brief",
                "trefwoord": [],
                "omschrijvingGeneriek": {
                    "informatieobjecttypeOmschrijvingGeneriek": "",
                    "definitieInformatieobjecttypeOmschrijvingGeneriek": "",
                    "herkomstInformatieobjecttypeOmschrijvingGeneriek": "",
                    "hierarchieInformatieobjecttypeOmschrijvingGeneriek": "",
                    "opmerkingInformatieobjecttypeOmschrijvingGeneriek": "",
                },
            }
        )
    return url


def ensure_besluittype(state: SandboxState) -> str:
    url = state.url(f"{CATALOGI}/besluittypen/{BESLUITTYPE_UUID}")
    if state.get(state.path_of(url)) is None:
        state.put(
            {
                "url": url,
                "catalogus": catalogus_url(state),
                "zaaktypen": [],
                "omschrijving": "Besluit op aanvraag parkeervergunning",
                "omschrijvingGeneriek": "Beschikking",
                "besluitcategorie": "Beschikking",
                "reactietermijn": "P42D",
                "publicatieIndicatie": False,
                "publicatietekst": "",
                "publicatietermijn": None,
                "toelichting": "Tegen dit besluit kunt u binnen zes weken bezwaar maken.",
                "informatieobjecttypen": [
                    state.url(f"{CATALOGI}/informatieobjecttypen/{DECISION_DOCUMENT_TYPE_UUID}")
                ],
                "beginGeldigheid": "2024-01-01",
                "eindeGeldigheid": None,
                "beginObject": "2024-01-01",
                "eindeObject": "2024-01-01",
                "concept": False,
                "resultaattypen": [],
                "resultaattypenOmschrijving": [],
                "vastgelegdIn": [],
            }
        )
    return url


def ensure_zaaktype(state: SandboxState, identificatie: str) -> str:
    """The zaaktype with this identificatie, with its four statustypen."""
    zaaktype_uuid = _stable_uuid("zaaktype", identificatie)
    url = state.url(f"{CATALOGI}/zaaktypen/{zaaktype_uuid}")
    if state.get(state.path_of(url)) is not None:
        return url
    besluittype = ensure_besluittype(state)
    statustypen = []
    for volgnummer, omschrijving, informeren, eind in STATUSTYPEN:
        statustype_url = state.url(
            f"{CATALOGI}/statustypen/{_stable_uuid('statustype', identificatie, volgnummer)}"
        )
        statustypen.append(statustype_url)
        state.put(
            {
                "url": statustype_url,
                "omschrijving": omschrijving,
                "omschrijvingGeneriek": omschrijving,
                "statustekst": f"De status van uw aanvraag is: {omschrijving.lower()}.",
                "zaaktype": url,
                "zaaktypeIdentificatie": identificatie,
                "volgnummer": volgnummer,
                "isEindstatus": eind,
                "informeren": informeren,
                "doorlooptijd": None,
                "toelichting": None,
                "checklistitemStatustype": [],
                "catalogus": catalogus_url(state),
                "eigenschappen": [],
                "zaakobjecttypen": [],
                "beginGeldigheid": "2024-01-01",
                "eindeGeldigheid": None,
                "beginObject": "2024-01-01",
                "eindeObject": "2024-01-01",
            }
        )
    state.put(
        {
            "url": url,
            "identificatie": identificatie,
            "omschrijving": "Parkeervergunning aanvragen",
            "omschrijvingGeneriek": "Vergunning aanvragen",
            "vertrouwelijkheidaanduiding": "openbaar",
            "doel": "Een bewoner krijgt een parkeervergunning voor de eigen straat.",
            "aanleiding": "Een aanvraag van een bewoner.",
            "toelichting": "",
            "indicatieInternOfExtern": "extern",
            "handelingInitiator": "aanvragen",
            "onderwerp": "Parkeervergunning",
            "handelingBehandelaar": "behandelen",
            "doorlooptijd": "P56D",
            "servicenorm": None,
            "opschortingEnAanhoudingMogelijk": False,
            "verlengingMogelijk": True,
            "verlengingstermijn": "P28D",
            "trefwoorden": [],
            "publicatieIndicatie": False,
            "publicatietekst": "",
            "verantwoordingsrelatie": [],
            "productenOfDiensten": ["https://producten.example.nl/parkeervergunning"],
            "selectielijstProcestype": "https://selectielijst.openzaak.nl/api/v1/procestypen/"
            "aa8aa2fd-b9c6-4e34-9a6c-58a677f60ea0",
            "referentieproces": {"naam": "Vergunningverlening", "link": ""},
            "verantwoordelijke": "Team Parkeren",
            # An empty gegevensgroep: Open Zaak writes the object with blank fields, not null.
            "broncatalogus": {"url": "", "domein": "", "rsin": ""},
            "bronzaaktype": {"url": "", "identificatie": "", "omschrijving": ""},
            "beginGeldigheid": "2024-01-01",
            "eindeGeldigheid": None,
            "versiedatum": "2024-01-01",
            "beginObject": "2024-01-01",
            "eindeObject": "2024-01-01",
            "catalogus": catalogus_url(state),
            "statustypen": statustypen,
            "resultaattypen": [],
            "eigenschappen": [],
            "informatieobjecttypen": [
                state.url(f"{CATALOGI}/informatieobjecttypen/{DECISION_DOCUMENT_TYPE_UUID}")
            ],
            "roltypen": [],
            "besluittypen": [besluittype],
            "deelzaaktypen": [],
            "gerelateerdeZaaktypen": [],
            "zaakobjecttypen": [],
            "concept": False,
        }
    )
    return url


def seed_catalogue(state: SandboxState) -> None:
    ensure_besluittype(state)
    ensure_informatieobjecttype(state, DECISION_DOCUMENT_TYPE_UUID)
    ensure_zaaktype(state, DEFAULT_ZAAKTYPE_IDENTIFICATIE)


# --- citizens --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Citizen:
    bsn: str
    voornaam: str
    voorvoegsel: str
    achternaam: str
    email: str
    phone: str


def citizen_for(number: int) -> Citizen:
    return Citizen(
        bsn=bsn_for(number),
        voornaam="Jan",
        voorvoegsel="de",
        achternaam="Vries",
        email=f"jan.devries.{number}@example.nl",
        phone="0612345678",
    )


def seed_partij(
    state: SandboxState,
    citizen: Citizen,
    digitale_adressen: list[dict[str, Any]],
    zaak_identificatie: str,
) -> str:
    """A persoon partij with a BSN identificator and the given digitale adressen."""
    partij_uuid = str(uuid.uuid4())
    partij_url = state.url(f"{KLANTINTERACTIES}/partijen/{partij_uuid}")
    references = []
    preferred = None
    for spec in digitale_adressen:
        adres_uuid = str(uuid.uuid4())
        adres_url = state.url(f"{KLANTINTERACTIES}/digitaleadressen/{adres_uuid}")
        referentie = spec.get("referentie", "")
        adres: dict[str, Any] = {
            "uuid": adres_uuid,
            "url": adres_url,
            "verstrektDoorBetrokkene": None,
            "verstrektDoorPartij": {"uuid": partij_uuid, "url": partij_url},
            "adres": spec["adres"],
            "soortDigitaalAdres": spec["soort"],
            "isStandaardAdres": bool(spec.get("voorkeur", False)),
            "omschrijving": spec.get("omschrijving", ""),
            "verificatieDatum": None,
        }
        if referentie:  # Open Klant leaves an unset referentie out (the pattern refuses "")
            adres["referentie"] = zaak_identificatie if referentie == "__ZAAK__" else referentie
        state.put(adres)
        references.append({"uuid": adres_uuid, "url": adres_url})
        if spec.get("voorkeur"):
            preferred = {"uuid": adres_uuid, "url": adres_url}
    identificator_uuid = str(uuid.uuid4())
    state.put(
        {
            "uuid": partij_uuid,
            "url": partij_url,
            "nummer": f"{state.next_number('partij'):010d}",
            "interneNotitie": "",
            "betrokkenen": [],
            "categorieRelaties": [],
            "digitaleAdressen": references,
            "voorkeursDigitaalAdres": preferred,
            "vertegenwoordigden": [],
            "rekeningnummers": [],
            "voorkeursRekeningnummer": None,
            "partijIdentificatoren": [
                {
                    "uuid": identificator_uuid,
                    "url": state.url(
                        f"{KLANTINTERACTIES}/partij-identificatoren/{identificator_uuid}"
                    ),
                    "identificeerdePartij": {"uuid": partij_uuid, "url": partij_url},
                    "anderePartijIdentificator": "",
                    "partijIdentificator": {
                        "codeObjecttype": "natuurlijk_persoon",
                        "codeSoortObjectId": "bsn",
                        "objectId": citizen.bsn,
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
                    "voorletters": citizen.voornaam[:1],
                    "voornaam": citizen.voornaam,
                    "voorvoegselAchternaam": citizen.voorvoegsel,
                    "achternaam": citizen.achternaam,
                },
                "volledigeNaam": f"{citizen.voornaam} {citizen.voorvoegsel} {citizen.achternaam}",
            },
        }
    )
    return partij_url


def seed_klant(state: SandboxState, citizen: Citizen, aanmaakkanaal: str) -> str:
    """The same citizen in the Klanten API 1.0 (Open Klant 1)."""
    klant_uuid = str(uuid.uuid4())
    url = state.url(f"{KLANTEN}/klanten/{klant_uuid}")
    state.put(
        {
            "url": url,
            "bronorganisatie": RSIN,
            "klantnummer": f"K{state.next_number('klant'):07d}",
            "bedrijfsnaam": "",
            "functie": "",
            "websiteUrl": "https://www.example.nl",
            "voornaam": citizen.voornaam,
            "voorvoegselAchternaam": citizen.voorvoegsel,
            "achternaam": citizen.achternaam,
            "telefoonnummer": citizen.phone,
            "emailadres": citizen.email,
            # Open Klant 1 extension read by the OMC: the channel the citizen chose.
            "aanmaakkanaal": aanmaakkanaal,
            "subject": "",
            "subjectType": "natuurlijk_persoon",
            "subjectIdentificatie": {
                "inpBsn": citizen.bsn,
                "anpIdentificatie": "",
                "inpA_nummer": "",
                "geslachtsnaam": citizen.achternaam,
                "voorvoegselGeslachtsnaam": citizen.voorvoegsel,
                "voorletters": citizen.voornaam[:1],
                "voornamen": citizen.voornaam,
                "geslachtsaanduiding": "m",
                "geboortedatum": "1980-04-12",
            },
        }
    )
    return url


# --- cases -----------------------------------------------------------------------------------


def _rol(
    state: SandboxState, zaak_url: str, initiator: str, citizen: Citizen, partij_url: str | None
) -> dict[str, Any]:
    rol_uuid = str(uuid.uuid4())
    identificatie: dict[str, Any] = {
        "anpIdentificatie": "",
        "geslachtsnaam": citizen.achternaam,
        "voorvoegselGeslachtsnaam": citizen.voorvoegsel,
        "voorletters": citizen.voornaam[:1],
        "voornamen": citizen.voornaam,
        "geslachtsaanduiding": "m",
        "geboortedatum": "1980-04-12",
        "verblijfsadres": None,
        "subVerblijfBuitenland": None,
    }
    if initiator == "bsn":  # left out otherwise: the spec's minLength refuses ""
        identificatie["inpBsn"] = citizen.bsn
    return state.put(
        {
            "url": state.url(f"{ZAKEN}/rollen/{rol_uuid}"),
            "uuid": rol_uuid,
            "zaak": zaak_url,
            "betrokkene": partij_url if initiator == "partij" and partij_url else "",
            "betrokkeneType": "natuurlijk_persoon",
            "afwijkendeNaamBetrokkene": "",
            "roltype": state.url(f"{CATALOGI}/roltypen/{_stable_uuid('roltype', 'initiator')}"),
            "omschrijving": "Aanvrager",
            "omschrijvingGeneriek": "initiator",
            "roltoelichting": "De aanvrager van de vergunning",
            "registratiedatum": _now(),
            "indicatieMachtiging": "",
            "contactpersoonRol": None,
            "statussen": [],
            "beginGeldigheid": None,
            "eindeGeldigheid": None,
            "betrokkeneIdentificatie": identificatie,
            "authenticatieContext": None,
        }
    )


def seed_decision_case(
    state: SandboxState,
    *,
    document_status: str = "definitief",
    vertrouwelijkheidaanduiding: str = "openbaar",
    informeren: bool = True,
    zaaktype_identificatie: str = DEFAULT_ZAAKTYPE_IDENTIFICATIE,
    informatieobjecttype_uuid: str = DECISION_DOCUMENT_TYPE_UUID,
    initiator: str = "bsn",
    digitale_adressen: list[dict[str, Any]] | None = None,
    aanmaakkanaal: str = "email",
    partij_exists: bool = True,
    with_status: bool = True,
    besluit: dict[str, Any] | None = None,
) -> DecisionCase:
    """Seed one case and return it with the notification Open Zaak would send for it.

    `initiator`: "bsn" (a natural person with a BSN), "partij" (a rol pointing at the Open Klant
    partij, without BSN), "no_bsn" (a person without BSN or partij), "none" (no initiator rol).
    `digitale_adressen`: [{soort: email|telefoonnummer, adres, voorkeur?, referentie?}]; the
    referentie "__ZAAK__" stands for this case's zaak identificatie.
    """
    if initiator not in ("bsn", "partij", "no_bsn", "none"):
        raise ValueError(f"unknown initiator kind {initiator!r}")
    number = state.next_number("case")
    today = _today()
    citizen = citizen_for(number)
    zaaktype_url = ensure_zaaktype(state, zaaktype_identificatie)
    besluittype_url = ensure_besluittype(state)
    informatieobjecttype_url = ensure_informatieobjecttype(state, informatieobjecttype_uuid)
    zaaktype = state.get(state.path_of(zaaktype_url))
    assert zaaktype is not None
    statustype_url = zaaktype["statustypen"][2 if informeren else 1]

    zaak_uuid = str(uuid.uuid4())
    zaak_url = state.url(f"{ZAKEN}/zaken/{zaak_uuid}")
    zaak_identificatie = f"ZAAK-{today.year}-{number:07d}"

    if digitale_adressen is None:
        digitale_adressen = [
            {"soort": "email", "adres": citizen.email, "voorkeur": True},
            {"soort": "telefoonnummer", "adres": citizen.phone},
        ]
    partij_url = (
        seed_partij(state, citizen, digitale_adressen, zaak_identificatie)
        if partij_exists
        else None
    )
    seed_klant(state, citizen, aanmaakkanaal)

    rollen = [] if initiator == "none" else [_rol(state, zaak_url, initiator, citizen, partij_url)]
    status_url = None
    if with_status:
        status_uuid = str(uuid.uuid4())
        status_url = state.url(f"{ZAKEN}/statussen/{status_uuid}")
        state.put(
            {
                "url": status_url,
                "uuid": status_uuid,
                "zaak": zaak_url,
                "statustype": statustype_url,
                "datumStatusGezet": _now(),
                "statustoelichting": "",
                "indicatieLaatstGezetteStatus": True,
                "gezetdoor": None,
                "zaakinformatieobjecten": [],
            }
        )
    state.put(
        {
            "url": zaak_url,
            "uuid": zaak_uuid,
            "identificatie": zaak_identificatie,
            "bronorganisatie": RSIN,
            "omschrijving": "Aanvraag parkeervergunning Dorpsstraat",
            "toelichting": "",
            "zaaktype": zaaktype_url,
            "registratiedatum": (today - timedelta(days=21)).isoformat(),
            "verantwoordelijkeOrganisatie": RSIN,
            "startdatum": (today - timedelta(days=21)).isoformat(),
            "einddatum": None,
            "einddatumGepland": (today + timedelta(days=35)).isoformat(),
            "uiterlijkeEinddatumAfdoening": (today + timedelta(days=35)).isoformat(),
            "publicatiedatum": None,
            "laatstGemuteerd": _now(),
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
            "opschorting": {"indicatie": False, "reden": "", "eerdereOpschorting": False},
            "selectielijstklasse": "",
            "hoofdzaak": None,
            "deelzaken": [],
            "relevanteAndereZaken": [],
            "gerelateerdeZaken": [],
            "eigenschappen": [],
            "rollen": [rol["url"] for rol in rollen],
            "status": status_url,
            "zaakinformatieobjecten": [],
            "zaakobjecten": [],
            "kenmerken": [],
            "archiefnominatie": None,
            "archiefstatus": "nog_te_archiveren",
            "archiefactiedatum": None,
            "resultaat": None,
            "processobjectaard": "",
            "startdatumBewaartermijn": None,
            "processobject": None,
        }
    )

    document_uuid = str(uuid.uuid4())
    document_url = state.url(f"{DOCUMENTEN}/enkelvoudiginformatieobjecten/{document_uuid}")
    state.put(
        {
            "url": document_url,
            "identificatie": f"DOCUMENT-{today.year}-{number:07d}",
            "bronorganisatie": RSIN,
            "creatiedatum": today.isoformat(),
            "titel": "Besluit parkeervergunning",
            "vertrouwelijkheidaanduiding": vertrouwelijkheidaanduiding,
            "auteur": "Team Parkeren",
            "status": document_status,
            "formaat": "application/pdf",
            "taal": "dut",
            "versie": 1,
            "beginRegistratie": _now(),
            "bestandsnaam": "besluit-parkeervergunning.pdf",
            "inhoud": f"{document_url}/download?versie=1",
            "bestandsomvang": 48213,
            "link": "",
            "beschrijving": "",
            "ontvangstdatum": None,
            "verzenddatum": None,
            "indicatieGebruiksrecht": False,
            "verschijningsvorm": "",
            "ondertekening": None,
            "integriteit": None,
            "informatieobjecttype": informatieobjecttype_url,
            "locked": False,
            "bestandsdelen": [],
            "trefwoorden": [],
        }
    )

    besluit_uuid = str(uuid.uuid4())
    besluit_url = state.url(f"{BESLUITEN}/besluiten/{besluit_uuid}")
    besluit_resource = {
        "url": besluit_url,
        "identificatie": f"BESLUIT-{today.year}-{number:07d}",
        "verantwoordelijkeOrganisatie": RSIN,
        "besluittype": besluittype_url,
        "zaak": zaak_url,
        "datum": today.isoformat(),
        "toelichting": "De parkeervergunning is verleend.",
        "bestuursorgaan": "College van burgemeester en wethouders",
        "ingangsdatum": (today + timedelta(days=1)).isoformat(),
        "vervaldatum": (today + timedelta(days=366)).isoformat(),
        "vervalreden": "tijdelijk",
        "vervalredenWeergave": "Besluit met tijdelijke werking",
        "publicatiedatum": None,
        "verzenddatum": today.isoformat(),
        "uiterlijkeReactiedatum": (today + timedelta(days=42)).isoformat(),
    }
    besluit_resource.update(besluit or {})
    state.put(besluit_resource)

    bio_uuid = str(uuid.uuid4())
    bio_url = state.url(f"{BESLUITEN}/besluitinformatieobjecten/{bio_uuid}")
    state.put({"url": bio_url, "informatieobject": document_url, "besluit": besluit_url})

    notification = {
        "kanaal": "besluiten",
        "hoofdObject": besluit_url,
        "resource": "besluitinformatieobject",
        "resourceUrl": bio_url,
        "actie": "create",
        "aanmaakdatum": _now(),
        "kenmerken": {
            "verantwoordelijkeOrganisatie": RSIN,
            "besluittype": besluittype_url,
            "besluittype.catalogus": catalogus_url(state),
        },
    }
    emails = [a["adres"] for a in digitale_adressen if a["soort"] == "email"]
    phones = [a["adres"] for a in digitale_adressen if a["soort"] == "telefoonnummer"]
    return DecisionCase(
        notification=notification,
        besluit_url=besluit_url,
        bio_url=bio_url,
        document_url=document_url,
        informatieobjecttype_url=informatieobjecttype_url,
        informatieobjecttype_uuid=informatieobjecttype_uuid,
        besluittype_url=besluittype_url,
        zaak_url=zaak_url,
        zaak_identificatie=zaak_identificatie,
        zaaktype_url=zaaktype_url,
        zaaktype_identificatie=zaaktype_identificatie,
        statustype_url=statustype_url,
        catalogus_url=catalogus_url(state),
        partij_url=partij_url,
        bsn=citizen.bsn,
        email=emails[0] if emails else None,
        phone=phones[0] if phones else None,
    )
