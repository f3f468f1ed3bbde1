"""The folder of a `filemail://` EMAIL_URL (betacowork/settings/mail.py). Standard library
only: settings import it before Django is set up."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit


def filemail_path(url: str, *, base_dir: Path, default: Path) -> str:
    """`filemail:///srv/mail` is /srv/mail, `filemail://var/mail` is var/mail in `base_dir`
    (whatever directory the process started in), and a bare `filemail://` is `default`.
    django-environ drops the leading slash of the path (/srv/mail would become srv/mail,
    under the current directory), and the first segment of a relative one (var/mail would
    become mail): the URL is read here instead."""
    parts = urlsplit(url)
    path = unquote(parts.netloc + parts.path)
    if not path.strip("/"):
        return str(default)
    if path.startswith("/"):
        return "/" + path.lstrip("/")
    return str(base_dir / path)
