"""Rehearse this checkout's migrations on a copy of an older demo database.

    python scripts/migration_rehearsal.py [--before REV] [--database sqlite|postgres]

1. Checks REV out beside this checkout (a git worktree), and with this virtualenv's Python
   migrates a fresh database and loads the demo world there (`seed_demo`), then sends the
   demo's mail the way that version did (its own `outbox_write` rows, through its services:
   a registration, a cancellation, a reminder sweep), so the outbox holds rows of every kind.
2. Copies that database (a file copy; `CREATE DATABASE … TEMPLATE` on PostgreSQL).
3. Runs this checkout's `migrate` on the copy.
4. Compares, row by row, the outbox, the registrations, the collaborations and their
   participants before and after (on the columns both versions have; outbox kinds through the
   renames of events 0006 and collaborations 0003), and prints the counts. Exits 1 on any
   difference.
"""

from __future__ import annotations

import argparse
import importlib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
TABLES = {
    "members_outbox": "outbox rows",
    "events_registration": "registrations",
    "collaborations_collaboration": "collaborations",
    "collaborations_participant": "collaboration participants",
}
PG = "postgres://postgres@127.0.0.1:5432/"

# What the older version sends, through its own services (run in its `manage.py shell`).
OLD_MAIL = """
from django.utils import timezone
from events import services
from events.models import Event, Registration
from members.models import User

event = Event.objects.filter(status="published", start__gt=timezone.now()).order_by("start").first()
people = list(User.objects.filter(is_staff=False).order_by("pk")[:3])
for user in people:
    if not Registration.objects.filter(event=event, user=user).exclude(status="cancelled").exists():
        services.event_register(event=event, user=user)
services.event_register(event=event, name="Guest Rehearsal", email="guest.rehearsal@example.test")
mine = Registration.objects.filter(event=event, user=people[0]).exclude(status="cancelled").first()
services.registration_cancel(registration=mine)
try:
    from events.reminders import reminder_sweep_run as sweep
except ImportError:
    from events.services.reminders import reminder_sweep_run as sweep  # after the reshuffle
sweep()
"""


def run(cmd: list[str], *, cwd: Path, env: dict) -> str:
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode:
        sys.exit(
            f"{' '.join(cmd[:4])} failed in {cwd}:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
        )
    return done.stdout


def environment(url: str, tmp: Path) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        DATABASE_URL=url,
        CELERY_BROKER_URL="filesystem://",
        CELERY_BROKER_DIR=str(tmp / "broker"),
        CELERY_TASK_ALWAYS_EAGER="0",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        LOG_LEVEL="WARNING",
        PYTHONPATH="",
    )
    return env


def rows(url: str) -> dict[str, dict[int, dict]]:
    """Every row of TABLES, by id, as {column: value}."""
    if url.startswith("sqlite:///"):
        db = sqlite3.connect(url.removeprefix("sqlite:///"))
        db.row_factory = sqlite3.Row
        found = {}
        for table in TABLES:
            found[table] = {r["id"]: dict(r) for r in db.execute(f"SELECT * FROM {table}")}  # noqa: S608
        db.close()
        return found
    import psycopg2
    import psycopg2.extras

    db = psycopg2.connect(url)
    found = {}
    with db.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cursor:
        for table in TABLES:
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608
            found[table] = {r["id"]: dict(r) for r in cursor.fetchall()}
    db.close()
    return found


def kind_renames() -> dict[str, str]:
    sys.path.insert(0, str(ROOT))
    renames = {}
    for module in (
        "events.migrations.0006_message_kind_keys",
        "collaborations.migrations.0003_message_kind_keys",
    ):
        renames.update(importlib.import_module(module).RENAMES)
    return renames


def compare(before: dict, after: dict, renames: dict[str, str]) -> list[str]:
    problems = []
    for table, label in TABLES.items():
        old, new = before[table], after[table]
        if set(old) != set(new):
            problems.append(
                f"{label}: ids lost {sorted(set(old) - set(new))[:5]}, "
                f"new {sorted(set(new) - set(old))[:5]}"
            )
            continue
        for pk, row in old.items():
            expected = dict(row)
            if table == "members_outbox":
                expected["kind"] = renames.get(row["kind"], row["kind"])
            changed = [c for c in expected if c in new[pk] and new[pk][c] != expected[c]]
            if changed:
                problems.append(f"{label} {pk}: {changed} changed")
                break
    return problems


def name_of(url: str) -> str:
    return url.rsplit("/", 1)[1]


def attempt(cmd: list[str], *, cwd: Path = ROOT) -> None:
    """Clean-up steps: run, and never stop for a failure."""
    subprocess.run(cmd, cwd=cwd, env=os.environ.copy(), capture_output=True, check=False)


def rehearse(before_rev: str, database: str, tmp: Path) -> tuple[dict, dict]:
    """The older demo database's rows, and the same rows after this checkout's migrations."""
    old_tree = tmp / "before"
    here = os.environ.copy()
    run(["git", "worktree", "add", "--detach", "-q", str(old_tree), before_rev], cwd=ROOT, env=here)
    if database == "sqlite":
        old_url, copy_url = f"sqlite:///{tmp / 'demo.sqlite3'}", f"sqlite:///{tmp / 'copy.sqlite3'}"
    else:
        old_url, copy_url = (f"{PG}bc_rehearsal_{which}_{os.getpid()}" for which in ("old", "copy"))
    try:
        if database == "postgres":
            run(
                ["createdb", "-h", "127.0.0.1", "-U", "postgres", name_of(old_url)],
                cwd=tmp,
                env=here,
            )
        old_env = environment(old_url, tmp)
        run([PYTHON, "manage.py", "migrate", "--noinput"], cwd=old_tree, env=old_env)
        run([PYTHON, "manage.py", "seed_demo"], cwd=old_tree, env=old_env)
        run([PYTHON, "manage.py", "shell", "-c", OLD_MAIL], cwd=old_tree, env=old_env)
        before = rows(old_url)
        if database == "sqlite":
            shutil.copy(tmp / "demo.sqlite3", tmp / "copy.sqlite3")
        else:
            copy = f"CREATE DATABASE {name_of(copy_url)} TEMPLATE {name_of(old_url)}"
            run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-c", copy], cwd=tmp, env=here)
        migrate = [PYTHON, "manage.py", "migrate", "--noinput"]
        print(run(migrate, cwd=ROOT, env=environment(copy_url, tmp)).strip())
        return before, rows(copy_url)
    finally:
        attempt(["git", "worktree", "remove", "--force", str(old_tree)])
        if database == "postgres":
            for url in (old_url, copy_url):
                attempt(
                    ["dropdb", "--if-exists", "-h", "127.0.0.1", "-U", "postgres", name_of(url)]
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", default="18e8e92")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="rehearsal-"))
    try:
        before, after = rehearse(args.before, args.database, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    kinds = sorted({r["kind"] for r in before["members_outbox"].values()})
    print(f"{args.database}: demo database of {args.before}, migrated by this checkout")
    for table, label in TABLES.items():
        print(f"  {label}: {len(before[table])} before, {len(after[table])} after")
    print(f"  outbox kinds before: {', '.join(kinds)}")
    problems = compare(before, after, kind_renames())
    for problem in problems:
        print("  DIFFERENT: " + problem)
    print("  every row kept, field for field" if not problems else f"  {len(problems)} differences")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
