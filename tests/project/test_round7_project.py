"""Round 7 fixes at the project level: the account pages (allauth's, through our template
overrides) write their titles, headings and buttons in sentence case as the rest of the site
does; `manage.py check --deploy` refuses a production setup whose static files were never
collected."""

from __future__ import annotations

import ast
import html
import itertools
import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from betacowork.messaging.models import Outbox
from tests.factories import UserFactory

# Words that keep their capital in the middle of a sentence.
PROPER = {"Betacowork"}


class _Visible(HTMLParser):
    """The page's title, headings, buttons and field labels, as text."""

    WATCHED = {"title", "h1", "h2", "h3", "button", "label"}

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []
        self._open: list[list] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.WATCHED:
            self._open.append([tag, ""])
        # The button-like links of allauth's forms (element button with href).
        if tag == "a" and "button" in (dict(attrs).get("class") or "").split():
            self._open.append(["a.button", ""])

    def handle_data(self, data):
        for entry in self._open:
            entry[1] += data

    def handle_endtag(self, tag):
        if self._open and (
            self._open[-1][0] == tag or (tag == "a" and self._open[-1][0] == "a.button")
        ):
            kind, text = self._open.pop()
            self.found.append((kind, " ".join(text.split())))


def visible(html: str) -> list[tuple[str, str]]:
    parser = _Visible()
    parser.feed(html)
    return parser.found


def title_cased(text: str) -> bool:
    """Whether `text` capitalises a word that is not its first (nor a name): "Password Reset"."""
    for sentence in re.split(r"[.:?!·]\s*", text):
        words = re.findall(r"[A-Za-z][\w'\u2019-]*", sentence)
        if any(w[0].isupper() and w not in PROPER and not w.isupper() for w in words[1:]):
            return True
    return False


def test_the_title_case_check():
    assert title_cased("Password Reset · Betacowork")
    assert title_cased("Re-send Verification")
    assert not title_cased("Join Betacowork · Betacowork")
    assert not title_cased("Password reset: check your inbox · Betacowork")
    assert not title_cased("Log in")


@pytest.fixture
def account_pages(db, client):
    """{page: its HTML} for every account page allauth serves here, as its visitor sees it."""
    member = UserFactory(name="Katia Xenophontos")
    no_password = UserFactory(name="Imported Person")
    no_password.set_unusable_password()
    no_password.save()
    second = EmailAddress.objects.create(user=member, email="second@example.test")
    key = EmailConfirmationHMAC(second).key
    pages = {}

    def get(name, url):
        response = client.get(url, follow=True)
        assert response.status_code in (200, 400), (name, response.status_code)
        pages[name] = response.content.decode()

    for name in (
        "account_login",
        "account_signup",
        "account_reset_password",
        "account_reset_password_done",
        "account_email_verification_sent",
        "account_reset_password_from_key_done",
    ):
        get(name, reverse(name))
    get(
        "reset key (stale)",
        reverse("account_reset_password_from_key", kwargs={"uidb36": "1", "key": "x-y"}),
    )
    get("confirm email (stale)", reverse("account_confirm_email", args=["nothing"]))
    client.force_login(member)
    for name in (
        "account_change_password",
        "account_email",
        "account_logout",
        "account_inactive",
        "account_reauthenticate",
    ):
        get(name, reverse(name))
    get("confirm email", reverse("account_confirm_email", args=[key]))
    get("password already set, reset while logged in", reverse("account_reset_password"))
    client.force_login(no_password)
    get("account_set_password", reverse("account_set_password"))
    return pages


def test_account_pages_write_titles_headings_and_buttons_in_sentence_case(account_pages):
    wrong = {
        name: [
            (kind, text) for kind, text in visible(html) if kind != "label" and title_cased(text)
        ]
        for name, html in account_pages.items()
    }
    assert wrong == {name: [] for name in account_pages}


def test_the_pages_that_were_title_case_say_it_in_sentence_case(account_pages):
    def h1(name):
        return [text for kind, text in visible(account_pages[name]) if kind == "h1"]

    def buttons(name):
        return [text for kind, text in visible(account_pages[name]) if kind == "button"]

    assert h1("account_reset_password") == ["Password reset"]
    assert "Reset my password" in buttons("account_reset_password")
    assert h1("account_change_password") == ["Change password"]
    assert "Change password" in buttons("account_change_password")
    assert h1("account_set_password") == ["Set a password"]
    assert "Set a password" in buttons("account_set_password")
    assert h1("account_email") == ["Email addresses"]
    assert {"Make primary", "Re-send verification", "Add email"} <= set(buttons("account_email"))
    assert h1("confirm email") == ["Confirm email address"]
    assert h1("account_inactive") == ["Account inactive"]
    assert h1("account_reauthenticate") == ["Confirm access"]


def test_the_new_wording_reaches_the_translators(db, client):
    """The overrides' strings go through gettext: a French member reads the French of our
    catalogue ("Change password" has one already; the new msgids get theirs from the lead)."""
    member = UserFactory(preferred_language="fr")
    client.force_login(member)
    body = client.get(reverse("account_change_password")).content.decode()
    with translation.override("fr"):
        french = translation.gettext("Change password")
    assert french != "Change password"
    assert f"<h1>{french}</h1>" in body


LABELS = {
    "account_login": ["Remember me"],
    "account_change_password": ["Current password", "New password", "New password (again)"],
}


def _labels(html: str) -> list[str]:
    return [re.sub(r"\s*\*$", "", text) for kind, text in visible(html) if kind == "label"]


def test_the_forms_of_members_forms_label_in_sentence_case(db, client, settings):
    """allauth's forms label "Remember Me", "Current Password", "New Password": a template
    cannot relabel a field, members/account_forms.py's subclasses do once ACCOUNT_FORMS
    names them."""
    settings.ACCOUNT_FORMS = ACCOUNT_FORMS
    member = UserFactory()
    body = client.get(reverse("account_login")).content.decode()
    assert "Remember me" in _labels(body)
    client.force_login(member)
    body = client.get(reverse("account_change_password")).content.decode()
    assert set(LABELS["account_change_password"]) <= set(_labels(body))
    assert not [label for label in _labels(body) if title_cased(label)]
    from members.account_forms import ResetPasswordKeyForm

    form = ResetPasswordKeyForm(user=member, temp_key="key")
    assert [f.label for f in form] == ["New password", "New password (again)"]


ACCOUNT_FORMS = {
    "login": "members.account_forms.LoginForm",
    "change_password": "members.account_forms.ChangePasswordForm",
    "reset_password_from_key": "members.account_forms.ResetPasswordKeyForm",
}


def test_the_account_forms_are_wired_in_the_settings(account_pages):
    for name, wanted in LABELS.items():
        assert set(wanted) <= set(_labels(account_pages[name])), name


# The delivery log's reasons in the staff member's language -----------------------------------

ROOT = Path(settings.BASE_DIR)
# Where reasons for not sending are written (the delivery checks, the outbox's marks, the
# sender): every module of these apps but their migrations.
REASON_SOURCES = ["betacowork/messaging", "events", "collaborations", "members"]
# Samples for the values an f-string reason holds: a stored state, a number, a repr.
SAMPLES = ["cancelled", "confirmed", "waitlisted", "draft", "declined", "60", "'x'", "boom"]
# A send that failed keeps the server's or the library's own words (records.failure); an
# unknown kind given to notify() is raised to its caller, never stored.
UNTRANSLATED = {"{}: {}", "{} is not a registered message kind."}


def _template(node) -> str | None:
    """The text of a string node, `{}` for each value an f-string puts in."""
    if isinstance(node, ast.Subscript):  # f"…"[:500]
        node = node.value
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.replace("{", "{{").replace("}", "}}")
    if isinstance(node, ast.JoinedStr):
        return "".join(
            v.value.replace("{", "{{").replace("}", "}}") if isinstance(v, ast.Constant) else "{}"
            for v in node.values
        )
    return None


def reasons_in_code() -> dict[str, str]:
    """{reason template: where}: every reason for not sending a message the code writes — into
    `reasons[…]`, a `*_reasons` function's dict, `_reminder_reason`'s answer, a `LookupError`
    a kind's render raises, an outbox row's `last_error=`, `RECIPIENT_DELETED`."""
    found = {}
    for folder in REASON_SOURCES:
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            where = str(path.relative_to(ROOT))
            nodes = []
            for node in ast.walk(tree):
                if isinstance(node, ast.Assign):
                    for target in node.targets:
                        if isinstance(target, ast.Subscript) and getattr(
                            target.value, "id", ""
                        ).endswith("reasons"):
                            nodes.append(node.value)
                        if getattr(target, "id", "") == "RECIPIENT_DELETED":
                            nodes.append(node.value)
                elif isinstance(node, ast.FunctionDef) and (
                    node.name.endswith("_reasons") or node.name == "_reminder_reason"
                ):
                    for inner in ast.walk(node):
                        if isinstance(inner, ast.DictComp):
                            nodes.append(inner.value)
                        if isinstance(inner, ast.Return) and node.name == "_reminder_reason":
                            nodes.append(inner.value)
                elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "LookupError":
                    nodes.extend(node.args[:1])
                elif isinstance(node, ast.keyword) and node.arg == "last_error":
                    nodes.append(node.value)
            for value in nodes:
                text = _template(value) if value is not None else None
                if text:
                    found[text] = where
    return found


def test_every_reason_the_code_writes_is_shown_translated():
    from betacowork.messaging.admin import reason_shown

    found = reasons_in_code()
    assert len(found) > 25, found  # the scan still finds them
    unknown = {}
    for template, where in found.items():
        if template in UNTRANSLATED:
            continue
        holes = template.count("{}")
        samples = itertools.product(SAMPLES, repeat=holes)
        if not any(reason_shown(template.format(*values)) for values in samples):
            unknown[template] = where
    assert unknown == {}


def test_unknown_text_is_shown_as_stored():
    from betacowork.messaging.admin import reason_shown

    assert reason_shown("SMTPRecipientsRefused: {'a@b.test': (550, b'no')}") is None
    assert reason_shown("Event is exploded.") is None  # a state the list does not know
    assert reason_shown("Recipient account deleted. 421 try later") == (
        "Recipient account deleted. 421 try later"
    )


@pytest.fixture
def french_marked(monkeypatch):
    """French as a catalogue with every entry: each translated text comes back marked «…»
    (the new msgids are not in locale/fr yet; the lead translates them)."""
    from django.utils.translation import trans_real

    original = trans_real.DjangoTranslation.gettext

    def gettext(self, message):
        if self.language() != "fr":
            return original(self, message)
        return f"«{message.split(chr(4))[-1]}»"

    monkeypatch.setattr(trans_real.DjangoTranslation, "gettext", gettext)


def test_staff_read_the_reasons_in_their_language(client, db, french_marked):
    from betacowork.messaging.afterwards import RECIPIENT_DELETED
    from tests.messaging.factories import write

    staff = UserFactory(is_staff=True, is_superuser=True, preferred_language="fr")
    rows = {}
    for key, error in {
        "cancelled": "Event is cancelled.",
        "gone": f"{RECIPIENT_DELETED} Registration deleted.",
        "moved": "Event moved (version 1 → 2): the reminders of the new time replace this one.",
        "smtp": "SMTPRecipientsRefused: 550 no such user",
    }.items():
        row, _created = write(key)
        Outbox.objects.filter(pk=row.pk).update(status=Outbox.Status.CANCELLED, last_error=error)
        rows[key] = row
    client.force_login(staff)
    listing = client.get(reverse("admin:messaging_outbox_changelist")).content.decode()
    assert "«Event is %(state)s.»" not in listing  # formatted, not the bare msgid
    assert html.escape("«Event is «cancelled».»") in listing
    assert html.escape("«Recipient account deleted.» «Registration deleted.»") in listing
    assert "SMTPRecipientsRefused: 550 no such user" in listing  # the server's words
    page = client.get(
        reverse("admin:messaging_outbox_change", args=[rows["moved"].pk])
    ).content.decode()
    assert (
        html.escape(
            "«Event moved (version 1 → 2): the reminders of the new time replace this one.»"
        )
        in page
    )


def test_in_english_the_log_reads_as_before(client, db, staff):
    from tests.messaging.factories import write

    row, _created = write("k")
    Outbox.objects.filter(pk=row.pk).update(last_error="Registration is waitlisted now.")
    client.force_login(staff)
    listing = client.get(reverse("admin:messaging_outbox_changelist")).content.decode()
    assert "Registration is on the waitlist now." in listing


# collectstatic before production ------------------------------------------------------------

MANIFEST_STORAGE = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


def _deploy_errors(*, deploy: bool = True) -> list[str]:
    from django.core.checks import run_checks

    return [
        m.id
        for m in run_checks(include_deployment_checks=deploy)
        if m.id and m.id.startswith("betacowork.")
    ]


@pytest.fixture
def production_static(settings, tmp_path):
    settings.STORAGES = MANIFEST_STORAGE
    settings.STATIC_ROOT = tmp_path / "staticfiles"
    return settings.STATIC_ROOT


def test_the_deploy_check_refuses_static_files_never_collected(production_static):
    assert _deploy_errors() == ["betacowork.E001"]
    assert _deploy_errors(deploy=False) == []  # `manage.py check` and runserver say nothing


def test_once_collected_the_deploy_check_passes(production_static):
    call_command("collectstatic", "--noinput", verbosity=0)
    assert (production_static / "staticfiles.json").exists()
    assert _deploy_errors() == []


def test_a_manifest_older_than_the_code_is_refused_too(production_static):
    call_command("collectstatic", "--noinput", verbosity=0)
    manifest = production_static / "staticfiles.json"
    data = json.loads(manifest.read_text())
    del data["paths"]["css/site.css"]  # as if site.css were new since the last collectstatic
    manifest.write_text(json.dumps(data))
    assert _deploy_errors() == ["betacowork.E002"]


def test_without_a_manifest_storage_there_is_nothing_to_collect(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "never-collected"  # tests serve files as they are
    assert _deploy_errors() == []


def _production_manage(args: list[str], static_root) -> subprocess.CompletedProcess:
    """`manage.py <args>` as CI runs its production deploy check (.ci/run): DEBUG off, a real
    secret, the site's host, and this STATIC_ROOT."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", ""),
        "ENV_FILE": "",
        "DEBUG": "0",
        "SECRET_KEY": "ci-" + "x7Kq2" * 12,
        "ALLOWED_HOSTS": "betacowork.example",
        "SITE_URL": "https://betacowork.example",
        "STATIC_ROOT": str(static_root),
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


CHECK_DEPLOY = ["check", "--deploy", "--fail-level", "WARNING"]


def test_check_deploy_as_ci_runs_it_fails_without_collectstatic(tmp_path):
    """The command of CI's "Production deploy check" on a STATIC_ROOT nothing was collected
    into: it fails, and says why."""
    result = _production_manage(CHECK_DEPLOY, tmp_path / "staticfiles")
    assert result.returncode != 0
    assert "betacowork.E001" in result.stderr
    assert "collectstatic" in result.stderr


def test_check_deploy_as_ci_runs_it_passes_after_collectstatic(tmp_path):
    """The lines .ci/run needs before its check (the report gives them): collectstatic into
    the STATIC_ROOT the check is then run with."""
    collected = _production_manage(["collectstatic", "--noinput", "-v", "0"], tmp_path / "s")
    assert collected.returncode == 0, collected.stderr
    result = _production_manage(CHECK_DEPLOY, tmp_path / "s")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
