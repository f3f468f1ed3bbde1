"""members' admin: accounts and the other doors to their rights, groups and email addresses
(members/admin_accounts.py); people, companies, spaces, chapters and the members CSV
import/export (members/admin_directory.py); the vocabulary (members/admin_vocabulary.py).
The delivery log (the outbox) is betacowork/messaging/admin.py."""

from . import admin_accounts, admin_directory, admin_vocabulary  # noqa: F401
