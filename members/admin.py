"""members' admin: people, companies, spaces, chapters, the vocabulary and the members CSV
import/export (members/admin_directory.py). The delivery log (the outbox) is
betacowork/messaging/admin.py."""

from . import admin_directory  # noqa: F401
