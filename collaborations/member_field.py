"""The member picker: a field that finds a member the person filling the form may see (the
suggestion picked, or else a slug or an exact name typed without JavaScript), and keeps the
existing participants an edit form may not name."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from members.models import Profile
from members.rules import profile_visible_to
from members.search import fold

from .models import Participant


def members_offered(viewer):
    """The members a form `viewer` fills may name, the picker's suggestions and the field
    alike: the profiles `viewer` may see, of active accounts. A deactivated account cannot
    sign in and is sent no email: named a party, it could never answer and the collaboration
    would wait for it forever. Members never see such a profile (it is hidden while the
    account is closed); staff, who see every profile, would be offered it without this."""
    return Profile.objects.visible_to(viewer).filter(user__is_active=True)


class MemberInput(forms.TextInput):
    """The member's name in the visible input, the picked profile's slug in a hidden
    `<name>_slug` input beside it (the script fills it when a suggestion is picked)."""

    template_name = "collaborations/widgets/member_input.html"

    def get_context(self, name, value, attrs):
        text, slug = value if isinstance(value, (tuple, list)) else (value, "")
        context = super().get_context(name, text, attrs)
        context["widget"]["slug"] = slug or ""
        return context

    def value_from_datadict(self, data, files, name):
        return (data.get(name, ""), data.get(f"{name}_slug", ""))

    def value_omitted_from_data(self, data, files, name):
        return name not in data and f"{name}_slug" not in data


def _shows(text: str, profile: Profile) -> bool:
    """Whether the visible input still shows `profile` as its suggestion put it: the name, or
    the name followed by " · " and what tells namesakes apart."""
    return fold(text.split(" · ")[0]) == fold(profile.display_name)


def kept_label(participant: Participant) -> str:
    """How an edit form shows an existing participant it cannot give again, as the detail page
    does (`_participant.html`): "a member" for a member the editor may not see, the name kept
    for a deleted account, the name of a deactivated one the editor may see (staff); "" for a
    party it can (a visible member, a company, an organisation). `participant` comes from
    `selectors.participants_prefetch(editor)`."""
    if participant.former_member:
        return participant.name  # even one who took part for a company: not the company
    if participant.user_id:
        if not participant.profile_visible:
            return str(_("a member"))
        # A deactivated account the editor may see (staff): the field finds it no more
        # (`members_offered`), so it is kept as it is, named as the page names it.
        return "" if participant.user.is_active else participant.user.profile.display_name
    if participant.company_id or participant.organisation.strip():
        return ""
    return participant.name


def kept_token(participant: Participant) -> str:
    """What the hidden `_slug` input holds for a kept participant ("#" is in no slug)."""
    return f"#{participant.pk}"


# What the introducer field's hidden `_slug` input holds for a kept introducer.
INTRODUCER_KEPT = "#introducer"


def introducer_kept_label(introducer, viewer) -> str:
    """How an edit form shows a collaboration's introducer that its field cannot give again,
    as the detail page does: "a member" for a profile `viewer` may not see (hidden), the name
    of a deactivated account `viewer` may see (staff); "" for one the field finds."""
    if members_offered(viewer).filter(user_id=introducer.pk).exists():
        return ""
    profile = getattr(introducer, "profile", None)
    if profile is not None and profile_visible_to(profile, viewer):
        return profile.display_name
    return str(_("a member"))


class MemberField(forms.Field):
    """A member: the suggestion picked (its slug, in the hidden input), or else what was typed,
    a profile slug or an exact name (how it works without JavaScript).

    Only profiles the person filling the form may see are found, of active accounts
    (`members_offered`): a hidden member cannot be guessed through this field. The one
    exception is `kept`, what an edit form shows without naming it again ({token: (label,
    value)}: an existing participant, see `kept_label`; the introducer, see `forms`): one of
    them, still shown as the form showed it, is that value, kept as it is.
    """

    viewer = None
    kept = None
    widget = MemberInput

    def to_python(self, value):
        text, slug = value if isinstance(value, (tuple, list)) else (value, "")
        text, slug = str(text or "").strip(), str(slug or "").strip()[:180]
        if not text:
            return None
        if len(text) > 180:
            raise forms.ValidationError(_("That name is too long."))
        label, kept = (self.kept or {}).get(slug, ("", None))
        # Without JavaScript the hidden token keeps its value: a changed name wins here too.
        if kept is not None and fold(text) == fold(label):
            return kept
        profiles = members_offered(self.viewer).select_related("user", "company")
        match = None
        if slug:
            picked = profiles.filter(slug=slug).first()
            # Without JavaScript the hidden slug keeps its first value: a changed name wins.
            if picked is not None and _shows(text, picked):
                match = picked
        if match is None:
            match = profiles.filter(slug=text).first()
        if match is None:
            named = list(profiles.filter(display_name__iexact=text)[:2])
            if len(named) > 1:
                raise forms.ValidationError(
                    _("Several members are called “%(name)s”: pick one from the suggestions."),
                    params={"name": text},
                )
            match = named[0] if named else None
        if match is None:
            raise forms.ValidationError(
                _("No member “%(name)s” in the directory: pick one from the suggestions."),
                params={"name": text},
            )
        return match.user

    def prepare_value(self, value):
        """(name shown, slug submitted) for the widget."""
        if hasattr(value, "profile"):
            return (value.profile.display_name, value.profile.slug)
        if isinstance(value, int):  # a model form's initial: the user's id
            found = (
                Profile.objects.visible_to(self.viewer)
                .filter(user_id=value)
                .values_list("display_name", "slug")
                .first()
            )
            return found or ("", "")
        return value


def member_input(placeholder):
    return MemberInput(
        attrs={
            "data-member-autocomplete": "",
            "autocomplete": "off",
            "placeholder": placeholder,
        }
    )
