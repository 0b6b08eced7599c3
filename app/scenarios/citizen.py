"""Finding the citizen of a zaak and how to reach them: plain data in, decisions out.

Shared by every scenario that messages a citizen. The rules follow the OMC (field guide
section 3): the initiator rol of the zaak, its BSN or its Open Klant partij, and the contact
channel by priority: the address registered for this very zaak, the preferred address, the
first e-mail address, the first phone number.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

ChannelKind = Literal["email", "sms"]


@dataclass(frozen=True)
class Initiator:
    """Who started the zaak: a BSN to look up, or an Open Klant partij to read directly."""

    bsn: str | None
    partij_url: str | None
    count: int  # how many initiator rollen the zaak has (more than one is worth a note)


@dataclass(frozen=True)
class Channel:
    kind: ChannelKind
    address: str
    reason: str  # why this address was chosen, for the trace (no address in it)

    @property
    def masked(self) -> str:
        return mask_address(self.address)


def find_initiator(rollen: list[dict[str, Any]]) -> Initiator | None:
    """The first rol whose omschrijvingGeneriek is `initiator`, as the OMC picks it."""
    initiators = [r for r in rollen if r.get("omschrijvingGeneriek") == "initiator"]
    if not initiators:
        return None
    rol = initiators[0]
    identificatie = rol.get("betrokkeneIdentificatie") or {}
    bsn = identificatie.get("inpBsn") if isinstance(identificatie, dict) else None
    return Initiator(
        bsn=bsn or None, partij_url=rol.get("betrokkene") or None, count=len(initiators)
    )


def klant_names(partij: dict[str, Any]) -> dict[str, str]:
    """The name placeholders from an Open Klant 2 partij (contactnaam of a persoon)."""
    identificatie = partij.get("partijIdentificatie") or {}
    contactnaam = identificatie.get("contactnaam") or {}
    if not contactnaam and identificatie.get("naam"):  # an organisation
        return {"voornaam": "", "voorvoegselAchternaam": "", "achternaam": identificatie["naam"]}
    return {
        "voornaam": contactnaam.get("voornaam") or "",
        "voorvoegselAchternaam": contactnaam.get("voorvoegselAchternaam") or "",
        "achternaam": contactnaam.get("achternaam") or "",
    }


def _kind(soort: str | None) -> ChannelKind | None:
    # Case-insensitive like the OMC ("Email"; anything containing "telefoon").
    value = (soort or "").lower()
    if value == "email":
        return "email"
    if "telefoon" in value:
        return "sms"
    return None


def normalise_phone(number: str) -> str:
    """Dutch numbers written as 06... become +316...; Notify wants international form."""
    compact = "".join(ch for ch in number if ch.isdigit() or ch == "+")
    if compact.startswith("00"):
        return "+" + compact[2:]
    if compact.startswith("0"):
        return "+31" + compact[1:]
    return compact


def _channel(address: dict[str, Any], reason: str) -> Channel | None:
    kind = _kind(address.get("soortDigitaalAdres"))
    value = (address.get("adres") or "").strip()
    if kind is None or not value:
        return None
    return Channel(kind, normalise_phone(value) if kind == "sms" else value, reason)


def choose_channel(partij: dict[str, Any], zaak_identificatie: str | None) -> Channel | None:
    """OMC priority: zaak-specific address, preferred address, first e-mail, first phone."""
    expand = partij.get("_expand") or {}
    addresses: list[dict[str, Any]] = [a for a in expand.get("digitaleAdressen") or [] if a]
    if zaak_identificatie:
        for address in addresses:
            if address.get("referentie") == zaak_identificatie:
                channel = _channel(address, "the address registered for this zaak")
                if channel:
                    return channel
    preferred = partij.get("voorkeursDigitaalAdres") or {}
    preferred_uuid = preferred.get("uuid") if isinstance(preferred, dict) else None
    for address in addresses:
        if preferred_uuid and address.get("uuid") == preferred_uuid:
            channel = _channel(address, "the preferred address")
            if channel:
                return channel
    for kind, reason in (("email", "the first e-mail address"), ("sms", "the first phone number")):
        for address in addresses:
            if _kind(address.get("soortDigitaalAdres")) == kind:
                channel = _channel(address, reason)
                if channel:
                    return channel
    return None


def channels_from_klant(klant: dict[str, Any]) -> list[Channel]:
    """Klanten API 1.0 (Open Klant 1): the klant's own choice in `aanmaakkanaal`."""
    choice = (klant.get("aanmaakkanaal") or "").lower()
    email = (klant.get("emailadres") or "").strip()
    phone = (klant.get("telefoonnummer") or "").strip()
    channels = []
    if choice in ("email", "beiden") and email:
        channels.append(Channel("email", email, f"aanmaakkanaal is {choice}"))
    if choice in ("sms", "beiden") and phone:
        channels.append(Channel("sms", normalise_phone(phone), f"aanmaakkanaal is {choice}"))
    return channels


def mask_address(address: str) -> str:
    """Enough to recognise an address in the trace, not enough to use it."""
    if "@" in address:
        local, _, domain = address.partition("@")
        return f"{local[:1]}***@{domain}"
    return f"{address[:4]}*****{address[-2:]}" if len(address) > 6 else "*****"
