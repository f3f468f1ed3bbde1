"""How speed networking is shown: the planner's codes in words, and the live state of the
room (projector) and of a participant's phone — the same data for the page and its JSON.

Countdowns are sent as seconds left (`remaining`), computed here: the script counts down from
them, so a phone whose clock is wrong still shows the right time.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..models import Event, NetworkingSession
from . import selectors
from .selectors import Person


def plan_error_text(exc) -> str:
    """A planner error (`PlanError`) in the viewer's language."""
    texts = {
        "too_few_people": _("At least 2 people are needed to plan rounds."),
        "bad_table_size": _("A table seats 2 to 6 people."),
        "bad_rounds": _("Plan at least one round."),
        "too_many_played": _("More rounds were played than asked for: plan more rounds."),
        "bad_from_round": _("No round is left to change."),
        "not_seated": _("This person is not seated in the next rounds."),
        "already_seated": _("This person is already seated in the next rounds."),
        "duplicate_people": _("Someone is listed twice: reload the page and try again."),
    }
    return texts.get(
        exc.code, _("The rounds could not be planned (%(code)s).") % {"code": exc.code}
    )


def note_text(note: dict, names: dict[int, Person]) -> str:
    """One planner warning or evening note (`NetworkingSession.warnings`) as a sentence."""
    code, p = note.get("code"), note.get("params", {})
    if code == "repeats_unavoidable" and not p.get("fewest", True):
        return _with_replan(
            ngettext(
                "%(rounds)s rounds is more than this room can play without anyone meeting twice "
                "(%(max)s at most): %(repeats)s meeting repeats.",
                "%(rounds)s rounds is more than this room can play without anyone meeting twice "
                "(%(max)s at most): %(repeats)s meetings repeat.",
                p.get("repeats", 0),
            )
            % p,
            p,
        )
    if code == "repeats_unavoidable":
        return (
            ngettext(
                "%(rounds)s rounds is more than this room can play without anyone meeting twice "
                "(%(max)s at most): %(repeats)s meeting repeats, as few as possible.",
                "%(rounds)s rounds is more than this room can play without anyone meeting twice "
                "(%(max)s at most): %(repeats)s meetings repeat, as few as possible.",
                p.get("repeats", 0),
            )
            % p
        )
    if code == "repeats_after_played":
        # Only what is proven: the bound given the meetings held, the repeats the rounds to
        # come add (not that they are the fewest possible).
        if p.get("max"):
            bound = ngettext(
                "After the rounds played, at most %(max)s more round can be played without "
                "anyone meeting twice.",
                "After the rounds played, at most %(max)s more rounds can be played without "
                "anyone meeting twice.",
                p["max"],
            )
        else:
            bound = _(
                "After the rounds played, no round can be added without someone meeting twice."
            )
        repeats = ngettext(
            "The rounds to come repeat %(repeats)s meeting.",
            "The rounds to come repeat %(repeats)s meetings.",
            p.get("repeats", 0),
        )
        return _with_replan(f"{bound % p} {repeats % p}", p)
    if code == "repeats_not_avoided" and "replan" in p:
        # A late change repeats meetings that planning again would not: there was another way.
        return _with_replan(
            ngettext(
                "%(repeats)s meeting repeats after the late changes.",
                "%(repeats)s meetings repeat after the late changes.",
                p["repeats"],
            )
            % p,
            p,
        )
    if code == "repeats_not_avoided":
        return (
            ngettext(
                "%(repeats)s meeting repeats: late changes, played rounds or colleagues left no "
                "other way.",
                "%(repeats)s meetings repeat: late changes, played rounds or colleagues left no "
                "other way.",
                p.get("repeats", 0),
            )
            % p
        )
    if code == "repeats_not_found":
        return (
            ngettext(
                "%(repeats)s meeting repeats: no plan was found for %(people)s people over "
                "%(rounds)s rounds in which nobody meets twice.",
                "%(repeats)s meetings repeat: no plan was found for %(people)s people over "
                "%(rounds)s rounds in which nobody meets twice.",
                p.get("repeats", 0),
            )
            % p
        )
    if code == "colleagues_unavoidable":
        return (
            ngettext(
                "%(pairs)s pair of colleagues sits together: there was no other way.",
                "%(pairs)s pairs of colleagues sit together: there was no other way.",
                p.get("pairs", 0),
            )
            % p
        )
    if code == "one_table":
        return _("Only %(count)s people: everyone sits at one table.") % p
    if code == "guests_left_out":
        return (
            ngettext(
                "%(count)s checked-in guest has no account and is not in the plan: seat them at "
                "any table.",
                "%(count)s checked-in guests have no account and are not in the plan: seat them "
                "at any table.",
                p.get("count", 0),
            )
            % p
        )
    if code == "left":
        person = names.get(p.get("user"))
        name = person.name if person else _("a member")
        if not p.get("after_round"):  # left before round 1 started: there is no round 0
            return _("%(name)s left before the first round.") % {"name": name}
        return _("%(name)s left after round %(round)s.") % {"name": name, "round": p["after_round"]}
    return str(code)


def _with_replan(text: str, p: dict) -> str:
    """`text`, and what "Plan again" would do instead when a late change left repeats that
    planning the rounds not played again would not (`replan`: its repeats)."""
    if "replan" not in p:
        return text
    if not p["replan"]:
        hint = _("“Plan again” re-seats everyone in the rounds not played without any repeat.")
    else:
        hint = (
            ngettext(
                "“Plan again” re-seats everyone in the rounds not played with %(replan)s repeat.",
                "“Plan again” re-seats everyone in the rounds not played with %(replan)s repeats.",
                p["replan"],
            )
            % p
        )
    return f"{text} {hint}"


def note_texts(session: NetworkingSession | None, *, viewer) -> list[str]:
    """Every warning and note of the session as sentences (one query for the names)."""
    if session is None:
        return []
    ids = [n["params"]["user"] for n in session.warnings if n.get("code") == "left"]
    names = selectors.people(ids, viewer=viewer) if ids else {}
    return [note_text(n, names) for n in session.warnings]


def countdown(started_at, minutes: int) -> dict:
    """Seconds left in a round (the script counts down from them: no clock skew) and the
    same as "m:ss" for the page without JavaScript."""
    ends = started_at + timedelta(minutes=minutes)
    left = max(int((ends - timezone.now()).total_seconds()), 0)
    return {
        "started_at": started_at.isoformat(),
        "ends_at": ends.isoformat(),
        "remaining": left,
        "clock": f"{left // 60}:{left % 60:02d}",
    }


def round_timer(session) -> dict:
    """The countdown of the current round, or {} when no round is on."""
    if session is None or not session.current_round or session.round_started_at is None:
        return {}
    if session.finished_at is not None:
        return {}
    return countdown(session.round_started_at, session.round_minutes)


def current_rounds(rounds: list, session):
    """The round on now (or the first one before the evening starts) and the next one."""
    if session is None or not rounds:
        return None, None
    number = session.current_round or 1
    by_number = {r.number: r for r in rounds}
    if session.finished_at is not None:
        return None, None
    current = by_number.get(number)
    upcoming = by_number.get(session.current_round + 1)
    return current, upcoming


def room_state(event: Event) -> dict:
    """What the projector shows: the current round's tables with the names the room may see."""
    if event.is_cancelled:
        # Rounds planned before the event was cancelled will not be played.
        heading = _("This event is cancelled.")
        return {"round": 0, "heading": heading, "tables": [], "remaining": None}
    session = selectors.session_of(event)
    rounds = selectors.rounds_view(session, viewer=selectors.room_audience(event))
    current, _upcoming = current_rounds(rounds, session)
    if session is None or not rounds:
        heading = _("The rounds are not planned yet.")
    elif session.finished_at is not None:
        heading = _("That's all: thank you for coming!")
    elif not session.current_round:
        heading = _("Round 1 of %(total)s starts soon") % {"total": len(rounds)}
    else:
        heading = _("Round %(n)s of %(total)s") % {"n": session.current_round, "total": len(rounds)}
    tables = [
        {
            "table": t.number,
            # Whole in the catalogue: a language may put the number before the word.
            "label": _("Table %(n)s") % {"n": t.number},
            "names": [p.name for p in t.people],
        }
        for t in (current.tables if current else [])
    ]
    return {
        "round": session.current_round if session else 0,
        "heading": heading,
        "tables": tables,
        "remaining": None,
        **round_timer(session),
    }


def _with(companions: list) -> str:
    return _(" and ").join(p.summary for p in companions)


def my_round_state(event: Event, user) -> dict:
    """My seat as a sentence and data: "Round 3 · table 5 · with Léa Dubois — …"."""
    mine = selectors.my_round(event=event, user=user)
    if mine.status == "cancelled":
        text = _("This event is cancelled.")
    elif mine.status in ("seated", "upcoming") and not mine.companions:
        # Alone at a table: their partner's check-in was undone with nobody left to re-seat.
        text = _(
            "Round %(n)s · table %(table)s · nobody else is at your table: see an organiser."
        ) % {"n": mine.number, "table": mine.table}
    elif mine.status == "seated":
        text = _("Round %(n)s · table %(table)s · with %(people)s") % {
            "n": mine.number,
            "table": mine.table,
            "people": _with(mine.companions),
        }
    elif mine.status == "upcoming":
        text = _("Round %(n)s starts soon · table %(table)s · with %(people)s") % {
            "n": mine.number,
            "table": mine.table,
            "people": _with(mine.companions),
        }
    elif mine.status == "joining":
        # Their table may still change until that round starts (late changes re-seat).
        text = _("You join from round %(n)s: your table will show here when it starts.") % {
            "n": mine.joins
        }
    elif mine.status == "left":
        text = _("You left the evening: thank you for coming!")
    elif mine.status == "not_seated":
        text = _("You are not seated in round %(n)s: see an organiser.") % {"n": mine.number}
    elif mine.status == "not_checked_in":
        text = _("You are not checked in yet: check in with an organiser to be seated.")
    elif mine.status == "waitlisted":
        text = _("You are on the waitlist: the rounds seat only confirmed people who are here.")
    elif mine.status == "finished":
        text = _("The evening is over: thank you for coming!")
    else:
        text = _("The rounds are not planned yet: they are, once everyone is checked in.")
    state = {
        "status": mine.status,
        "text": text,
        "round": mine.number,
        "total": mine.total,
        "joins": mine.joins,
        "table": mine.table,
        "companions": [
            {"name": p.name, "summary": p.summary, "url": p.url} for p in mine.companions
        ],
    }
    state["remaining"] = None
    if mine.status == "seated" and mine.started_at:
        state.update(countdown(mine.started_at, mine.minutes))
    return state
