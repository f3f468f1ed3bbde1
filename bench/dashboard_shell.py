"""The scripts bench/dashboard.py runs in `manage.py shell` (formatted there): filling the
benchmark database, and timing the dashboard in-process."""

POPULATE = r"""
import random
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import transaction
from django.utils import timezone

from collaborations.models import Collaboration, Participant
from events.models import Event, EventKind
from members.demo import GENERATED_DOMAIN, _seed_core, generated_members_create, new_world
from members.models import Company, Space, User

MEMBERS, COLLABS = {members}, {collabs}
world = new_world(members=MEMBERS, log=lambda line: None)
if not Space.objects.exists():
    _seed_core(world)
made = generated_members_create(world, MEMBERS)
spaces = list(Space.objects.order_by("pk"))
kinds = {{k.slug: k for k in EventKind.objects.all()}}
now = timezone.now()
events = []
for n in range(60):
    kind = ["betacooks", "betacooks", "speed-networking", "talk", "it-day", "workshop"][n % 6]
    start = now - timedelta(days=7 + 30 * n)
    event, _ = Event.objects.get_or_create(
        slug=f"bench-event-{{n}}",
        defaults=dict(
            title=f"{{kinds[kind].name_en}} #{{n}}", kind=kinds[kind], start=start,
            end=start + timedelta(hours=2), space=spaces[n % len(spaces)],
            status="published", visibility="public",
        ),
    )
    events.append(event)
have = Collaboration.objects.count()
if have < COLLABS:
    rng = random.Random(777)
    users = list(
        User.objects.filter(email__endswith="@" + GENERATED_DOMAIN)
        .order_by("pk").values_list("pk", "name")
    )
    companies = list(Company.objects.values_list("pk", "name"))
    kind_values = [k for k, _ in Collaboration.Kind.choices]
    roles = [r for r, _ in Participant.Role.choices]
    with transaction.atomic():
        rows, plan = [], []
        for i in range(have, COLLABS):
            author = rng.choice(users)
            roll = rng.random()
            origin, event, introducer = "space", None, None
            if roll < 0.4:
                origin, event = "event", rng.choice(events)
            elif roll < 0.6:
                origin, introducer = "introduction", rng.choice(users)[0]
            elif roll < 0.7:
                origin = "other"
            confirmed = rng.random() < 0.9
            rows.append(Collaboration(
                title=f"Bench collaboration {{i}}", kind=rng.choice(kind_values),
                start_date=date(rng.randint(2015, 2026), rng.randint(1, 10), rng.randint(1, 28)),
                value_eur=Decimal(rng.choice([0, 500, 1500, 4000, 12000, 60000]))
                if rng.random() < 0.7 else None,
                origin_type=origin, origin_event=event, introduced_by_id=introducer,
                space=event.space if event else spaces[0], chapter=None,
                visibility=rng.choice(["public", "public", "members", "participants"]),
                status="confirmed" if confirmed else "proposed",
                confirmed_at=now if confirmed else None,
                author_id=author[0], author_name=author[1],
            ))
            others = rng.sample(users, rng.choice([1, 1, 2, 3]))
            company = rng.choice(companies) if rng.random() < 0.2 else None
            plan.append((author, others, company, confirmed))
        Collaboration.objects.bulk_create(rows, batch_size=1000)
        parts = []
        for collab, (author, others, company, confirmed) in zip(rows, plan):
            state = "confirmed" if confirmed else "pending"
            parts.append(Participant(collaboration=collab, user_id=author[0], name=author[1],
                                     role=rng.choice(roles), state="confirmed", confirmed_at=now))
            for uid, name in others:
                if uid == author[0]:
                    continue
                parts.append(Participant(collaboration=collab, user_id=uid, name=name,
                                         role=rng.choice(roles), state=state,
                                         confirmed_at=now if confirmed else None))
            if company:
                parts.append(Participant(collaboration=collab, company_id=company[0],
                                         name=company[1], role="client", state=state,
                                         confirmed_at=now if confirmed else None))
        Participant.objects.bulk_create(parts, batch_size=2000)
from django.db import connection
from collaborations.services import summary_rebuild
summary_rebuild()  # bulk inserts bypass the services: recount the dashboard's tallies
with connection.cursor() as cursor:
    cursor.execute("ANALYZE")  # fresh planner statistics after the bulk inserts
viewer = User.objects.get(email="member00042@" + GENERATED_DOMAIN)
session = SessionStore()
session[SESSION_KEY] = str(viewer.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = viewer.get_session_auth_hash()
session.create()
print("MEMBERS", User.objects.filter(email__endswith="@" + GENERATED_DOMAIN).count())
print("COLLABS", Collaboration.objects.count(), Collaboration.objects.confirmed().count())
print("PARTICIPANTS", Participant.objects.count())
print("SESSION", session.session_key)
"""

QUERIES = r"""
import sys, time, types
from django.db import connection
from django.test.utils import CaptureQueriesContext
from collaborations.selectors import MEMBER, PUBLIC, dashboard_compute

# The dashboard of an older commit (aggregating the ledger), loaded beside ours.
before = types.ModuleType("collaborations._selectors_before")
before.__package__ = "collaborations"
sys.modules[before.__name__] = before  # dataclasses look their module up
exec(compile({before_source!r}, "collaborations/_selectors_before.py", "exec"), before.__dict__)
versions = {{"now": dashboard_compute, "before": before.dashboard_compute}}

def median(values):
    return sorted(values)[len(values) // 2]

# In-process, before any HTTP: one uncached computation, both versions alternating.
for name, audience in (("public", PUBLIC), ("member", MEMBER)):
    walls = {{v: [] for v in versions}}
    sqls = {{v: [] for v in versions}}
    counts, same = {{}}, []
    for fn in versions.values():
        fn(audience)
    for _ in range(15):
        results = {{}}
        for version, fn in versions.items():
            with CaptureQueriesContext(connection) as ctx:
                t = time.perf_counter()
                results[version] = fn(audience)
                walls[version].append((time.perf_counter() - t) * 1000)
            sqls[version].append(sum(float(q["time"]) for q in ctx.captured_queries) * 1000)
            counts[version] = len(ctx.captured_queries)
        same.append(all(
            results["now"][k] == results["before"][k]
            for k in ("total", "volume", "members", "companies", "from_events")
        ))
    data = results["now"]
    print(f"QUERIES {{name}}: {{len(data['graph']['nodes'])}} graph nodes, "
          f"{{len(data['graph']['edges'])}} edges, same totals as before: {{all(same)}}")
    for version in versions:
        print(f"    dashboard_compute {{version:<6}} {{counts[version]:2d}} queries, median "
              f"{{median(walls[version]):6.1f}} ms (SQL ~{{median(sqls[version]):.1f}} ms)")
    print(f"    before / now: {{median(walls['before']) / median(walls['now']):.1f}}x")

# The page itself, in-process: drawn from the tallies (no snapshot kept) and read from the
# stored snapshot, alternating (the shared cache is off in this shell).
from django.test import Client
from collaborations.models import DashboardSnapshot
client = Client(HTTP_HOST="127.0.0.1")
for _ in range(3):
    assert client.get("/collaborations/dashboard/").status_code == 200
walls = {{"drawn": [], "stored": []}}
queries = {{}}
for _ in range(15):
    for kind in ("drawn", "stored"):
        if kind == "drawn":
            DashboardSnapshot.objects.all().delete()
        with CaptureQueriesContext(connection) as ctx:
            t = time.perf_counter()
            assert client.get("/collaborations/dashboard/").status_code == 200
            walls[kind].append((time.perf_counter() - t) * 1000)
        queries[kind] = len(ctx.captured_queries)
for kind in walls:
    print(f"PAGE anonymous, {{kind:<6}} {{queries[kind]:2d}} queries, median "
          f"{{median(walls[kind]):6.1f}} ms")
"""
