"""Small helpers for member pages: card terms in the active language, avatars, member cards."""

import html

from django import template
from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

register = template.Library()

AVATAR_COLOURS = 6


@register.filter
def term_label(term) -> str:
    """A card term ({"s", "en", "fr", "nl"}) or a Term, named in the active language."""
    lang = (get_language() or "en")[:2]
    if isinstance(term, dict):
        return term.get(lang) or term.get("en") or term.get("s", "")
    return term.label(lang)


@register.simple_tag
def avatar(profile, size: str = "thumb", css: str = "") -> str:
    """The member's picture (served by the privacy-checking view) or their initials."""
    field = profile.avatar_thumb if size == "thumb" else profile.avatar
    classes = f"avatar avatar-{size} {css}".strip()
    if field:
        name = "members:avatar_thumb" if size == "thumb" else "members:avatar"
        url = reverse(name, kwargs={"slug": profile.slug})
        px = 64 if size == "thumb" else 160
        return format_html(
            '<img class="{}" src="{}?v={}" alt="" width="{}" height="{}" loading="lazy">',
            classes,
            url,
            profile.avatar_version,
            px,
            px,
        )
    return format_html(
        '<span class="{} avatar-initials avatar-c{}" aria-hidden="true">{}</span>',
        classes,
        (profile.pk or 0) % AVATAR_COLOURS,
        profile.initials,
    )


def options_render(choices) -> SafeString:
    """`<option>`s for (value, label) pairs, none selected: see `options_html`."""
    return mark_safe(  # every value and label is escaped
        "".join(
            f'<option value="{conditional_escape(value)}">{conditional_escape(label)}</option>'
            for value, label in choices
        )
    )


@register.simple_tag
def options_html(choices, selected="") -> str:
    """`<option>`s for (value, label) pairs, or as rendered by `options_render()`, with
    `selected` marked. The directory's filter selects hold ~100 options: it renders them
    once per language (members.views._filter_choices), then only marks the chosen one."""
    rendered = choices if isinstance(choices, str) else options_render(choices)
    selected = "" if selected is None else str(selected)
    mark = f'<option value="{conditional_escape(selected)}">'
    return mark_safe(rendered.replace(mark, mark[:-1] + " selected>", 1))  # escaped above


@register.simple_tag(takes_context=True)
def page_url(context, number) -> str:
    """A link to page `number` that keeps the current filters."""
    return f"{context.get('page_base', '?')}page={number}"


_SLUG_MARK = "0slug0"


def _url_prefix(name: str) -> tuple[str, str]:
    """The parts of `name`'s URL around its slug, reversed once for a whole list of cards."""
    before, _mark, after = reverse(name, kwargs={"slug": _SLUG_MARK}).partition(_SLUG_MARK)
    return before, after


def _esc(value) -> str:
    """Django's `escape()` without its lazy-string check: the cards escape ~250 plain strings
    a page (same output: `html.escape` with quotes)."""
    return html.escape(str(value))


def _card_terms(terms, lang: str, css: str, more: int, sep: str) -> str:
    tags = [
        f'<{css[0]} class="{css[1]}">'
        f"{_esc(t.get(lang) or t.get('en') or t.get('s', ''))}</{css[0]}>"
        for t in terms
    ]
    if more:
        tags.append(f'<{css[0]} class="{css[2]}">+{more}</{css[0]}>')
    return sep.join(tags)


@register.simple_tag
def profile_cards(profiles) -> SafeString:
    """The directory's member cards (also company and space pages), one `<li>` each.

    Built here rather than by `{% include %}`-ing a card template per member: 24 cards
    rendered through the template engine cost ~10 ms a page, this costs a fraction of one.
    It reads only the fields `members.selectors.profile_cards()` loads, and `card`, the
    denormalised skills and offers kept by `members.search.profile_search_refresh()`; every
    value is escaped. The profile and avatar URLs are reversed once for the whole list.
    """
    lang = (get_language() or "en")[:2]
    page_before, page_after = _url_prefix("members:profile")
    thumb_before, thumb_after = _url_prefix("members:avatar_thumb")
    skills_label = _esc(_("Skills"))
    offers_label = _esc(_("Offers"))
    out = []
    for profile in profiles:
        slug = profile.slug
        if profile.avatar_thumb:
            avatar = (
                f'<img class="avatar avatar-thumb" src="{thumb_before}{slug}{thumb_after}'
                f'?v={profile.avatar_version}" alt="" width="64" height="64" loading="lazy">'
            )
        else:
            avatar = (
                f'<span class="avatar avatar-thumb avatar-initials '
                f'avatar-c{(profile.pk or 0) % AVATAR_COLOURS}" aria-hidden="true">'
                f"{_esc(profile.initials)}</span>"
            )
        headline = profile.headline or profile.job_title
        parts = [
            f'<li class="card member-card">\n'
            f'  <a class="card-link member-card-head" href="{page_before}{slug}{page_after}">\n'
            f"    {avatar}\n"
            f'    <div class="member-card-title"><h3>{_esc(profile.display_name)}</h3>\n'
            + (f'    <span class="member-headline">{_esc(headline)}</span>' if headline else "")
            + "</div>\n  </a>\n"
        ]
        if profile.company_id and profile.company:
            parts.append(f'  <p class="small member-company">{_esc(profile.company.name)}</p>\n')
        card = profile.card or {}
        if card.get("skills"):
            skills = _card_terms(
                card["skills"], lang, ("li", "tag", "tag tag-more"), card.get("more_skills"), ""
            )
            parts.append(f'  <ul class="tags" aria-label="{skills_label}">{skills}</ul>\n')
        if card.get("offers"):
            offers = _card_terms(
                card["offers"],
                lang,
                ("span", "tag tag-offer", "tag tag-offer"),
                card.get("more_offers"),
                " ",
            )
            parts.append(
                f'  <p class="small member-offers"><span class="label-inline">{offers_label}'
                f"</span> {offers}</p>\n"
            )
        parts.append("</li>")
        out.append("".join(parts))
    return mark_safe("".join(out))  # every value above is escaped
