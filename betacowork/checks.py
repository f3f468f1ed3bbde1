"""The project's own system checks (`manage.py check`); members' AppConfig.ready() imports
this module, which registers them.

- `betacowork.E001` (deploy): the static files storage is a manifest storage (whitenoise's,
  the production default: `STORAGES` in betacowork/settings/base.py) and STATIC_ROOT holds no
  manifest — `collectstatic` never ran. With DEBUG off every page that names a static file would
  answer 500 ("Missing staticfiles manifest entry").
- `betacowork.E002` (deploy): the manifest is there but older than the code: files the site
  ships are missing from it (`collectstatic` did not run after the last release), and the
  pages naming them would answer 500 in the same way.
"""

from __future__ import annotations

import json

from django.apps import apps
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.checks import Error, Tags, register
from django.core.files.storage import storages

HINT = (
    "Run `manage.py collectstatic --noinput` with the production settings (the same "
    "STATIC_ROOT) before starting the site; the Dockerfile does it when the image is built."
)


def _shipped_files() -> set[str]:
    """The static files collectstatic would copy (its default ignore patterns)."""
    ignore = apps.get_app_config("staticfiles").ignore_patterns
    return {path for finder in finders.get_finders() for path, _storage in finder.list(ignore)}


@register(Tags.staticfiles, deploy=True)
def static_manifest_check(app_configs, **kwargs) -> list[Error]:
    storage = storages["staticfiles"]
    if not isinstance(storage, ManifestFilesMixin):
        return []  # files are served as they are (DEBUG, tests): nothing to collect first
    where = storage.manifest_storage.path(storage.manifest_name)
    if not storage.manifest_storage.exists(storage.manifest_name):
        return [
            Error(
                f"The static files were not collected: {where} is missing. With DEBUG off, "
                "every page that loads a stylesheet, script or image answers 500.",
                hint=HINT,
                id="betacowork.E001",
            )
        ]
    try:
        with storage.manifest_storage.open(storage.manifest_name) as manifest:
            paths = json.load(manifest).get("paths", {})
    except (OSError, ValueError, AttributeError):
        paths = {}
    missing = sorted(_shipped_files() - set(paths))
    if missing:
        shown = ", ".join(missing[:5]) + (", …" if len(missing) > 5 else "")
        return [
            Error(
                f"The collected static files are older than the code: {len(missing)} "
                f"file(s) are not in {where} ({shown}). The pages that load them answer 500.",
                hint=HINT,
                id="betacowork.E002",
            )
        ]
    return []
