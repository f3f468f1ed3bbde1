"""
Betacowork settings: one package, configured by the environment only; a module per concern
(base, accounts, mail, services, api), all read here.

Every variable is documented in `.env.example` and in the README. With no environment at all
the site runs on the *embedded default*: SQLite (WAL, IMMEDIATE transactions), a Celery broker
on the filesystem (no server needed), console email, DEBUG on.

Django settings reference: https://docs.djangoproject.com/en/5.2/ref/settings/
"""

from .accounts import *  # noqa: F403 - authentication, passwords, login and guest rate limits
from .api import *  # noqa: F403 - the JSON API
from .base import *  # noqa: F403 - the environment, the site, database, apps, static, security
from .mail import *  # noqa: F403 - email transport, the outbox's sending, the sweeps' periods
from .services import *  # noqa: F403 - cache, Celery, logging
