"""Reading and checking an import file: every bad row with every reason, nothing written."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils.translation import gettext as _

from betacowork.csv_cells import csv_unquote

from ..forms import (
    PersonNameField,
    TagsField,
    linkedin_clean,
    member_since_clean,
    phone_clean,
)
from ..models import SPOKEN_LANGUAGES, Membership, Space, Term, User
from ..search import fold
from ..services import tags_validate, vocabulary_index, vocabulary_key
from .columns import COLUMNS, EXPORT_ONLY, LIST_SEP, REQUIRED

MAX_BYTES = 4 * 1024 * 1024
MAX_ROWS = 20_000


@dataclass
class RowResult:
    line: int  # the row as a spreadsheet numbers it (the header is row 1; a cell with line
    # breaks is still one row)
    email: str
    action: str = ""  # "create" | "update"
    errors: list[str] = field(default_factory=list)
    data: dict = field(default_factory=dict)


@dataclass
class ImportReport:
    errors: list[str] = field(default_factory=list)  # file-level problems
    rows: list[RowResult] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    written: bool = False

    @property
    def bad_rows(self) -> list[RowResult]:
        return [r for r in self.rows if r.errors]

    @property
    def ok(self) -> bool:
        return not self.errors and not self.bad_rows and bool(self.rows)

    @property
    def creates(self) -> int:
        return sum(1 for r in self.rows if r.action == "create")

    @property
    def updates(self) -> int:
        return sum(1 for r in self.rows if r.action == "update")


class _RowForm(forms.Form):
    """A row's fields, each checked as the profile form (`ProfileForm`) checks it: a file
    does not store what its member could not save again."""

    email = forms.EmailField(max_length=254)
    name = PersonNameField(max_length=150)
    headline = forms.CharField(max_length=160, required=False)
    job_title = forms.CharField(max_length=120, required=False)
    company = PersonNameField(max_length=160, required=False)  # a company's name, as a name
    city = forms.CharField(max_length=80, required=False)
    region = forms.CharField(max_length=80, required=False)
    phone = forms.CharField(max_length=32, required=False)
    website = forms.URLField(max_length=200, required=False, assume_scheme="https")
    linkedin = forms.URLField(max_length=200, required=False, assume_scheme="https")
    skills = TagsField(required=False)
    offers = TagsField(required=False)
    seeks = TagsField(required=False)
    member_since = forms.DateField(required=False, input_formats=["%Y-%m-%d", "%d/%m/%Y"])

    def clean_phone(self):
        return phone_clean(self.cleaned_data.get("phone", ""))

    def clean_linkedin(self):
        return linkedin_clean(self.cleaned_data.get("linkedin", ""))

    def clean_skills(self):
        return tags_validate(self.cleaned_data.get("skills", ""))

    def clean_offers(self):
        return tags_validate(self.cleaned_data.get("offers", ""))

    def clean_seeks(self):
        return tags_validate(self.cleaned_data.get("seeks", ""))

    def clean_member_since(self):
        return member_since_clean(self.cleaned_data.get("member_since"))  # the admin's rule


def _decode(raw: bytes) -> str:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            _(
                "The file is not UTF-8 text (unreadable byte at position %(pos)d). "
                "Save it as “CSV UTF-8” and upload it again."
            )
            % {"pos": exc.start}
        ) from None
    if "\x00" in text:
        raise ValidationError(_("This is not a CSV file (it contains binary data)."))
    return text


def _dialect(text: str):
    first_line = text.split("\n", 1)[0]
    # Excel in Belgium writes semicolons; everyone else commas.
    return "excel-semicolon" if first_line.count(";") > first_line.count(",") else "excel"


class _Semicolon(csv.excel):
    delimiter = ";"


csv.register_dialect("excel-semicolon", _Semicolon)


def members_import_check(raw: bytes) -> ImportReport:
    """Read and check the whole file; write nothing. Every bad row is reported."""
    report = ImportReport()
    rows = _rows_read(raw, report)
    header = _header_check(rows, report) if rows is not None else None
    if header is None:
        return report
    report.ignored_columns = [h for h in header if h in EXPORT_ONLY]
    body = [(n, r) for n, r in enumerate(rows[1:], start=2) if any(c.strip() for c in r)]
    if not body:
        report.errors.append(_("The file has a header but no rows."))
        return report
    if len(body) > MAX_ROWS:
        report.errors.append(_("Too many rows (at most %(n)d).") % {"n": MAX_ROWS})
        return report
    known = _Known.load()
    seen: dict[str, int] = {}
    for line, cells in body:
        report.rows.append(_row_check(line, cells, header, known, seen))
    return report


def _rows_read(raw: bytes, report: ImportReport) -> list[list[str]] | None:
    """The file's rows, or None with the reason in the report."""
    if len(raw) > MAX_BYTES:
        report.errors.append(
            _("The file is too large (at most %(mb)d MB).") % {"mb": MAX_BYTES // 1024 // 1024}
        )
        return None
    try:
        text = _decode(raw)
    except ValidationError as exc:
        report.errors.extend(exc.messages)
        return None
    if not text.strip():
        report.errors.append(_("The file is empty."))
        return None
    reader = csv.reader(io.StringIO(text, newline=""), dialect=_dialect(text))
    try:
        return list(reader)
    except csv.Error as exc:
        # The csv module's reasons are English: say ours, with the row it stopped at.
        if "field limit" in str(exc):
            reason = _("a cell is longer than %(n)d characters") % {"n": csv.field_size_limit()}
        else:
            reason = _("it could not be read as rows and columns")
        report.errors.append(
            _("The file is not valid CSV: %(error)s (row %(row)d).")
            % {"error": reason, "row": reader.line_num}
        )
        return None


def _header_check(rows: list[list[str]], report: ImportReport) -> list[str] | None:
    """The header's column names (folded), or None with every problem in the report."""
    header = [fold(h).replace(" ", "_") for h in rows[0]]
    missing = [c for c in REQUIRED if c not in header]
    unknown = [
        rows[0][i] for i, h in enumerate(header) if h not in COLUMNS and h not in EXPORT_ONLY
    ]
    duplicated = sorted({h for h in header if h and header.count(h) > 1})
    if missing:
        report.errors.append(
            _("Missing column(s): %(cols)s. The first row must name the columns.")
            % {"cols": ", ".join(missing)}
        )
    if unknown:
        report.errors.append(
            _("Unknown column(s): %(cols)s. Allowed: %(allowed)s.")
            % {"cols": ", ".join(unknown), "allowed": ", ".join(COLUMNS)}
        )
    if duplicated:
        report.errors.append(
            _("Column(s) named twice: %(cols)s.") % {"cols": ", ".join(duplicated)}
        )
    return None if report.errors else header


@dataclass
class _Known:
    """What rows are checked against, read once per file."""

    terms: dict
    slugs: dict  # exact slug -> term: what an export writes (`members_export`)
    spaces: dict
    languages: dict
    plans: dict
    existing: dict
    claimed: set  # confirmed addresses of accounts whose login is another address

    @classmethod
    def load(cls) -> _Known:
        approved = list(Term.objects.filter(status=Term.Status.APPROVED))
        return cls(
            terms=vocabulary_index(approved),
            slugs={t.slug: t for t in approved},
            spaces={s.slug: s for s in Space.objects.all()},
            languages=dict(SPOKEN_LANGUAGES),
            plans=dict(Membership.Plan.choices),
            existing={e.lower(): pk for e, pk in User.objects.values_list("email", "pk")},
            claimed={
                e.lower()
                for e in EmailAddress.objects.filter(verified=True)
                .exclude(email__iexact=F("user__email"))
                .values_list("email", flat=True)
            },
        )


def _row_check(line: int, cells, header, known: _Known, seen: dict[str, int]) -> RowResult:
    """One row's data, or every reason it is wrong (all of them, so one round of fixes does)."""
    result = RowResult(line=line, email="")
    if len(cells) != len(header):
        result.errors.append(
            _("%(got)d cells where the header has %(want)d columns.")
            % {"got": len(cells), "want": len(header)}
        )
        return result
    values = {h: csv_unquote(c.strip()) for h, c in zip(header, cells, strict=True)}
    result.email = values.get("email", "")
    form = _RowForm(data={k: values.get(k, "") for k in _RowForm.base_fields})
    form.is_valid()
    for name, errors in form.errors.items():
        result.errors.extend(f"{name}: {error}" for error in errors)
    data = dict(form.cleaned_data)
    email = data.get("email", "").lower()
    if email:
        result.email = email
        if email in seen:
            result.errors.append(
                _("Same email as row %(row)d: each person once per file.") % {"row": seen[email]}
            )
        else:
            seen[email] = line
        if email not in known.existing and email in known.claimed:
            result.errors.append(_("email: this address is already confirmed by another account."))
    for column in ("skills", "offers", "seeks"):
        # Labels the form took (at most MAX_TAGS…), each looked up in the vocabulary.
        labels = data.get(column) if column not in form.errors else None
        data[column] = _terms_check(column, labels, known, result) if values.get(column) else None
    data["languages"] = _languages_check(values.get("languages", ""), known, result)
    data["home_space"], data["plan"] = _place_check(values, known, result)
    if not result.errors:
        result.data = data
        result.action = "update" if email in known.existing else "create"
    return result


def _terms_check(column: str, labels: list | None, known: _Known, result: RowResult) -> list:
    found, unknown_terms = [], []
    for label in labels or []:
        # An exported file names terms by slug, which may be a name with its symbols
        # dropped ("c" for C++): the exact slug first, then what a person would type.
        term = known.slugs.get(label) or known.terms.get(vocabulary_key(label))
        (found.append(term) if term else unknown_terms.append(label))
    if unknown_terms:
        result.errors.append(
            _("%(column)s: unknown term(s) %(terms)s.")
            % {"column": column, "terms": ", ".join(unknown_terms)}
        )
    return found


def _languages_check(raw: str, known: _Known, result: RowResult) -> list | None:
    codes = [c.strip().lower() for c in raw.split(LIST_SEP)]
    codes = [c for c in codes if c]
    bad_codes = [c for c in codes if c not in known.languages]
    if bad_codes:
        result.errors.append(
            _("languages: unknown code(s) %(codes)s (use e.g. en;fr;nl).")
            % {"codes": ", ".join(bad_codes)}
        )
    return codes or None


def _place_check(values: dict, known: _Known, result: RowResult):
    """The home space and the plan (a plan needs a space)."""
    space_slug = values.get("home_space", "")
    if space_slug and space_slug not in known.spaces:
        result.errors.append(
            _("home_space: no space “%(slug)s” (known: %(known)s).")
            % {"slug": space_slug, "known": ", ".join(sorted(known.spaces))}
        )
    plan = values.get("plan", "")
    if plan and plan not in known.plans:
        result.errors.append(
            _("plan: unknown plan “%(plan)s” (known: %(known)s).")
            % {"plan": plan, "known": ", ".join(known.plans)}
        )
    if plan and not space_slug:
        result.errors.append(_("plan: a plan needs a home_space."))
    return known.spaces.get(space_slug), plan
