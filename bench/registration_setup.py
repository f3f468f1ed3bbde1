"""bench/registration.py's shared pieces: gunicorn models, the code trees (this one and an
older checkout) with their databases, Django set up in-process, events and their outcome."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# A copy of the repository without its own virtualenv (a "before" checkout) reuses ours.
BIN = ROOT / ".venv" / "bin" if (ROOT / ".venv").exists() else Path(sys.executable).parent
PY, GUNICORN = str(BIN / "python"), str(BIN / "gunicorn")
REFERENCE = "/bench/reference/"


@dataclass(frozen=True)
class Model:
    """A gunicorn worker model: `sync:4x1` is 4 sync workers, `gthread:2x8` 2 x 8 threads."""

    worker_class: str
    workers: int
    threads: int

    @classmethod
    def parse(cls, spec: str) -> Model:
        match = re.fullmatch(r"(sync|gthread):(\d+)x(\d+)", spec.strip())
        if not match:
            raise SystemExit(f"bad model {spec!r}: expected sync:4x1 or gthread:2x8")
        return cls(match[1], int(match[2]), int(match[3]))

    @property
    def label(self) -> str:
        return f"{self.worker_class} {self.workers}x{self.threads}"

    @property
    def key(self) -> str:
        return f"{self.worker_class}-{self.workers}x{self.threads}"


def load() -> str:
    return "load {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


# Database and Django ----------------------------------------------------------------------


@dataclass(frozen=True)
class Tree:
    """A copy of the code with its own database: "after" is this repository; "before" (with
    --before) an older checkout, served by its own gunicorn against its own database."""

    name: str
    root: Path
    env: dict
    alias: str


def prepare(args, trees: list[Tree]) -> None:
    """Recreate and migrate each tree's database, collect its static files, then set Django
    up in this process on this repository (the "before" database as the alias "before")."""
    host = args.pg.split("@")[-1].split(":")[0]
    pg = ["-h", host, "-p", args.pg.rsplit(":", 1)[-1], "-U", "postgres"]
    for tree in trees:
        database = tree.env["DATABASE_URL"].rsplit("/", 1)[-1]
        print(f"Database {database} ({tree.name}): recreating and migrating…", flush=True)
        subprocess.run(["dropdb", *pg, "--if-exists", database], check=True)
        subprocess.run(["createdb", *pg, database], check=True)
        for command in (["migrate"], ["collectstatic"]):
            subprocess.run(
                [PY, "manage.py", *command, "--noinput", "-v0"],
                env=tree.env,
                cwd=tree.root,
                check=True,
            )
    # Write the migrations' dirty pages back now: left to the kernel, the write-back lands
    # some 30 s later, in the middle of the measurements (every COMMIT waits behind it).
    os.sync()
    os.environ.update(trees[0].env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "betacowork.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connections

    for tree in trees[1:]:
        name = tree.env["DATABASE_URL"].rsplit("/", 1)[-1]
        connections.settings[tree.alias] = {**connections.settings["default"], "NAME": name}


def load_services(root: Path):
    """The `events/services` package of another checkout, loaded beside ours as
    `events._services_before` (its relative imports resolve in this repository's apps)."""
    import importlib.util

    package = root / "events" / "services"
    spec = importlib.util.spec_from_file_location(
        "events._services_before",
        package / "__init__.py",
        submodule_search_locations=[str(package)],
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def make_event(slug: str, capacity: int, using: str = "default"):
    """A published public event in three days, with `capacity` seats (replaces `slug`)."""
    from datetime import timedelta

    from django.utils import timezone

    from events.models import Event, EventKind
    from members.models import Space

    space, _ = Space.objects.using(using).get_or_create(
        slug="betacowork", defaults={"name": "Betacowork", "city": "Brussels"}
    )
    Event.objects.using(using).filter(slug=slug).delete()
    start = timezone.now() + timedelta(days=3)
    return Event.objects.using(using).create(
        title=f"Bench {slug}",
        slug=slug,
        kind=EventKind.objects.using(using).get(slug="betacooks"),
        start=start,
        end=start + timedelta(hours=1),
        space=space,
        capacity=capacity,
        status="published",
        visibility="public",
    )


def outcome(slug: str, using: str = "default") -> tuple[int, int, int, bool]:
    """Confirmed, waitlisted, outbox rows, and whether every confirmed seat was taken before
    every waitlisted one with the waitlist in arrival (pk) order."""
    from betacowork.messaging.models import Outbox
    from events.models import Event, Registration

    event = Event.objects.using(using).get(slug=slug)
    registrations = Registration.objects.using(using).filter(event=event)
    confirmed = list(registrations.confirmed().values_list("pk", flat=True))
    waitlist = list(registrations.waitlisted().order_by("pk").values_list("waitlisted_at", "pk"))
    in_order = waitlist == sorted(waitlist) and (
        not confirmed or not waitlist or max(confirmed) < waitlist[0][1]
    )
    rows = Outbox.objects.using(using).filter(topic=f"event:{event.pk}").count()
    return len(confirmed), len(waitlist), rows, in_order


# HTTP -------------------------------------------------------------------------------------


def released_together(target, count: int) -> float:
    """Run `target(k, barrier)` in `count` threads; each calls `barrier.wait()` once ready, and
    the clock starts when all are released. Returns the wall seconds until all are done."""
    barrier = threading.Barrier(count + 1)
    threads = [threading.Thread(target=target, args=(k, barrier)) for k in range(count)]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start
