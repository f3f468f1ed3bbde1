import re
import unicodedata
from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .avatars import MAX_BYTES, avatar_process
from .models import SPOKEN_LANGUAGES, Profile, Visibility
from .services import PROFILE_FIELDS, tags_validate

# --- people's names (sign-up, profile, import) ---------------------------------------------

# Characters that reorder the text around them: a name with one can show as another.
MEMBER_SINCE_EARLIEST = date(1900, 1, 1)
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Invisible and of no use in a name: dropped wherever they are (zero-width space, word joiner,
# byte-order mark, soft hyphen, Mongolian vowel separator, invisible operators, combining
# grapheme joiner, the blank Hangul fillers, the blank Braille pattern).
_INVISIBLE = frozenset(
    "\u200b\u2060\ufeff\u00ad\u180e\u2061\u2062\u2063\u2064\u034f\u115f\u1160\u3164\uffa0\u2800"
)
# Joiners and direction marks have a use inside a name (emoji sequences, Persian, mixed
# scripts), none at its ends.
_EDGES = "\u200c\u200d\u200e\u200f\u061c "


def _shows(ch: str) -> bool:
    return not ch.isspace() and unicodedata.category(ch) not in ("Cf", "Mn", "Me")


def person_name_clean(value: str) -> str:
    """A person's name as typed, made safe to show: the one rule for every name field.

    Promises: control characters (line breaks, tabs…) and text-direction overrides are
    refused (ValidationError); invisible characters are dropped and runs of spaces become
    one; a name where nothing visible is left comes back empty, so a required field says
    "This field is required". Accents, any script, emoji, hyphens and apostrophes stay.
    """
    return shown_text_clean(
        value,
        message=_(
            "Enter a name without line breaks, control characters or text-direction overrides."
        ),
    )


def shown_text_clean(value: str, *, message) -> str:
    """`person_name_clean()`'s rule for any one-line text others see as a name: a company's,
    the labels of the shared vocabulary. What shows is what is stored, so two spellings
    that look the same are the same company or term, never a look-alike; `message` says
    what was refused."""
    if any(
        unicodedata.category(ch) == "Cc" or ch in _BIDI_CONTROLS or ch in "\u2028\u2029"
        for ch in value
    ):
        raise ValidationError(message, code="invalid")
    value = " ".join("".join(ch for ch in value if ch not in _INVISIBLE).split())
    value = " ".join(value.strip(_EDGES).split())
    return value if any(_shows(ch) for ch in value) else ""


class PersonNameField(forms.CharField):
    """A CharField cleaned by `person_name_clean` before the "required" check."""

    cleaned = staticmethod(person_name_clean)

    def to_python(self, value):
        value = super().to_python(value)
        return self.cleaned(value) if value not in self.empty_values else value

    @classmethod
    def like(cls, field: forms.CharField) -> "PersonNameField":
        """`field` (a model form's name field: the admin's) cleaned as every name is."""
        return cls(
            label=field.label,
            max_length=field.max_length,
            required=field.required,
            help_text=field.help_text,
            widget=field.widget,
        )


def shown_line_clean(value: str) -> str:
    """`shown_text_clean` for a one-line text others see that is no name (a title, a room)."""
    return shown_text_clean(
        value,
        message=_(
            "Enter this without line breaks, control characters or text-direction overrides."
        ),
    )


class ShownTextField(PersonNameField):
    """A one-line text others see as typed — an event's, a series' or a collaboration's title,
    a room, a note's subject: cleaned as names are (`shown_line_clean`), so that a title is
    never blank-looking nor shown reversed (in the page, the announcement, the subject line).
    A model form takes it with `Meta.field_classes`."""

    cleaned = staticmethod(shown_line_clean)


def linkedin_clean(url: str) -> str:
    """A profile's LinkedIn address, or a ValidationError: the profile form's and the
    admin's rule."""
    if url and not re.match(r"^https?://([a-z]{2,3}\.)?linkedin\.com/", url, re.IGNORECASE):
        raise ValidationError(_("Enter a LinkedIn address (https://www.linkedin.com/in/…)."))
    return url


def phone_clean(phone: str) -> str:
    """A profile's phone number, spaces made single, or a ValidationError."""
    phone = " ".join(phone.split())
    if phone and not PHONE_RE.match(phone):
        raise ValidationError(_("Enter a phone number, e.g. +32 2 123 45 67."))
    return phone


def member_since_clean(since):
    """When a member joined, or a ValidationError: the admin's profile form's and the CSV
    import's rule. A date to come would sit first in "newest members" and "joined recently"
    until that day; one before any coworking space is a typo ("0001-01-01")."""
    if since and since > timezone.localdate():
        raise ValidationError(_("A member cannot have joined after today."))
    if since and since < MEMBER_SINCE_EARLIEST:
        raise ValidationError(
            _("A member cannot have joined before %(year)d.") % {"year": MEMBER_SINCE_EARLIEST.year}
        )
    return since


_TAG_BREAKS = re.compile("[\r\n\u2028\u2029]+")


class TagsField(forms.CharField):
    """Comma-separated labels of the shared vocabulary, cleaned as names are (a list pasted
    one label a line is split at its line breaks; a tab is a space)."""

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        value = _TAG_BREAKS.sub(",", value).replace("\t", " ")
        return shown_text_clean(
            value,
            message=_("Enter tags without control characters or text-direction overrides."),
        )


class JSONListField(forms.JSONField):
    """A JSON list typed in the admin's box, every item passing `item_ok` (else `message`).
    A number alone, text, NaN or an empty box on a column without NULL were saved as typed
    (or failed in the database); the code reading the column expects a list.
    Empty is `when_empty`."""

    def __init__(self, *, item_ok, message, when_empty=None, **kwargs):
        super().__init__(**kwargs)
        self.item_ok, self.message, self.when_empty = item_ok, message, when_empty

    def validate(self, value):
        super().validate(value)
        if value is not None and not (
            isinstance(value, list) and all(self.item_ok(item) for item in value)
        ):
            raise ValidationError(self.message, code="invalid_list")

    def clean(self, value):
        value = super().clean(value)
        return self.when_empty if value is None else value


def json_list_checked(form_fields: dict, name: str, **checks) -> None:
    """Give the model form field `name` (a JSONField), if editable, the checks of
    `JSONListField` (`item_ok`, `message`, `when_empty`)."""
    field = form_fields.get(name)
    if field is not None and not field.disabled:
        form_fields[name] = JSONListField(
            label=field.label, help_text=field.help_text, required=False, **checks
        )


class SignupForm(forms.Form):
    """Extra fields for allauth's sign-up form (email and passwords come from allauth)."""

    name = PersonNameField(
        label=_("Full name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )

    def signup(self, request, user) -> None:
        """allauth calls this after the user is created; the adapter already set the name."""


# --- profile editing (owned by the directory) ---------------------------------------------------

CONTACT_VISIBILITY = [
    (Visibility.MEMBERS, _("Members (logged in) can see it")),
    (Visibility.HIDDEN, _("Only me and staff")),
]
PHONE_RE = re.compile(r"^\+?[0-9][0-9 ().\-/]{5,30}$")


class ProfileForm(forms.ModelForm):
    """Everything a member edits on their own profile. Tags are comma-separated labels."""

    avatar_upload = forms.FileField(
        label=_("Profile picture"),
        required=False,
        help_text=format_lazy(
            _("JPEG, PNG, GIF or WebP, at most {mb} MB. It is cut to a square."),
            mb=MAX_BYTES // 1024 // 1024,
        ),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/gif,image/webp"}
        ),
    )
    avatar_clear = forms.BooleanField(label=_("Remove my picture"), required=False)
    company_name = PersonNameField(  # a company's name: cleaned as a person's is
        label=_("Company"),
        max_length=160,
        required=False,
        help_text=_("Pick an existing company or type a new name."),
        widget=forms.TextInput(attrs={"list": "company-options", "autocomplete": "off"}),
    )
    skills_tags = TagsField(
        label=_("Skills"),
        required=False,
        help_text=_("Separated by commas, e.g. translation, web design."),
        widget=forms.TextInput(attrs={"data-tags": "skills", "autocomplete": "off"}),
    )
    offers_tags = TagsField(
        label=_("I can help with"),
        required=False,
        widget=forms.TextInput(attrs={"data-tags": "offers", "autocomplete": "off"}),
    )
    seeks_tags = TagsField(
        label=_("I am looking for"),
        required=False,
        widget=forms.TextInput(attrs={"data-tags": "seeks", "autocomplete": "off"}),
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages I speak"),
        choices=SPOKEN_LANGUAGES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    website = forms.URLField(
        label=_("Website"), max_length=200, required=False, assume_scheme="https"
    )
    linkedin = forms.URLField(
        label=_("LinkedIn"), max_length=200, required=False, assume_scheme="https"
    )
    email_visibility = forms.ChoiceField(label=_("Who sees my email"), choices=CONTACT_VISIBILITY)
    phone_visibility = forms.ChoiceField(label=_("Who sees my phone"), choices=CONTACT_VISIBILITY)

    class Meta:
        model = Profile
        fields = list(PROFILE_FIELDS)
        # Every one-line text others see: never shown reversed nor blank-looking.
        field_classes = {
            "display_name": PersonNameField,
            **dict.fromkeys(
                ("headline", "job_title", "offers_text", "seeks_text", "city", "region"),
                ShownTextField,
            ),
        }
        labels = {
            "offers_text": _("What I offer, in a sentence"),
            "seeks_text": _("What I seek, in a sentence"),
        }
        widgets = {
            "bio": forms.Textarea(attrs={"rows": 6}),
            "visibility": forms.RadioSelect,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        profile = self.instance
        # The names of the terms each tags field shows (in every language: the page may
        # have been opened in another): sent back, they are the same terms, even a name
        # holding a separator ("UX-onderzoek, gebruikersonderzoek", named before the admin
        # refused it).
        self.shown_names: dict[str, list[str]] = {}
        if profile.pk:
            self.fields["company_name"].initial = profile.company.name if profile.company else ""
            for name in ("skills", "offers", "seeks"):
                terms = list(getattr(profile, name).all())
                self.shown_names[f"{name}_tags"] = [
                    n for t in terms for n in (t.name_en, t.name_fr, t.name_nl) if n
                ]
                self.fields[f"{name}_tags"].initial = ", ".join(t.label() for t in terms)
        for field in self.fields.values():
            if isinstance(field.widget, forms.TextInput | forms.URLInput | forms.Textarea):
                field.widget.attrs.setdefault("class", "input")

    def clean_avatar_upload(self):
        upload = self.cleaned_data.get("avatar_upload")
        if not upload:
            return None
        return avatar_process(upload)

    def clean_languages(self):
        """The checked languages in the member's order (the first is the one they prefer:
        the vCard's LANG;PREF=1), new ones after them: the checkboxes come back in the
        form's order."""
        checked = self.cleaned_data.get("languages") or []
        kept = [code for code in self.instance.languages or [] if code in checked]
        return kept + [code for code in checked if code not in kept]

    def clean_linkedin(self):
        return linkedin_clean(self.cleaned_data.get("linkedin", ""))

    def clean_phone(self):
        return phone_clean(self.cleaned_data.get("phone", ""))

    def _clean_tags(self, name: str) -> list[str]:
        return tags_validate(self.cleaned_data.get(name, ""), whole=self.shown_names.get(name, ()))

    def clean_skills_tags(self):
        return self._clean_tags("skills_tags")

    def clean_offers_tags(self):
        return self._clean_tags("offers_tags")

    def clean_seeks_tags(self):
        return self._clean_tags("seeks_tags")


class AccountDeleteForm(forms.Form):
    email = forms.EmailField(
        label=_("Type your email address to confirm"),
        widget=forms.EmailInput(attrs={"autocomplete": "off", "class": "input"}),
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        if email.casefold() != self.user.email.casefold():
            raise ValidationError(_("This is not the email address of your account."))
        return email


class MemberImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8, comma or semicolon separated, with a header row."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
