"""Late changes to a speed-networking plan: someone arrives after the start, or leaves before
the end. Earlier rounds stay put and nobody else moves; the newcomer (or a partner left
alone) takes the seat that costs least while keeping tables balanced."""

from __future__ import annotations

from .planner import Plan, PlanError, PlanRequest, _costs, _finish, _seated
from .tables import Session, key, table_sizes


def remove_person(plan: Plan, person: int, *, from_round: int, request: PlanRequest) -> Plan:
    """`person` leaves before round `from_round` (1-based): they vanish from that round on.
    A partner left alone takes the seat that costs least while keeping tables balanced (joins
    a table, or pairs with someone from a trio); other seats and earlier rounds stay put.
    from_round = len(plan.rounds) + 1 (nothing left to play) changes nothing."""
    session, start = _editable(plan, from_round, request, person)
    remaining = range(start, len(session.rounds))
    if remaining and not any(person in session.seat[r] for r in remaining):
        raise PlanError("not_seated", f"{person} is not seated after round {from_round - 1}.")
    for r in remaining:
        if person not in session.seat[r]:
            continue
        if len(session.seat[r]) <= 2:
            raise PlanError("too_few_people", "Fewer than 2 people would remain.", count=1)
        table = session.rounds[r][session.seat[r][person]]
        session.leave(r, person)
        if len(table) == 1:
            orphan = table[0]
            session.leave(r, orphan)
            _reseat(session, r, orphan, request.table_size)
        session.compact(r)
    return _finish(session.rounds, request, start, ordered=False)


def add_person(plan: Plan, person: int, *, from_round: int, request: PlanRequest) -> Plan:
    """Late arrival: `person` is seated in every round from `from_round` (1-based) on, where
    it costs least while keeping tables balanced (joins a table, e.g. a pair → trio, or pairs
    with someone taken from a trio); nobody else moves and earlier rounds stay put."""
    session, start = _editable(plan, from_round, request, person)
    if any(person in session.seat[r] for r in range(start, len(session.rounds))):
        raise PlanError("already_seated", f"{person} is already seated.")
    for r in range(start, len(session.rounds)):
        _reseat(session, r, person, request.table_size)
    return _finish(session.rounds, request, start, ordered=False)


def _editable(
    plan: Plan, from_round: int, request: PlanRequest, person: int
) -> tuple[Session, int]:
    """A session over a copy of `plan` whose rounds from `from_round` (1-based) may change."""
    total = len(plan.rounds)
    if not 1 <= from_round <= total + 1:
        raise PlanError(
            "bad_from_round", f"Round {from_round} is not in 1..{total + 1}.", rounds=total
        )
    rounds = [[list(t) for t in rnd] for rnd in plan.rounds]
    present = _seated(rounds) | set(request.people) | {person}
    return Session(_costs(request, present, total), rounds, from_round - 1), from_round - 1


def _reseat(session: Session, r: int, person: int, k: int) -> None:
    """Seat an unseated `person` in round r: join a table, or take someone from a table of 3+
    to form a new pair. Chosen by fewest colleague meetings, then table sizes closest to the
    ideal ones, then least cost."""
    tables = session.rounds[r]
    sizes = {i: len(t) for i, t in enumerate(tables) if t}
    ideal = table_sizes(sum(sizes.values()) + 1, k)
    options = []
    for i in sizes:
        grown = [s + (j == i) for j, s in sizes.items()]
        options.append((session.join_changes(r, person, i), grown, i, person))
        if sizes[i] >= 3:
            shrunk = [*(s - (j == i) for j, s in sizes.items()), 2]
            for m in tables[i]:
                changes = [(key(m, y), r, -1) for y in tables[i] if y != m]
                options.append(([*changes, (key(m, person), r, 1)], shrunk, i, m))

    def rank(option: tuple) -> tuple[int, int, int, int, int]:
        changes, new_sizes, i, m = option
        clash = sum(sign for pair, _, sign in changes if session.costs.colleagues(*pair))
        return clash, _imbalance(new_sizes, ideal), session.delta(changes), i, m

    _, _, i, m = min(options, key=rank)
    if m == person:
        session.join(r, person, i)
        return
    session.leave(r, m)
    tables.append([])
    session.join(r, person, len(tables) - 1)
    session.join(r, m, len(tables) - 1)


def _imbalance(sizes: list[int], ideal: list[int]) -> int:
    """How far table sizes are from the ideal ones (sorted, padded with zeros, L1 distance)."""
    a, b = sorted(sizes, reverse=True), sorted(ideal, reverse=True)
    width = max(len(a), len(b))
    return sum(
        abs(x - y)
        for x, y in zip(a + [0] * (width - len(a)), b + [0] * (width - len(b)), strict=True)
    )
