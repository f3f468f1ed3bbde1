"""Late changes to a speed-networking plan: someone arrives after the start, or leaves before
the end. Earlier rounds stay put and, in each round to come, one other person moves at most;
the newcomer (or a partner left alone) takes the seat that costs least while keeping tables
balanced (`_reseat`)."""

from __future__ import annotations

from .planner import Plan, PlanError, PlanRequest, _costs, _finish, _seated
from .tables import REPEAT, Session, key, rank, table_sizes

RELOCATE_PEOPLE = 80  # moving someone else is tried up to this room size (n x tables options)


def remove_person(plan: Plan, person: int, *, from_round: int, request: PlanRequest) -> Plan:
    """`person` leaves before round `from_round` (1-based): they vanish from that round on.
    A partner left alone takes the seat that costs least while keeping tables balanced (joins
    a table, or pairs with someone from a trio, or — to avoid a repeat or a colleague — takes
    the seat of someone who moves to another table: `_reseat`); earlier rounds stay put.
    from_round = len(plan.rounds) + 1 (nothing left to play) changes nothing."""

    def seat(relocate: bool) -> tuple[Session, int]:
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
                _reseat(session, r, orphan, request.table_size, relocate=relocate)
            session.compact(r)
        return session, start

    return _better(seat, request)


def add_person(plan: Plan, person: int, *, from_round: int, request: PlanRequest) -> Plan:
    """Late arrival: `person` is seated in every round from `from_round` (1-based) on, where
    it costs least while keeping tables balanced (joins a table, e.g. a pair → trio, or pairs
    with someone taken from a trio, or takes the seat of someone who moves: `_reseat`); one
    other person moves at most per round, and earlier rounds stay put."""

    def seat(relocate: bool) -> tuple[Session, int]:
        session, start = _editable(plan, from_round, request, person)
        if any(person in session.seat[r] for r in range(start, len(session.rounds))):
            raise PlanError("already_seated", f"{person} is already seated.")
        for r in range(start, len(session.rounds)):
            _reseat(session, r, person, request.table_size, relocate=relocate)
        return session, start

    return _better(seat, request)


def _better(seat, request: PlanRequest) -> Plan:
    """The late change `seat(relocate=False)`; when it seats colleagues together or repeats a
    meeting, also `seat(relocate=True)`, and the better of the two (fewer colleague meetings,
    then fewer repeats, then lower cost). Each round is seated on its own, so moving someone
    to spare a repeat in one round may cost one in a later round: hence both."""
    session, start = seat(False)
    if session.first_free < len(session.rounds):
        colleagues, repeats, _ = rank(session)
        played = Session(session.costs, session.rounds[: session.first_free], 0)
        if colleagues or repeats > rank(played)[1]:
            other, _ = seat(True)
            if rank(other) < rank(session):
                session = other
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


def _reseat(session: Session, r: int, person: int, k: int, *, relocate: bool) -> None:
    """Seat an unseated `person` in round r: join a table, or take someone from a table of 3+
    to form a new pair. Chosen by fewest colleague meetings, then table sizes closest to the
    ideal ones, then least cost. With `relocate`, when every such seat sits them with a
    colleague or someone they meet in another round, they may also take the seat of someone
    who moves to another table (the sizes of joining that table): one more person moves, so
    that nobody meets twice (QA: a partner left alone was re-seated with someone they sat
    with in a later round, a seat without a repeat existed). Rooms of up to RELOCATE_PEOPLE
    only: people x tables options, and larger rooms have seats enough."""
    tables = session.rounds[r]
    sizes = {i: len(t) for i, t in enumerate(tables) if t}
    ideal = table_sizes(sum(sizes.values()) + 1, k)
    options = []
    for i in sizes:
        grown = [s + (j == i) for j, s in sizes.items()]
        options.append((session.join_changes(r, person, i), grown, i, person, None))
        if sizes[i] >= 3:
            shrunk = [*(s - (j == i) for j, s in sizes.items()), 2]
            for m in tables[i]:
                changes = [(key(m, y), r, -1) for y in tables[i] if y != m]
                options.append(([*changes, (key(m, person), r, 1)], shrunk, i, m, None))

    def order(option: tuple) -> tuple[int, int, int, int, int, int]:
        changes, new_sizes, i, m, j = option
        clash = sum(sign for pair, _, sign in changes if session.costs.colleagues(*pair))
        return (
            clash,
            _imbalance(new_sizes, ideal),
            session.delta(changes),
            i,
            m,
            -1 if j is None else j,
        )

    best = min(options, key=order)
    chosen = order(best)
    if (
        relocate
        and (chosen[0] > 0 or chosen[2] >= REPEAT)
        and len(session.seat[r]) <= RELOCATE_PEOPLE
    ):
        for i in sizes:
            for m in tables[i]:
                out = [(key(m, y), r, -1) for y in tables[i] if y != m]
                out += [(key(person, y), r, 1) for y in tables[i] if y != m]
                for j in sizes:
                    if j != i:
                        grown = [s + (x == j) for x, s in sizes.items()]
                        moved = [*out, *((key(m, z), r, 1) for z in tables[j])]
                        options.append((moved, grown, i, m, j))
        best = min(options, key=order)
    _, _, i, m, j = best
    if j is not None:  # `person` takes m's seat at table i, m joins table j
        session.leave(r, m)
        session.join(r, person, i)
        session.join(r, m, j)
        return
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
