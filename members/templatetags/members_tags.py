"""Small helpers for member pages: card terms in the active language, avatars, member cards."""

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from ..directory.cards import avatar_data, cards_html

register = template.Library()


@register.filter
def term_label(term) -> str:
    """A card term ({"s", "en", "fr", "nl"}) or a Term, named in the active language."""
    lang = (get_language() or "en")[:2]
    if isinstance(term, dict):
        return term.get(lang) or term.get("en") or term.get("s", "")
    return term.label(lang)


@register.inclusion_tag("members/_avatar.html")
def avatar(profile, size: str = "thumb", css: str = "") -> dict:
    """The member's picture (served by the privacy-checking view) or their initials: the
    same markup as the avatars on member cards (`members/_avatar.html`)."""
    return {"a": avatar_data(profile, size, css)}


def options_render(choices) -> SafeString:
    """`<option>`s for (value, label) pairs, none selected: see `options_html`."""
    return mark_safe(  # every value and label is escaped
        "".join(
            f'<option value="{conditional_escape(value)}">{conditional_escape(label)}</option>'
            for value, label in choices
        )
    )


# The option tag of a chosen value and its marked form, per value (values come from a
# request's validated filters: a few dozen; at most OPTION_MARKS kept).
_option_marks: dict[str, tuple[str, str]] = {}
OPTION_MARKS = 1024


def _option_mark(selected: str) -> tuple[str, str]:
    found = _option_marks.get(selected)
    if found is None:
        mark = f'<option value="{conditional_escape(selected)}">'
        found = (mark, mark[:-1] + " selected>")
        if len(_option_marks) < OPTION_MARKS:
            _option_marks[selected] = found
    return found


@register.simple_tag
def options_html(choices, selected="") -> str:
    """`<option>`s for (value, label) pairs, or as rendered by `options_render()`, with
    `selected` marked. The directory's filter selects hold ~100 options: it renders them
    once per language (members.views._filter_choices), then only marks the chosen one
    (the directory's form marks eight selects a request: 5 µs each through
    `conditional_escape` and `mark_safe`, 1 µs this way)."""
    rendered = choices if isinstance(choices, str) else options_render(choices)
    mark, chosen = _option_mark("" if selected is None else str(selected))
    if mark in rendered:
        return SafeString(rendered.replace(mark, chosen, 1))  # escaped above
    return rendered if isinstance(rendered, SafeString) else mark_safe(rendered)


@register.simple_tag(takes_context=True)
def page_url(context, number) -> str:
    """A link to page `number` that keeps the current filters."""
    return f"{context.get('page_base', '?')}page={number}"


@register.simple_tag
def profile_cards(profiles) -> SafeString:
    """The member cards (directory, company, space and chapter pages), one `<li>` each, from
    profiles loaded by `members.directory.cards.profile_cards()` or `members.models.Card`s.
    The markup is `members/_member_card.html` (see `members.directory.cards.cards_html`)."""
    return cards_html(profiles)
