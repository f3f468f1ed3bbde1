"""The CSV import's two steps as services: stage (check the file, keep it, hand back a signed
token the preview page carries) and commit (the same person confirms: check again, write
every row or none, forget the file).

The file waits in the default storage under imports/ for at most IMPORT_MAX_AGE seconds;
the token names it and the staff member who uploaded it, so nobody else can confirm it.
"""

from __future__ import annotations

from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.crypto import get_random_string

from .csv_io import ImportReport, members_import_apply, members_import_check

IMPORT_SALT = "members.csv-import"
IMPORT_MAX_AGE = 3600


def members_import_stage(*, raw: bytes, user) -> tuple[ImportReport, str | None]:
    """Check the file; when every row is valid, keep it and return a token to confirm it."""
    report = members_import_check(raw)
    if not report.ok:
        return report, None
    name = default_storage.save(f"imports/{get_random_string(24)}.csv", ContentFile(raw))
    return report, signing.dumps({"name": name, "user": user.pk}, salt=IMPORT_SALT)


def _staged_file(token: str, *, user) -> str | None:
    try:
        data = signing.loads(token, salt=IMPORT_SALT, max_age=IMPORT_MAX_AGE)
    except signing.BadSignature:
        return None
    name = data.get("name", "")
    if data.get("user") != user.pk or not name.startswith("imports/"):
        return None
    return name if default_storage.exists(name) else None


def members_import_commit(*, token: str, user) -> ImportReport | None:
    """Write the staged file (None when the token is expired, forged or someone else's).

    The report says whether it was written; a file that no longer checks (the directory
    changed since the preview) is kept, so the preview can show why."""
    name = _staged_file(token, user=user)
    if name is None:
        return None
    with default_storage.open(name, "rb") as handle:
        raw = handle.read()
    report = members_import_apply(raw)
    if report.written:
        default_storage.delete(name)
    return report
