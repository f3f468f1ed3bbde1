"""Member cards: what a card reads from the database, and what its template shows.

The directory, company, space and chapter pages show the same card, rendered by
`members/_member_card.html` (its avatar by `members/_avatar.html`, the markup the `avatar`
tag renders too). `card_items()` prepares each card's strings in the active language, and
`cards_html()` renders them.

A page shows 24 cards: through the template engine that costs about ten times what the page's
query does. A card's HTML depends on nothing but its item and the language, so each is
rendered once per process and kept (`_card_html`, the last CARD_MEMO cards) unless DEBUG is
on (then a changed template shows at once). A card read as a row (`members.models.Card`,
PostgreSQL's directory pages) is also kept under that row: shown again, not even its item is
built (0.92 -> 0.68 ms for a page's results at 10,000 members).
"""

from __future__ import annotations

import functools
from collections import OrderedDict

from django.conf import settings
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ..models import Profile

AVATAR_COLOURS = 6
CARD_MEMO = 4096
THUMB_PX = 64
FULL_PX = 160

# Only what a card shows: the directory, company and space pages render many of them.
CARD_FIELDS = (
    "pk",
    "slug",
    "display_name",
    "headline",
    "job_title",
    "avatar_thumb",
    "updated_at",
    "card",
    "visibility",
    "company__name",
    "company__slug",
)

# The same as columns of `members_profile p` and `members_company c`, in the order
# `members.models.Card` reads them (PostgreSQL's one-statement pages).
CARD_COLUMNS = (
    "p.id, p.slug, p.display_name, p.headline, p.job_title, p.avatar_thumb, p.updated_at, "
    "p.card, p.company_id, c.name, c.slug"
)


def profile_cards(qs: QuerySet[Profile]) -> QuerySet[Profile]:
    """`qs` loading only what a card shows."""
    return qs.select_related("company").only(*CARD_FIELDS)


_SLUG_MARK = "0slug0"


def _url_parts(name: str) -> tuple[str, str]:
    """The parts of `name`'s URL around its slug, reversed once per process (for the URL
    configuration and script prefix in force), not once per list of cards."""
    return _url_parts_for(name, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())


@functools.lru_cache(maxsize=64)
def _url_parts_for(name: str, _urlconf, _prefix: str) -> tuple[str, str]:
    before, _mark, after = reverse(name, kwargs={"slug": _SLUG_MARK}).partition(_SLUG_MARK)
    return before, after


def avatar_data(profile, size: str = "thumb", css: str = "", src: str | None = None) -> dict:
    """What `members/_avatar.html` shows: the picture (served by the privacy-checking view)
    or the initials. `src` is the picture's URL when the caller has built it already."""
    field = profile.avatar_thumb if size == "thumb" else getattr(profile, "avatar", None)
    # Every key is always there: a missing one costs the template an exception per card.
    data = {"classes": f"avatar avatar-{size} {css}".strip(), "src": "", "px": 0}
    data.update(colour=0, initials="")
    if field:
        if src is None:
            name = "members:avatar_thumb" if size == "thumb" else "members:avatar"
            src = reverse(name, kwargs={"slug": profile.slug})
        data["src"] = f"{src}?v={profile.avatar_version}"
        data["px"] = THUMB_PX if size == "thumb" else FULL_PX
    else:
        data["colour"] = (profile.pk or 0) % AVATAR_COLOURS
        data["initials"] = profile.initials
    return data


def _labels(terms: list[dict], lang: str) -> list[str]:
    return [t.get(lang) or t.get("en") or t.get("s", "") for t in terms]


def card_items(profiles) -> list[dict]:
    """One dict per card for `members/_member_card.html`: its URL, avatar, name, headline,
    company, and its skills and offers named in the active language.

    Reads only the fields `profile_cards()` loads (or a `members.models.Card`) and `card`,
    the denormalised skills and offers kept by `members.search.profile_search_refresh()`.
    """
    lang = (get_language() or "en")[:2]
    page_before, page_after = _url_parts("members:profile")
    thumb_before, thumb_after = _url_parts("members:avatar_thumb")
    items = []
    for profile in profiles:
        slug = profile.slug
        card = profile.card or {}
        company = profile.company if profile.company_id else None
        items.append(
            {
                "url": f"{page_before}{slug}{page_after}",
                "avatar": avatar_data(profile, src=f"{thumb_before}{slug}{thumb_after}"),
                "name": profile.display_name,
                "headline": profile.headline or profile.job_title,
                "company": company.name if company else "",
                "skills": _labels(card.get("skills") or [], lang),
                "more_skills": card.get("more_skills") or 0,
                "offers": _labels(card.get("offers") or [], lang),
                "more_offers": card.get("more_offers") or 0,
            }
        )
    return items


def _frozen(item: dict) -> tuple:
    return tuple(
        (key, tuple(value.items()) if isinstance(value, dict) else tuple(value))
        if isinstance(value, dict | list)
        else (key, value)
        for key, value in sorted(item.items())
    )


def _render(frozen: tuple, language: str) -> str:
    item = {
        key: dict(value) if key == "avatar" else list(value) if isinstance(value, tuple) else value
        for key, value in frozen
    }
    context = {"c": item, "skills_label": _("Skills"), "offers_label": _("Offers")}
    return render_to_string("members/_member_card.html", context)


_card_html = functools.lru_cache(maxsize=CARD_MEMO)(_render)


# A card read as a row (`members.models.Card`) is kept under that row, the language and its
# URLs' parts: a card shown again costs a dictionary look-up, not building its item.
_row_html: OrderedDict[tuple, str] = OrderedDict()


def cards_html(profiles) -> SafeString:
    """The `<li>` member cards of `profiles` (see `card_items()`), in order."""
    language = (get_language() or "en")[:2]
    if settings.DEBUG:
        html = "".join(_render(_frozen(item), language) for item in card_items(profiles))
        return mark_safe(html)  # rendered by the template engine, which escaped every value
    urlconf, prefix = get_urlconf() or settings.ROOT_URLCONF, get_script_prefix()
    urls = (
        *_url_parts_for("members:profile", urlconf, prefix),
        *_url_parts_for("members:avatar_thumb", urlconf, prefix),
    )
    parts: list = []
    missing: list[tuple[int, object, tuple | None]] = []  # (place, profile, key)
    kept = _row_html
    for profile in profiles:
        # A card read as a row is kept under that row, the language and its URLs' parts;
        # a `Profile` (no row) or a row holding something unhashable (JSON a driver
        # decoded) is not. The key is hashed once, by the look-up.
        row = getattr(profile, "row", None)
        key = html = None
        if row is not None:
            key = (row, language, urls)
            try:
                html = kept.get(key)
            except TypeError:
                key = None
        if html is None:
            missing.append((len(parts), profile, key))
        parts.append(html)
    if missing:
        items = card_items([profile for _place, profile, _key in missing])
        for (place, _profile, key), item in zip(missing, items, strict=True):
            html = parts[place] = _card_html(_frozen(item), language)
            if key:
                kept[key] = html
                if len(kept) > CARD_MEMO:
                    kept.popitem(last=False)
    return mark_safe("".join(parts))  # rendered by the template engine, which escaped all
