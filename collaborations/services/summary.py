"""Keeping the dashboard's tallies (`DashboardTally`) equal to the ledger, change by change.

Every service that can move a figure wraps its change in `summary_tracking(ids)`, inside its
transaction and after locking the collaboration: on entry the collaborations' current
contribution to the tallies is read and subtracted, on exit the new one is read and added,
both in one upsert whose increments are relative (`n = n + excluded.n`), so two transactions
changing the same tally — two confirmations at once — both count: the second waits for the
first's row lock and adds to what it committed. The rows of one upsert are sorted by key, so
concurrent upserts lock them in the same order and cannot deadlock each other.

Changes made outside the services are caught by signals (`connect_signals()`): a
collaboration saved or deleted directly (the admin), and a member, company, event, space or
chapter deleted (their ids become NULL in the ledger). Bulk writes that bypass both (the demo
seeder, benchmark fillers) call `summary_rebuild()`, which recomputes every tally from the
ledger; so does `manage.py dashboard_summary_rebuild`.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections import defaultdict
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save

from ..models import Collaboration, DashboardTally, Participant, organisation_key
from ..models.summary import KEY_FIELDS
from .snapshot import dashboard_invalidate

D = DashboardTally.Dimension
Key = tuple  # the values of KEY_FIELDS, in order
Counts = list  # [n, valued, volume_cents]

COLLAB_FIELDS = (
    "pk",
    "start_date",
    "kind",
    "origin_type",
    "origin_event_id",
    "introduced_by_id",
    "space_id",
    "chapter_id",
    "visibility",
    "value_eur",
)
PARTY_FIELDS = ("collaboration_id", "user_id", "company_id", "organisation", "former_member")
CHUNK = 2000
ORGANISATION_KEY_LENGTH = DashboardTally._meta.get_field("organisation").max_length

# Collaborations whose contribution was subtracted and is not yet added back (per thread).
_tracked: contextvars.ContextVar[frozenset[int]] = contextvars.ContextVar(
    "collab_summary_tracked", default=frozenset()
)
_pending: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "collab_summary_pending", default=None
)


_UNUSED = {f: "" if f in ("kind", "origin_type", "organisation") else 0 for f in KEY_FIELDS[1:]}


def _key(dimension: str, **values) -> Key:
    """A tally's key: the given values, 0 or "" for the columns the dimension leaves unused."""
    return (dimension, *(values.get(f) or _UNUSED[f] for f in KEY_FIELDS[1:]))


def _cents(value: Decimal | None) -> int:
    return int((value or Decimal(0)) * 100)


def contribution(collab: dict, parties: Iterable[dict]) -> dict[Key, Counts]:
    """What one confirmed collaboration (a `COLLAB_FIELDS` dict) and its participant rows (
    `PARTY_FIELDS` dicts) add to the tallies."""
    out: dict[Key, Counts] = defaultdict(lambda: [0, 0, 0])
    value = collab["value_eur"]
    keys = [
        _key(D.YEAR, year=collab["start_date"].year),
        _key(D.KIND, kind=collab["kind"]),
        _key(D.ORIGIN, origin_type=collab["origin_type"], event_id=collab["origin_event_id"]),
        _key(D.PLACE, space_id=collab["space_id"], chapter_id=collab["chapter_id"]),
    ]
    if collab["introduced_by_id"]:
        keys.append(_key(D.INTRODUCER, user_id=collab["introduced_by_id"]))
    for key in keys:
        counts = out[key]
        counts[0] += 1
        counts[1] += value is not None
        counts[2] += _cents(value)
    party_dims = {
        Collaboration.Visibility.PUBLIC: (D.PARTY_PUBLIC, D.PARTY_MEMBERS),
        Collaboration.Visibility.MEMBERS: (D.PARTY_MEMBERS,),
    }.get(collab["visibility"], ())
    for p in parties:
        if p["user_id"]:
            out[_key(D.MEMBER, user_id=p["user_id"])][0] += 1
        if p["company_id"]:
            out[_key(D.COMPANY, company_id=p["company_id"])][0] += 1
        elif p["organisation"] and not p["user_id"]:
            # Outside organisations by name: "Acme" and " acme" are one organisation.
            name = organisation_key(p["organisation"])[:ORGANISATION_KEY_LENGTH]
            out[_key(D.ORGANISATION, organisation=name)][0] += 1
        if not (p["user_id"] or p["company_id"] or p["organisation"]):
            continue  # nobody left to name (a deleted account): never a node
        if p.get("former_member"):
            # A former member's row is never a node, not even the company they took part for:
            # that company's page opens through them only to those who may read their kept
            # name (the collaboration's parties and staff, `integration.companies_as_parties`),
            # and the graph is the same for every member. A company known through them alone
            # would be a name linked to a 404; one known otherwise is linked by its own rows.
            continue
        for dimension in party_dims:
            party = _key(
                dimension,
                user_id=p["user_id"],
                company_id=p["company_id"],
                organisation=p["organisation"],
            )
            out[party][0] += 1
    return out


def contributions(collab_ids: Iterable[int] | None = None, *, models=None) -> dict[Key, Counts]:
    """The summed contribution of these collaborations (all when None) as the database holds
    them now; two queries per CHUNK confirmed collaborations. `models`: the (Collaboration,
    Participant) classes to read through (a migration passes its historical ones)."""
    collaboration_model, participant_model = models or (Collaboration, Participant)
    # A historical Participant may predate `former_member` (migration 0002): nobody's former.
    known = {f.attname for f in participant_model._meta.concrete_fields}
    party_fields = [f for f in PARTY_FIELDS if f in known]
    confirmed = collaboration_model.objects.filter(status="confirmed").order_by("pk")
    if collab_ids is not None:
        ids = sorted(set(collab_ids))
        if not ids:
            return {}
        confirmed = confirmed.filter(pk__in=ids)
    total: dict[Key, Counts] = defaultdict(lambda: [0, 0, 0])
    last = 0
    while True:
        collabs = list(confirmed.filter(pk__gt=last).values(*COLLAB_FIELDS)[:CHUNK])
        if not collabs:
            break
        last = collabs[-1]["pk"]
        parties = defaultdict(list)
        rows = participant_model.objects.filter(collaboration_id__in=[c["pk"] for c in collabs])
        for row in rows.order_by().values(*party_fields):
            parties[row["collaboration_id"]].append(row)
        for collab in collabs:
            for key, counts in contribution(collab, parties[collab["pk"]]).items():
                for i, value in enumerate(counts):
                    total[key][i] += value
        if len(collabs) < CHUNK:
            break
    return total


def tally_apply(delta: dict[Key, Counts]) -> int:
    """Add `delta` to the tallies: one upsert with relative increments, rows in key order;
    the dashboard's snapshots are stale once it commits."""
    rows = sorted((key, counts) for key, counts in delta.items() if any(counts))
    if not rows:
        return 0
    quote = connection.ops.quote_name
    table = quote(DashboardTally._meta.db_table)
    keys = ", ".join(quote(f) for f in KEY_FIELDS)
    width = len(KEY_FIELDS) + 3
    values = ", ".join(["(" + ", ".join(["%s"] * width) + ")"] * len(rows))
    params = [value for key, counts in rows for value in (*key, *counts)]
    sets = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in ("n", "valued", "volume_cents"))
    sql = (
        f"INSERT INTO {table} ({keys}, n, valued, volume_cents) VALUES {values} "  # noqa: S608
        f"ON CONFLICT ({keys}) DO UPDATE SET {sets}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    dashboard_invalidate()
    return len(rows)


def _difference(after: dict[Key, Counts], before: dict[Key, Counts]) -> dict[Key, Counts]:
    delta = {key: list(counts) for key, counts in after.items()}
    for key, counts in before.items():
        row = delta.setdefault(key, [0, 0, 0])
        for i, value in enumerate(counts):
            row[i] -= value
    return delta


def _begin(collab_ids: Iterable[int], *, atomic: bool = True) -> tuple[set[int], dict]:
    if atomic and not transaction.get_connection().in_atomic_block:
        raise RuntimeError("The dashboard summary changes only inside a transaction.")
    ids = {int(pk) for pk in collab_ids if pk} - _tracked.get()
    before = contributions(ids) if ids else {}
    _tracked.set(_tracked.get() | ids)
    return ids, before


def _end(ids: set[int], before: dict[Key, Counts]) -> None:
    _tracked.set(_tracked.get() - ids)
    if ids:
        tally_apply(_difference(contributions(ids), before))


@contextlib.contextmanager
def summary_tracking(collab_ids: Iterable[int]) -> Iterator[None]:
    """Keep the tallies right across a change of these collaborations (in a transaction).

    Nested blocks, and signals fired inside the block, leave ids already tracked alone.
    """
    ids, before = _begin(collab_ids)
    try:
        yield
    except BaseException:
        _tracked.set(_tracked.get() - ids)  # the transaction rolls the tallies back too
        raise
    _end(ids, before)


@transaction.atomic
def summary_rebuild() -> int:
    """Recompute every tally from the ledger (after bulk writes); the number of rows."""
    DashboardTally.objects.all().delete()
    dashboard_invalidate()  # even when the ledger is now empty and nothing is added back
    return tally_apply(contributions())


# ---------------------------------------------------------------------------------------------
# Changes made outside the services


def _affected(sender, pk) -> set[int]:
    """Confirmed collaborations whose tallies change when this row is saved or deleted.

    For a deleted event, place, company or member, the collaborations pointing at it are
    locked first (whatever their status, in pk order), then read: one being confirmed at
    this moment is read once its answer is committed. Read without the lock, it was still
    "proposed", its contribution was not subtracted, the confirmation added it under the
    id this deletion then sets to NULL, and the tallies no longer equalled a recount."""
    from events.models import Event
    from members.models import Chapter, Company, Space, User

    if sender is Collaboration:
        return {pk}
    parties = Participant.objects.order_by()
    condition = {
        Event: Q(origin_event_id=pk),
        Space: Q(space_id=pk),
        Chapter: Q(chapter_id=pk),
        Company: Q(pk__in=parties.filter(company_id=pk).values("collaboration_id")),
        User: Q(introduced_by_id=pk)
        | Q(pk__in=parties.filter(user_id=pk).values("collaboration_id")),
    }[sender]
    pointing = Collaboration.objects.filter(condition).order_by("pk")
    if transaction.get_connection().in_atomic_block:  # a deletion: always (Collector.delete)
        ids = list(pointing.select_for_update().values_list("pk", flat=True))
        pointing = Collaboration.objects.filter(pk__in=ids)  # read again, after the wait
    return set(pointing.filter(status=Collaboration.Status.CONFIRMED).values_list("pk", flat=True))


def _before_change(sender, instance, **kwargs) -> None:
    if instance.pk is None:
        return
    ids = _affected(sender, instance.pk) - _tracked.get()
    if not ids:
        return
    pending = _pending.get()
    if pending is None:
        pending = {}
        _pending.set(pending)
    # A save outside any transaction (autocommit) is still counted, without the atomicity.
    pending[(sender, instance.pk)] = _begin(ids, atomic=False)


def _after_change(sender, instance, created=False, **kwargs) -> None:
    pending = _pending.get() or {}
    state = pending.pop((sender, instance.pk), None)
    if state is not None:
        _end(*state)
    elif created and sender is Collaboration and instance.status == Collaboration.Status.CONFIRMED:
        tally_apply(contributions([instance.pk]))  # e.g. created confirmed by a seeder


def connect_signals() -> None:
    from events.models import Event
    from members.models import Chapter, Company, Space, User

    pre_save.connect(_before_change, sender=Collaboration, dispatch_uid="collab-summary-pre")
    post_save.connect(_after_change, sender=Collaboration, dispatch_uid="collab-summary-post")
    for model in (Collaboration, Event, Space, Chapter, Company, User):
        uid = f"collab-summary-{model._meta.label_lower}"
        pre_delete.connect(_before_change, sender=model, dispatch_uid=f"{uid}-pre")
        post_delete.connect(_after_change, sender=model, dispatch_uid=f"{uid}-post")
