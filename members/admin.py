"""members' admin: people, companies, spaces, chapters and the members CSV import/export
(members/admin_directory.py), the vocabulary (members/admin_vocabulary.py). The delivery log
(the outbox) is betacowork/messaging/admin.py."""

from . import admin_directory, admin_vocabulary  # noqa: F401
