"""Decision made: a document was attached to a besluit; tell the citizen of the zaak.

Trigger `besluiten/besluitinformatieobject/create` (seed 001, field guide section 3). The checks
run in the order that makes a skip cheapest: configuration first (no calls), then what the
document says (2 calls), then the zaak with its latest status, rollen and zaaktype in one
expanded call, and Open Klant last. A warm run (Catalogi cached) makes 5 calls before it sends.

Two modes, as in the OMC:
- direct (no message objecttype configured): an e-mail or SMS through Notify;
- portal: the template rendered by Notify's preview, stored as a message object in the Objects
  API for the citizen's portal (with ISO dates, unlike the OMC).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from app.api.schemas import NotificationMessage
from app.clients import OpenKlant1Client, OpenKlant2Client, Upstreams
from app.config import Settings
from app.pipeline.personalisation import load_template_spec, personalise
from app.pipeline.trace import Plan, PlannedAction, Trace
from app.scenarios.citizen import (
    Channel,
    Initiator,
    channels_from_klant,
    choose_channel,
    find_initiator,
    klant_names,
)

DOCUMENT_TYPES_VARIABLE = "ZGW_VARIABLE_OBJECTTYPE_DECISIONINFOOBJECTTYPE_UUIDS"
ZAAKTYPES_VARIABLE = "ZGW_WHITELIST_DECISIONMADE_IDS"


def _uuid_of(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


class DecisionMade:
    name = "decision_made"
    trigger = ("besluiten", "besluitinformatieobject", "create")
    kanaal = trigger[0]

    def __init__(self, settings: Settings, upstreams: Upstreams) -> None:
        self.settings = settings
        self.upstreams = upstreams
        self.spec = load_template_spec("decision_made")

    @property
    def portal_mode(self) -> bool:
        return self.settings.zgw_variable_objecttype_messageobjecttype_uuid is not None

    def matches(self, message: NotificationMessage) -> bool:
        return (message.kanaal, message.resource, message.actie) == self.trigger

    async def run(self, message: NotificationMessage, trace: Trace) -> Plan:
        self._check_configuration(trace)
        zgw = self.upstreams.zgw
        settings = self.settings

        bio = await zgw.get(message.resourceUrl)
        document = await zgw.get(bio["informatieobject"])
        document_type = _uuid_of(document.get("informatieobjecttype") or "")
        allowed_types = settings.zgw_variable_objecttype_decisioninfoobjecttype_uuids
        trace.require(
            allowed_types.allows(document_type),
            "informatieobjecttype_whitelisted",
            passed=f"informatieobjecttype {document_type} is allowed by {DOCUMENT_TYPES_VARIABLE}",
            failed=f"informatieobjecttype {document_type} is not in {DOCUMENT_TYPES_VARIABLE} "
            f"({allowed_types.describe()})",
        )
        status = document.get("status") or "(empty)"
        trace.require(
            status == "definitief",
            "document_status",
            passed="the document's status is definitief",
            failed=f"the document's status is {status}, expected definitief",
        )
        confidentiality = document.get("vertrouwelijkheidaanduiding") or "(empty)"
        trace.require(
            confidentiality == "openbaar",
            "document_confidentiality",
            passed="the document's vertrouwelijkheidaanduiding is openbaar",
            failed=f"the document's vertrouwelijkheidaanduiding is {confidentiality}, "
            "expected openbaar",
        )

        besluit = await zgw.get(bio["besluit"])
        trace.require(
            besluit.get("zaak"),
            "zaak",
            passed=f"the besluit belongs to zaak {_uuid_of(besluit.get('zaak') or '')}",
            failed="the besluit is not linked to a zaak, so there is no one to inform",
        )
        expanded = await zgw.get_zaak_expanded(besluit["zaak"])
        zaak, zaaktype, statustype = expanded.zaak, expanded.zaaktype, expanded.statustype
        zaaktype_id = zaaktype.get("identificatie") or (statustype or {}).get(
            "zaaktypeIdentificatie", ""
        )
        allowed_zaaktypes = settings.zgw_whitelist_decisionmade_ids
        trace.require(
            allowed_zaaktypes.allows(zaaktype_id),
            "zaaktype_whitelisted",
            passed=f"zaaktype {zaaktype_id} is allowed by {ZAAKTYPES_VARIABLE}",
            failed=f"zaaktype {zaaktype_id} is not in {ZAAKTYPES_VARIABLE} "
            f"({allowed_zaaktypes.describe()})",
        )
        trace.require(
            statustype is not None,
            "informeren",
            passed="the zaak has a status",
            failed=f"zaak {zaak.get('identificatie')} has no status yet, so no statustype says "
            "whether to inform the citizen",
        )
        assert statustype is not None
        trace.require(
            statustype.get("informeren") is True,
            "informeren",
            passed=f"statustype '{statustype.get('omschrijving')}' of the latest status has "
            "informeren=true",
            failed=f"statustype '{statustype.get('omschrijving')}' of the latest status has "
            f"informeren={str(statustype.get('informeren')).lower()}, expected true",
        )
        initiator = self._check_initiator(trace, expanded.rollen)
        besluittype = await zgw.get(besluit["besluittype"])

        names, channels, identificatie = await self._citizen(
            trace, initiator, zaak.get("identificatie")
        )
        data = {
            "klant": names,
            "besluit": besluit,
            "besluittype": besluittype,
            "zaak": zaak,
            "zaaktype": zaaktype,
        }
        personalisation = personalise(self.spec, data)
        if self.portal_mode:
            actions = [self._portal_action(personalisation, besluit, document, identificatie)]
        else:
            actions = [self._direct_action(channel, personalisation) for channel in channels]
        return Plan(actions=actions, personalisation=personalisation)

    # --- checks --------------------------------------------------------------------------

    def _check_configuration(self, trace: Trace) -> None:
        settings, upstreams = self.settings, self.upstreams
        missing = []
        if upstreams.notify is None:
            missing.append("NOTIFY_API_KEY")
        if self.portal_mode:
            if settings.notify_templateid_decisionmade is None:
                missing.append("NOTIFY_TEMPLATEID_DECISIONMADE")
            if upstreams.objects is None:
                missing.append("ZGW_ENDPOINT_OBJECTEN / ZGW_AUTH_KEY_OBJECTEN")
            if settings.zgw_endpoint_objecttypen is None:
                missing.append("ZGW_ENDPOINT_OBJECTTYPEN")
            if settings.zgw_variable_objecttype_messageobjecttype_version is None:
                missing.append("ZGW_VARIABLE_OBJECTTYPE_MESSAGEOBJECTTYPE_VERSION")
        elif not any(
            (
                settings.notify_templateid_decisionmade,
                settings.notify_templateid_email_decisionmade,
                settings.notify_templateid_sms_decisionmade,
            )
        ):
            missing.append("NOTIFY_TEMPLATEID_DECISIONMADE")
        if upstreams.openklant is None:
            missing.append("ZGW_ENDPOINT_OPENKLANT / ZGW_AUTH_KEY_OPENKLANT")
        mode = "portal message" if self.portal_mode else "direct e-mail/SMS"
        trace.require(
            not missing,
            "configuration",
            passed=f"configured for {mode}",
            failed=f"not configured for {mode}: set {', '.join(missing)}",
        )

    def _check_initiator(self, trace: Trace, rollen: list[dict[str, Any]]) -> Initiator:
        initiator = find_initiator(rollen)
        if initiator is None:
            raise trace.fail("initiator", "the zaak has no rol with omschrijvingGeneriek=initiator")
        note = f" (the first of {initiator.count} initiator rollen)" if initiator.count > 1 else ""
        if initiator.partij_url:
            trace.passed("initiator", f"the initiator is an Open Klant partij{note}")
        elif initiator.bsn:
            trace.passed("initiator", f"the initiator is a person with a BSN{note}")
        else:
            raise trace.fail(
                "initiator",
                f"the initiator has neither a BSN (betrokkeneIdentificatie.inpBsn) nor an Open "
                f"Klant partij (betrokkene){note}",
            )
        return initiator

    async def _citizen(
        self, trace: Trace, initiator: Initiator, zaak_identificatie: str | None
    ) -> tuple[dict[str, str], list[Channel], dict[str, str]]:
        """Names, contact channels (direct mode) and portal identificatie of the citizen."""
        client = self.upstreams.openklant
        if isinstance(client, OpenKlant1Client):
            if not initiator.bsn:
                raise trace.fail("klant_found", "Open Klant 1 can only be searched by BSN")
            klant = await client.find_klant_by_bsn(initiator.bsn)
            trace.require(
                klant,
                "klant_found",
                passed="the initiator is a klant in the Klanten API",
                failed="no klant in the Klanten API has the initiator's BSN",
            )
            assert klant is not None
            names = {
                k: klant.get(k) or "" for k in ("voornaam", "voorvoegselAchternaam", "achternaam")
            }
            channels = channels_from_klant(klant)
            identificatie = {"type": "bsn", "value": initiator.bsn}
        else:
            assert isinstance(client, OpenKlant2Client)
            if initiator.partij_url:
                partij: dict[str, Any] | None = await client.get_partij(initiator.partij_url)
            else:
                assert initiator.bsn is not None
                partij = await client.find_partij_by_bsn(initiator.bsn)
            trace.require(
                partij,
                "klant_found",
                passed="the initiator is a partij in Open Klant",
                failed="no partij in Open Klant has the initiator's BSN",
            )
            assert partij is not None
            names = klant_names(partij)
            channel = choose_channel(partij, zaak_identificatie)
            channels = [channel] if channel else []
            identificatie = self._identificatie(initiator, partij)
        if not self.portal_mode:
            trace.require(
                channels,
                "contact_channel",
                passed="; ".join(f"{c.kind} to {c.masked}: {c.reason}" for c in channels),
                failed="the citizen has no usable e-mail address or phone number",
            )
        return names, channels, identificatie

    @staticmethod
    def _identificatie(initiator: Initiator, partij: dict[str, Any]) -> dict[str, str]:
        if initiator.bsn:
            return {"type": "bsn", "value": initiator.bsn}
        for entry in partij.get("partijIdentificatoren") or []:
            identificator = (entry or {}).get("partijIdentificator") or {}
            if identificator.get("objectId"):
                kind = identificator.get("codeSoortObjectId") or "bsn"
                return {
                    "type": "kvk" if kind == "kvk_nummer" else kind,
                    "value": identificator["objectId"],
                }
        return {"type": "partij", "value": str(partij.get("uuid", ""))}

    # --- actions -------------------------------------------------------------------------

    def _direct_action(self, channel: Channel, personalisation: dict[str, str]) -> PlannedAction:
        settings = self.settings
        specific = (
            settings.notify_templateid_email_decisionmade
            if channel.kind == "email"
            else settings.notify_templateid_sms_decisionmade
        )
        template = specific or settings.notify_templateid_decisionmade
        assert template is not None  # checked in _check_configuration for at least one channel
        return PlannedAction(
            kind="notify_email" if channel.kind == "email" else "notify_sms",
            target=channel.masked,
            template_id=str(template),
            personalisation=personalisation,
            recipient=channel.address,
        )

    def _portal_action(
        self,
        personalisation: dict[str, str],
        besluit: dict[str, Any],
        document: dict[str, Any],
        identificatie: dict[str, str],
    ) -> PlannedAction:
        settings = self.settings
        assert settings.zgw_endpoint_objecttypen is not None
        assert settings.notify_templateid_decisionmade is not None
        type_url = (
            f"{settings.zgw_endpoint_objecttypen}/objecttypes/"
            f"{settings.zgw_variable_objecttype_messageobjecttype_uuid}"
        )
        now = datetime.now(UTC)
        message_object = {
            "type": type_url,
            "record": {
                "typeVersion": settings.zgw_variable_objecttype_messageobjecttype_version,
                "startAt": now.date().isoformat(),
                "data": {
                    "publicatiedatum": now.isoformat(timespec="seconds"),
                    "referentie": besluit.get("url"),
                    "handelingsperspectief": "informatie verstrekken",
                    "geopend": False,
                    "berichtType": "notificatie",
                    "identificatie": identificatie,
                    "bijlages": [document["url"]] if document.get("url") else [],
                },
            },
        }
        return PlannedAction(
            kind="portal_message",
            target=f"portal message for the {identificatie['type']} holder",
            template_id=str(settings.notify_templateid_decisionmade),
            personalisation=personalisation,
            message_object=message_object,
        )
