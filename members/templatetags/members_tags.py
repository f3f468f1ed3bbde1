"""Small helpers for member pages: card terms in the active language, avatars."""

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import get_language

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


@register.simple_tag
def options_html(choices, selected="") -> str:
    """`<option>`s for (value, label) pairs, `selected` marked: the directory's filter selects
    hold ~100 options, and building them here costs a fraction of a template loop."""
    selected = "" if selected is None else str(selected)
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((value, " selected" if str(value) == selected else "", label) for value, label in choices),
    )


@register.simple_tag(takes_context=True)
def page_url(context, number) -> str:
    """A link to page `number` that keeps the current filters."""
    return f"{context.get('page_base', '?')}page={number}"
