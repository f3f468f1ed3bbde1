"""Speed-networking round planner: who sits with whom, round after round. Pure Python.
(Late arrivals and departures: late_changes.py.)

Algorithms
----------
* **Pairs, no constraints** (no history, colleagues, requests, matches or played rounds): the
  circle method (round-robin, Berger tables). An even n gets n - 1 rounds in which nobody
  meets anybody twice (then it cycles, which adds the minimum n/2 repeats per extra round).
  An odd n plays with a ghost; whoever faces the ghost joins the pair where that adds no
  repeat (the cheapest pair otherwise) → exactly one trio per round. The first R rounds of
  the schedule are repeat-free for R <= (n - 1)/2 when n >= 9 (1 for n <= 5, 2 for n = 7); for
  more rounds the matching planner below is tried too and the better plan kept.
* **Pairs otherwise** (pairs.py): round by round, a cheapest set of pairs (costs:
  tables.Costs). Only wished-for pairs can cost less than nothing, so a round first takes a
  maximum-weight matching of the wished-for pairs alone (Edmonds' blossom, per connected
  component), then pairs everybody else with someone they cost nothing with (no history, no
  wish, not met tonight, not a colleague); no round can be cheaper, and it takes milliseconds
  even for 1,000 people (12 rounds of pairs for 1,000 in about a second, see
  bench/speed_networking.py). When that second step fails (small rooms, dense history, many
  colleagues), the round is a maximum-weight matching of everybody
  (``networkx.max_weight_matching(G, maxcardinality=True)``, weights BIG - cost; colleague and
  repeat edges stay in with their huge costs: among maximum-cardinality matchings that is the
  same as trying without them first). Above 40 people that graph is sparsified to each
  person's 10 cheapest partners plus every request/match edge (pure-Python blossom is O(n³):
  2.3 s for one dense 200-person round, 0.25 s sparse); if it has no perfect matching, the
  round is re-run dense. An odd n seats someone not yet in a trio (if possible) with a ghost;
  they join the pair where they cost least. The session is then polished by
  ``tables.improve``. Rounds chosen greedily can corner later ones (6 people: after 3 rounds
  the unmet pairs may be two triangles), so when that plan repeats a pair and nothing was
  played yet, the circle schedule is relabelled by local search (exchanging two people's
  whole schedules never creates a repeat) and the better session wins: fewer colleague
  meetings, then fewer repeats, then lower cost. Hence, without colleagues or played rounds,
  whatever the history and requests, an even n gets zero repeats for any R <= n - 1, an odd
  n for R up to the circle figure above.
* **Tables of k >= 3**: ``tables.seat_tables``: greedy seating then tabu search (the social
  golfer problem; see tables.py); when that repeats a pair and nothing was played, also the
  affine construction relabelled by local search, the better session kept. Hence, without
  colleagues or played rounds, tables repeat nobody for R <= ``affine.affine_repeat_free``
  (e.g. 9 people in threes: 4 rounds; 32 in fours: 8; 40 in sixes: 7; 200 in fours: 25).
* **Rooms of up to 16 people** (exact.py): when the plan still repeats a pair (after a late
  change there is no repeat-free skeleton to fall back on), a depth-first search for free
  rounds in which nobody meets twice and no colleagues sit together, within a budget (0.4 s
  at most here); the better plan is kept. 9 people in pairs, 6 rounds, one played
  after someone left and someone arrived: the matching repeated a pair, the search does not.
  When the plan repeats nobody but seats two people who met before and did not ask to meet
  again, the same search is asked for rounds without such pairs (0.1 s at most); its plan is
  kept when it is cheaper and no worse in repeats, colleagues, such pairs, requests or
  matches honoured (8 people whose history left some of them exactly four strangers: the
  greedy rounds seated two who had met although a plan honouring the same requests did not).

Everything is deterministic for a given ``seed`` (``random.Random(seed)`` breaks ties).

Priorities are cost tiers (tables.py): colleagues >> in-session repeats >> history >>
requests (mutual > one-way) > offer/seek matches, bonuses larger in earlier rounds. A pair who
met before *and* was requested is honoured, but late (the request decides whether, history
when). Warnings are ``(code, params)`` tuples for the caller to translate:
``("repeats_unavoidable", {"rounds", "max", "repeats"})`` when R exceeds
``max_rounds_without_repeats`` (then no plan can avoid it; ``"fewest": False`` added when
the repeats are not proven the fewest possible); when the plan repeats although R
does not: ``("repeats_not_avoided", {...same})`` if colleagues or a late change constrained
it, else ``("repeats_not_found", {...same, "people"})`` — that bound is a proven maximum only
for some rooms (even pairs, ``EXACT_MAX_ROUNDS``), an upper bound that may be out of reach for
the others, so nobody is told their choices caused the repeats. Once rounds were played the
warning is about the rounds to come: "repeats" counts the meetings they repeat (earlier
rounds' or their own), "max" is ``rounds_left_without_repeats`` (given the meetings held, at
the table size now asked), "rounds" the rounds to come and "played" the rounds played:
``("repeats_after_played", {...})`` when the rounds to come exceed "max", else
``("repeats_not_avoided", {...})``;
``("colleagues_unavoidable", {"pairs"})``; ``("one_table", {"count", "table_size"})``
when the room is smaller than one table. Errors raise ``PlanError`` (a ValueError) with a code:
too_few_people, bad_table_size, bad_rounds, duplicate_people, too_many_played,
bad_from_round, not_seated, already_seated.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations

from .affine import affine_rounds, relabel
from .bounds import max_rounds_without_repeats, rounds_left_without_repeats
from .exact import with_fewer_repeats, without_met_before
from .pairs import matching_session
from .tables import (
    HISTORY_WEIGHT,
    MATCH,
    MUTUAL,
    ONE_WAY,
    Costs,
    Session,
    improve,
    key,
    rank,
    search_budget,
    seat_tables,
    table_sizes,
)

Warning = tuple[str, dict[str, object]]
Score = tuple[int, int, int, int, int]
Rounds = list[list[list[int]]]

RELABEL_BUDGET = 6_000


class PlanError(ValueError):
    """The request cannot be planned at all; `code` names why, `params` gives the figures."""

    def __init__(self, code: str, message: str, **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class PlanRequest:
    people: tuple[int, ...]
    rounds: int
    table_size: int = 2
    history: Mapping[frozenset[int], float] = field(default_factory=dict)
    companies: Mapping[int, int] = field(default_factory=dict)
    requests: frozenset[tuple[int, int]] = frozenset()
    matches: frozenset[frozenset[int]] = frozenset()
    played: tuple[tuple[tuple[int, ...], ...], ...] = ()
    seed: int = 0


@dataclass
class Plan:
    rounds: list[list[tuple[int, ...]]]
    repeats: int
    history_repeats: int
    requests_honoured: int
    matches_honoured: int
    colleague_pairs: int
    warnings: list[Warning]


def plan_rounds(request: PlanRequest) -> Plan:
    """Seat every present person exactly once in each unplayed round (tables >= 2 people);
    played rounds are returned unchanged. Raises PlanError on an impossible request."""
    people = _validate(request)
    rng = random.Random(request.seed)
    played = [[list(t) for t in rnd] for rnd in request.played]
    costs = _costs(request, set(people) | _seated(played), request.rounds)
    free = request.rounds - len(played)
    if free == 0:
        rounds = played
    elif (
        request.table_size == 2
        and not played
        and not costs.history
        and not costs.bonus
        and not _colleagues(costs)
    ):
        seats = rng.sample(people, len(people))
        circle = Session(costs, circle_rounds(seats, request.rounds), 0)
        if rank(circle)[1] and len(people) % 2:
            circle = min(circle, matching_session(costs, people, played, rng), key=rank)
        rounds = circle.rounds
    else:
        rounds = _plan(costs, people, played, request.table_size, rng)
    if free and request.rounds <= max_rounds_without_repeats(len(people), request.table_size):
        rounds = with_fewer_repeats(rounds, costs, people, played, request.table_size, rng)
        other = without_met_before(rounds, costs, people, played, request.table_size, rng)
        if other is not None and _no_worse(other, rounds, request, costs):
            rounds = other
    return _finish(rounds, request, len(played), ordered=True, costs=costs if free else None)


def circle_rounds(people: Sequence[int], rounds: int) -> Rounds:
    """The circle method for `rounds` rounds (cyclic after n - 1, or n with a ghost).

    Even n: nobody meets twice within n - 1 rounds. Odd n: whoever faces the ghost joins the
    pair where they add the fewest repeats (the first such pair: a trio per round).
    """
    slots: list[int | None] = [*people, None] if len(people) % 2 else list(people)
    m = len(slots)
    fixed, rest = slots[0], slots[1:]
    out: Rounds = []
    spare: list[int | None] = []
    for r in range(rounds):
        s = r % (m - 1)
        rot = rest[s:] + rest[:s]
        pairs = [[fixed, rot[0]]] + [[rot[i], rot[m - 1 - i]] for i in range(1, m // 2)]
        spare.append(next((a if b is None else b for a, b in pairs if None in (a, b)), None))
        out.append([[p for p in pair if p is not None] for pair in pairs if None not in pair])
    if len(people) == 1 or spare[0] is None:
        return out
    session = Session(Costs(rounds), out, 0)  # neutral costs: only repeats count
    for r, person in enumerate(spare):
        tables = session.rounds[r]
        best = min(
            range(len(tables)), key=lambda i: session.delta(session.join_changes(r, person, i))
        )
        session.join(r, person, best)
    return session.rounds


def score_plan(rounds: Sequence[Sequence[Sequence[int]]], request: PlanRequest) -> Score:
    """(repeats, history_repeats, requests_honoured, matches_honoured, colleague_pairs).

    repeats: extra meetings of pairs within the session; history_repeats: distinct pairs who
    share a table and have a history weight > 0; requests count per direction; colleague_pairs
    counts every colleague meeting. Entries naming people not seated anywhere count nothing.
    """
    return _score(rounds, request, _costs(request, _seated(rounds), len(rounds)))


def _score(rounds: Sequence[Sequence[Sequence[int]]], request: PlanRequest, costs: Costs) -> Score:
    meets: Counter[tuple[int, int]] = Counter()
    for rnd in rounds:
        for table in rnd:
            meets.update(key(a, b) for a, b in combinations(table, 2))
    return (
        sum(c - 1 for c in meets.values()),
        sum(1 for pair in meets if pair in costs.history),
        sum(1 for a, b in request.requests if a != b and key(a, b) in meets),
        sum(1 for m in map(frozenset, request.matches) if len(m) == 2 and key(*m) in meets),
        sum(c for pair, c in meets.items() if costs.colleagues(*pair)),
    )


def _no_worse(rounds: Rounds, than: Rounds, request: PlanRequest, costs: Costs) -> bool:
    """Whether `rounds` repeat nobody more, seat no more colleagues and no more pairs who met
    before without asking to meet again, and honour as many requests and matches as `than`."""

    def figures(rnds: Rounds) -> tuple[int, ...]:
        repeats, _, requests, matches, colleagues = _score(rnds, request, costs)
        met = {key(a, b) for rnd in rnds for t in rnd for a, b in combinations(t, 2)}
        stale = sum(
            1 for pair in met if pair in costs.history and not costs.bonus.get(pair, (0, 0))[1]
        )
        return repeats, colleagues, stale, -requests, -matches

    return all(new <= old for new, old in zip(figures(rounds), figures(than), strict=True))


def random_plan(request: PlanRequest) -> Plan:
    """The baseline: each unplayed round a seeded random shuffle cut into the same tables."""
    people = _validate(request)
    rng = random.Random(request.seed)
    rounds: Rounds = [[list(t) for t in rnd] for rnd in request.played]
    for _ in range(request.rounds - len(rounds)):
        rng.shuffle(people)
        rnd, start = [], 0
        for size in table_sizes(len(people), request.table_size):
            rnd.append(people[start : start + size])
            start += size
        rounds.append(rnd)
    return _finish(rounds, request, len(request.played), ordered=True)


# --- validation, costs, finishing ---------------------------------------------------------


def _validate(request: PlanRequest) -> list[int]:
    """The present people, sorted; PlanError when the request cannot be planned."""
    people = sorted(request.people)
    if not 2 <= request.table_size <= 6:
        raise PlanError(
            "bad_table_size", "Table size must be 2 to 6.", table_size=request.table_size
        )
    if request.rounds < 1:
        raise PlanError("bad_rounds", "At least one round is needed.", rounds=request.rounds)
    if len(set(people)) != len(people):
        dupes = sorted(p for p, c in Counter(people).items() if c > 1)
        raise PlanError("duplicate_people", f"People listed twice: {dupes}.", people=dupes)
    if len(people) < 2:
        raise PlanError("too_few_people", "At least 2 people are needed.", count=len(people))
    if len(request.played) > request.rounds:
        raise PlanError(
            "too_many_played",
            "More rounds played than planned.",
            played=len(request.played),
            rounds=request.rounds,
        )
    return people


def _seated(rounds: Sequence[Sequence[Sequence[int]]]) -> set[int]:
    return {p for rnd in rounds for table in rnd for p in table}


def _costs(request: PlanRequest, present: set[int], rounds: int) -> Costs:
    """The cost model restricted to `present` people (everything else is ignored)."""
    weights: dict[tuple[int, int], float] = {}
    for pair, w in request.history.items():  # may hold tens of thousands of pairs
        if w > 0 and len(pair) == 2:
            a, b = pair
            if a in present and b in present:
                weights[key(a, b)] = w
    top = max(weights.values(), default=1)
    history = {pair: round(HISTORY_WEIGHT * w / top) for pair, w in weights.items()}
    wanted = {(a, b) for a, b in request.requests if a != b and {a, b} <= present}
    bonus = {key(a, b): (MUTUAL if (b, a) in wanted else ONE_WAY, True) for a, b in wanted}
    for match in map(frozenset, request.matches):
        if len(match) == 2 and match <= present:
            base, requested = bonus.get(key(*match), (0, False))
            bonus[key(*match)] = (base + (100 if requested else MATCH), requested)
    companies = {p: c for p, c in request.companies.items() if p in present}
    return Costs(rounds, companies, history, bonus)


def _colleagues(costs: Costs) -> bool:
    return len(set(costs.companies.values())) < len(costs.companies)


def _finish(
    rounds: Rounds,
    request: PlanRequest,
    first_free: int,
    *,
    ordered: bool,
    costs: Costs | None = None,
) -> Plan:
    """Freeze `rounds` into a Plan: tables as sorted tuples, unplayed rounds' tables ordered
    by request/match priority then smallest id when `ordered`; score and warnings. `costs`,
    when given, must be `_costs` of everybody seated in `rounds` (saves recomputing it)."""
    costs = costs or _costs(request, _seated(rounds), len(rounds))

    def priority(table: tuple[int, ...]) -> int:
        return max(
            (costs.bonus.get(key(a, b), (0, 0))[0] for a, b in combinations(table, 2)), default=0
        )

    out: list[list[tuple[int, ...]]] = [[tuple(t) for t in rnd] for rnd in rounds[:first_free]]
    for rnd in rounds[first_free:]:
        tables = [tuple(sorted(t)) for t in rnd]
        out.append(sorted(tables, key=lambda t: (-priority(t), t)) if ordered else tables)
    score = _score(out, request, costs)
    warnings: list[Warning] = []
    n = len(_seated(out[-1:]))
    if first_free < len(out) and n < request.table_size:
        warnings.append(("one_table", {"count": n, "table_size": request.table_size}))
    bound = max_rounds_without_repeats(n, request.table_size)
    if first_free and first_free < len(out):
        # Rounds were played: the note is about the rounds to come — the repeats they add
        # and the bound given the meetings already held (the table size may have changed).
        added = score[0] - _score(out[:first_free], request, costs)[0]
        if added:
            left = rounds_left_without_repeats(out[:first_free], _seated(out[-1:]), request)
            free = len(out) - first_free
            params = {"played": first_free, "rounds": free, "max": left, "repeats": added}
            code = "repeats_after_played" if free > left else "repeats_not_avoided"
            warnings.append((code, params))
    elif score[0]:
        params: dict[str, object] = {"rounds": len(out), "max": bound, "repeats": score[0]}
        if len(out) > bound:
            code = "repeats_unavoidable"
            # The fewest possible only when proven: one (beyond the bound one must repeat),
            # or every meeting beyond the room's pairs (each pair can meet once for free).
            meetings = sum(len(t) * (len(t) - 1) // 2 for rnd in out for t in rnd)
            people = len(_seated(out))
            if score[0] > max(1, meetings - people * (people - 1) // 2):
                params["fewest"] = False
        elif first_free or not ordered or _colleagues(costs):
            code = "repeats_not_avoided"  # played rounds, a late change or colleagues
        else:
            # Nothing but the room's size: the bound may be out of reach, or the search missed.
            code = "repeats_not_found"
            params["people"] = n
        warnings.append((code, params))
    if score[4]:
        warnings.append(("colleagues_unavoidable", {"pairs": score[4]}))
    return Plan(out, *score, warnings=warnings)


# --- pairs ----------------------------------------------------------------------------------


def _plan(costs: Costs, people: list[int], played: Rounds, k: int, rng: random.Random) -> Rounds:
    """The matching (pairs) or greedy + tabu (tables) session; when it repeats a pair and
    nothing was played, also a repeat-free skeleton (circle method / affine construction)
    relabelled by local search, and the better of the two."""
    if k == 2:
        best = matching_session(costs, people, played, rng)
    else:
        best = Session(costs, played + [[] for _ in range(costs.rounds - len(played))], len(played))
        seat_tables(best, people, k, rng)
    if played or not rank(best)[1]:
        return best.rounds
    slots = range(len(people))
    base = circle_rounds(slots, costs.rounds) if k == 2 else affine_rounds(slots, costs.rounds, k)
    if base is None:
        return best.rounds
    order = rng.sample(people, len(people))
    other = Session(costs, [[[order[s] for s in t] for t in rnd] for rnd in base], 0)
    relabel(other, people, rng, RELABEL_BUDGET)
    improve(other, rng, search_budget(len(people), costs.rounds))
    return min(best, other, key=rank).rounds
