"""A member's card for people's address books: vCard 4.0 (RFC 6350), written here.

What a card holds is what its viewer may see on the profile page, no more: the profile
itself only reaches viewers allowed to open it (`members.view_profile`, the views' 404);
email and phone only as `members.selectors.profile_contact()` — the profile page's own rule
— hands them out (never to anonymous visitors; to members what the owner shared; all of it
to the owner and staff). The rest (name, company, job, city and region, links, picture,
what they offer and seek) is on the page for whoever may open it.

The writer is small and strict, so every card is valid whatever people typed:
- text values escape backslash, comma, semicolon and newlines (§3.4); components of
  structured values (N, ORG, ADR) are escaped one by one and joined with ";";
- control characters other than newlines are dropped (they are not allowed in text);
- content lines end with CRLF and are folded at 75 octets, never inside a UTF-8 character
  (§3.2): a continuation line starts with one space;
- parameter values containing ":", ";" or "," are quoted (§5), a DQUOTE becomes "'".

`tests/members/test_vcard.py` reads the cards back with `vobject`, a parser that shares
nothing with this writer.
"""

from __future__ import annotations

import mimetypes
import re
import uuid
from collections.abc import Iterable
from datetime import UTC

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from .models import Profile
from .selectors import profile_contact

CRLF = "\r\n"
MAX_OCTETS = 75
PRODID = "-//Betacowork//Directory//EN"
CONTENT_TYPE = "text/vcard; charset=utf-8"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
_TEL_URI = re.compile(r"^\+[0-9]{4,20}$")


# The writer --------------------------------------------------------------------------------


def escape_text(value: str) -> str:
    """A TEXT value (or one component of a structured value), escaped per RFC 6350 §3.4."""
    value = _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    return value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;").replace("\n", "\\n")


def _param_value(value: str) -> str:
    value = _CONTROL.sub("", value).replace('"', "'").replace("\n", " ")
    return f'"{value}"' if any(ch in value for ch in ":;,") else value


def fold(line: str) -> str:
    """One content line folded at 75 octets, never inside a multi-octet character."""
    chunks: list[str] = []
    current, size = "", 0
    for ch in line:
        width = len(ch.encode("utf-8"))
        if size + width > MAX_OCTETS:
            chunks.append(current)
            current, size = " ", 1
        current += ch
        size += width
    chunks.append(current)
    return CRLF.join(chunks)


class VCard:
    """A vCard 4.0 under construction: `add()` text, `add_raw()` URIs and tokens,
    `add_structured()` N/ORG/ADR; `serialise()` gives the folded, CRLF-ended text."""

    def __init__(self) -> None:
        self.lines: list[str] = ["BEGIN:VCARD", "VERSION:4.0"]

    def add_raw(self, name: str, value: str, /, **params: str | list[str]) -> None:
        """A value written as given (a URI, a timestamp, a token): no text escaping."""
        head = name.upper()
        for key, param in params.items():
            values = param if isinstance(param, list) else [param]
            head += f";{key.upper()}=" + ",".join(_param_value(v) for v in values)
        self.lines.append(f"{head}:{_CONTROL.sub('', value)}")

    def add(self, name: str, value: str, /, **params: str | list[str]) -> None:
        """A TEXT property; empty values are left out."""
        if value and value.strip():
            self.add_raw(name, escape_text(value.strip()), **params)

    def add_structured(self, name: str, components: list[str], /, **params) -> None:
        """N, ORG, ADR: components escaped one by one and joined with ";"."""
        if any(c.strip() for c in components):
            self.add_raw(name, ";".join(escape_text(c.strip()) for c in components), **params)

    def serialise(self) -> str:
        return "".join(fold(line) + CRLF for line in [*self.lines, "END:VCARD"])


# A profile as a card -----------------------------------------------------------------------


def profile_uid(profile: Profile) -> str:
    """Stable for the profile's life (its key, not its name or slug): an address book that
    imports the card again updates the contact instead of adding a second one."""
    return "urn:uuid:" + str(
        uuid.uuid5(uuid.NAMESPACE_URL, f"{settings.SITE_URL}/profiles/{profile.pk}")
    )


def name_parts(display_name: str) -> list[str]:
    """N's five components from the one display name the directory keeps: the first word is
    the given name, the rest the family name ("Jean-Pierre Van den Berg" → family "Van den
    Berg", given "Jean-Pierre"); a single word is a given name."""
    words = display_name.split()
    given = words[0] if words else ""
    family = " ".join(words[1:])
    return [family, given, "", "", ""]


def _terms(profile: Profile, name: str) -> str:
    cache = getattr(profile, "_prefetched_objects_cache", {})
    terms = cache[name] if name in cache else getattr(profile, name).all()
    return ", ".join(t.label() for t in terms)


def _note(profile: Profile) -> str:
    """The headline, then what they offer and seek (their own words, else their terms)."""
    lines = [profile.headline.strip()] if profile.headline.strip() else []
    for label, text in (
        (_("Offers"), profile.offers_text.strip() or _terms(profile, "offers")),
        (_("Seeks"), profile.seeks_text.strip() or _terms(profile, "seeks")),
    ):
        if text:
            lines.append(f"{label}: {text}")
    return "\n".join(lines)


def _tel(card: VCard, phone: str) -> None:
    compact = re.sub(r"[\s().\-/]", "", phone)
    if _TEL_URI.match(compact):
        card.add_raw("TEL", f"tel:{compact}", value="uri", type=["work", "voice"])
    else:  # a local number: kept as typed (a tel: URI would need its country)
        card.add("TEL", phone, value="text", type=["work", "voice"])


def _links(card: VCard, profile: Profile, base_url: str) -> None:
    card.add_raw("URL", base_url + profile.get_absolute_url(), pref="1")
    for link in (profile.website, profile.linkedin):
        if link and link.startswith(("http://", "https://")):
            card.add_raw("URL", link)
    if profile.avatar:
        url = reverse("members:avatar", kwargs={"slug": profile.slug})
        mediatype = mimetypes.guess_type(profile.avatar.name)[0]
        params = {"mediatype": mediatype} if mediatype else {}
        card.add_raw("PHOTO", f"{base_url}{url}?v={profile.avatar_version}", **params)


def profile_vcard(profile: Profile, *, viewer, base_url: str) -> str:
    """`profile` as `viewer` may see it, as one vCard. The caller has checked that `viewer`
    may open the profile (`members.view_profile`); `base_url` is "https://host"."""
    contact = profile_contact(profile=profile, viewer=viewer)
    card = VCard()
    card.add_raw("PRODID", PRODID)
    card.add_raw("UID", profile_uid(profile))
    card.add_raw("KIND", "individual")
    card.add("FN", profile.display_name or "?")
    card.add_structured("N", name_parts(profile.display_name))
    if profile.company_id:
        card.add_structured("ORG", [profile.company.name])
    card.add("TITLE", profile.job_title)
    if contact["email"]:
        card.add("EMAIL", contact["email"], type="work")
    if contact["phone"]:
        _tel(card, contact["phone"])
    card.add_structured("ADR", ["", "", "", profile.city, profile.region, "", ""], type="work")
    _links(card, profile, base_url)
    card.add("NOTE", _note(profile))
    languages = [code for code in profile.languages or [] if _LANGUAGE_TAG.match(str(code))]
    for pref, code in enumerate(languages[:9], start=1):
        card.add_raw("LANG", code.lower(), pref=str(pref))
    if profile.updated_at:
        card.add_raw("REV", profile.updated_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ"))
    return card.serialise()


def profiles_vcf(profiles: Iterable[Profile], *, viewer, base_url: str) -> Iterable[str]:
    """Many cards, one after the other (a .vcf of a list), streamed card by card."""
    for profile in profiles:
        yield profile_vcard(profile, viewer=viewer, base_url=base_url)


def vcard_queryset(qs):
    """What a card reads, loaded in a constant number of queries whatever the count."""
    return qs.select_related("user", "company").prefetch_related("offers", "seeks")
