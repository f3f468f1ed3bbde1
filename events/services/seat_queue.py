"""The registration queue on PostgreSQL: one statement, no Python while the event is locked.

A registration locks its event row, counts the seats, inserts the registration and its email
(written as data: kind + ids, rendered by the sender) and commits. Done from Python, every
statement inside the lock is a round trip after which the thread must get the GIL back: with
16 threads per process in a rush that wait (up to the 5 ms switch interval, several times per
registration) was most of the lock's 15-20 ms. Here the whole transaction is ONE call of a
PL/pgSQL function: in autocommit it is its own transaction, so the lock is taken and released
inside the server (each statement of a function sees what committed before it started, so
the count after the lock sees every earlier registration). Inside a caller's atomic block it
simply joins that transaction.

The function is created in the connection's temporary schema (`pg_temp`) the first time a
connection registers someone, from the SQL below: it always matches the running code, and no
migration owns it. That needs a real session per connection, like the prepared statements
(`PREPARED_STATEMENTS=0` behind a transaction-pooling PgBouncer turns both off; registration
then runs the same steps from Python, as on SQLite).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import ProgrammingError, connection

FUNCTION = "pg_temp.bc_event_register_v3"
_READY_ATTRIBUTE = "_bc_event_register_ready"
# undefined_function, invalid_schema_name (no temporary schema in this session any more)
MISSING_FUNCTION = ("42883", "3F000")

# Columns are listed in full: tests/events/test_seat_queue.py checks them against the models.
REGISTRATION_COLUMNS = (
    "event_id, user_id, name, email, language, status, note, created_at, waitlisted_at, "
    "confirmed_at, cancelled_at, checked_in_at, checked_in_by_id, former_member"
)
OUTBOX_COLUMNS = (
    "dedup_key, kind, topic, recipient_id, to_email, language, from_email, subject, "
    "body_text, body_html, headers, payload, attachments, status, attempts, "
    "next_attempt_at, claimed_until, claim_token, last_error, created_at, sent_at"
)

CREATE_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}(
    p_event bigint, p_user bigint, p_name text, p_email text, p_note text, p_language text,
    p_mail_language text, p_member boolean, p_from text, p_lock boolean, p_pause float8
) RETURNS TABLE (
    outcome text, registration_id bigint, registered_at timestamptz, queue_position int,
    outbox_id bigint, ev_status text, ev_start timestamptz, ev_opens timestamptz,
    ev_closes timestamptz, ev_visibility text, step_ms float8[]
) LANGUAGE plpgsql VOLATILE AS $fn$
#variable_conflict use_column
DECLARE
    ev record;
    v_confirmed int;
    v_waitlisted int;
    v_mine int;
    v_address int;
    v_status text;
    v_kind text;
    v_payload jsonb;
    v_marks timestamptz[] := ARRAY[clock_timestamp()];
BEGIN
    IF p_lock THEN
        SELECT e.status, e.start, e.capacity, e.visibility, e.registration_opens_at,
               e.registration_closes_at
          INTO ev FROM events_event e WHERE e.id = p_event FOR UPDATE;
    ELSE  -- the negative control of the concurrency test only
        SELECT e.status, e.start, e.capacity, e.visibility, e.registration_opens_at,
               e.registration_closes_at
          INTO ev FROM events_event e WHERE e.id = p_event;
    END IF;
    IF NOT FOUND THEN
        outcome := 'missing';
        RETURN NEXT;
        RETURN;
    END IF;
    -- Taken under the lock: the order of waitlisted_at is the order of the queue.
    registered_at := clock_timestamp();
    v_marks := v_marks || registered_at;
    ev_status := ev.status;
    ev_start := ev.start;
    ev_opens := ev.registration_opens_at;
    ev_closes := ev.registration_closes_at;
    ev_visibility := ev.visibility;
    -- The rules of registration_refusal(); Python words the refusal from these fields.
    IF ev.status <> 'published' OR registered_at >= ev.start
       OR registered_at < coalesce(ev.registration_opens_at, '-infinity')
       OR registered_at >= coalesce(ev.registration_closes_at, 'infinity')
       OR (ev.visibility = 'members' AND NOT p_member) THEN
        outcome := 'refused';
        RETURN NEXT;
        RETURN;
    END IF;
    -- Mine: a member's own registrations (by account; a guest's seat with their address is
    -- not theirs unless the address is verified, which Python asks only on the rare clash
    -- below); for a guest, also any registration with the address they gave.
    SELECT count(*) FILTER (WHERE r.status = 'confirmed'),
           count(*) FILTER (WHERE r.status = 'waitlisted'),
           count(*) FILTER (WHERE r.status <> 'cancelled'
                            AND (r.user_id = p_user
                                 OR (NOT p_member AND lower(r.email) = lower(p_email)))),
           count(*) FILTER (WHERE r.status <> 'cancelled' AND lower(r.email) = lower(p_email))
      INTO v_confirmed, v_waitlisted, v_mine, v_address
      FROM events_registration r WHERE r.event_id = p_event;
    v_marks := v_marks || clock_timestamp();
    IF v_mine > 0 THEN
        outcome := 'duplicate';
        RETURN NEXT;
        RETURN;
    END IF;
    IF v_address > 0 THEN  -- a member's address on someone else's seat (one per address)
        outcome := 'address_taken';
        RETURN NEXT;
        RETURN;
    END IF;
    IF p_pause > 0 THEN  -- the negative control only: widen the race window
        PERFORM pg_sleep(p_pause);
    END IF;
    IF ev.capacity IS NOT NULL AND v_confirmed >= ev.capacity THEN
        v_status := 'waitlisted';
        queue_position := v_waitlisted + 1;
    ELSE
        v_status := 'confirmed';
    END IF;
    INSERT INTO events_registration ({REGISTRATION_COLUMNS})
    VALUES (p_event, p_user, p_name, p_email, p_language, v_status, p_note, registered_at,
            CASE WHEN v_status = 'waitlisted' THEN registered_at END,
            CASE WHEN v_status = 'confirmed' THEN registered_at END, NULL, NULL, NULL, false)
    RETURNING id INTO registration_id;
    v_marks := v_marks || clock_timestamp();
    v_kind := 'registration-' || v_status;  -- the dedup key's prefix (its kind: events.*)
    v_payload := jsonb_build_object('registration', registration_id);
    IF queue_position IS NOT NULL THEN
        v_payload := v_payload || jsonb_build_object('position', queue_position);
    END IF;
    INSERT INTO members_outbox ({OUTBOX_COLUMNS})
    VALUES (v_kind || ':' || registration_id, 'events.registration_' || v_status,
            'event:' || p_event, p_user, p_email,
            p_mail_language, p_from, '', '', '', '{{}}'::jsonb, v_payload, '[]'::jsonb,
            'pending', 0, registered_at, NULL, '', '', registered_at, NULL)
    RETURNING id INTO outbox_id;
    v_marks := v_marks || clock_timestamp();
    -- Milliseconds of each step (waiting for the lock, counting, the two INSERTs): what
    -- bench/registration.py reports of the critical section.
    step_ms := ARRAY(SELECT extract(epoch FROM v_marks[i + 1] - v_marks[i]) * 1000
                     FROM generate_series(1, 4) AS i);
    outcome := v_status;
    RETURN NEXT;
END
$fn$;
"""  # noqa: S608 (constants only: the values travel as parameters)

CALL = f"SELECT * FROM {FUNCTION}(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"  # noqa: S608


@dataclass(frozen=True)
class Outcome:
    """What the function did: `outcome` is confirmed, waitlisted, refused, duplicate,
    address_taken (a member's address is on an active registration not theirs: a guest's
    seat) or missing; the event's fields as read under the lock word a refusal."""

    outcome: str
    registration_id: int | None
    registered_at: datetime | None
    position: int | None
    outbox_id: int | None
    event_fields: dict
    step_ms: list[float] | None = None


def _execute(sql: str, params: list):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def available() -> bool:
    """True when registrations run through the function (PostgreSQL with sessions)."""
    return connection.vendor == "postgresql" and getattr(settings, "PREPARED_STATEMENTS", True)


def register(
    *,
    event_id: int,
    user_id: int | None,
    name: str,
    email: str,
    note: str,
    language: str,
    mail_language: str,
    member: bool,
    lock: bool = True,
    pause: float = 0.0,
) -> Outcome:
    """One call: lock, check, count, insert the registration and its email (one round trip;
    the function is created first on a connection that has not got it yet)."""
    params = [event_id, user_id, name, email, note, language, mail_language, member]
    params += [settings.DEFAULT_FROM_EMAIL, lock, float(pause)]
    connection.ensure_connection()
    raw = connection.connection
    if connection.in_atomic_block:
        # Inside a caller's transaction a function created earlier may have been rolled back
        # with it: create it again in the same round trip (the view never gets here: it runs
        # in autocommit).
        row = _execute(CREATE_FUNCTION + CALL, params)
    elif getattr(connection, _READY_ATTRIBUTE, None) is raw:
        try:
            row = _execute(CALL, params)
        except ProgrammingError as exc:
            # Gone from the session (a pooler's DISCARD ALL): create it again, once.
            if getattr(exc.__cause__, "pgcode", None) not in MISSING_FUNCTION:
                raise
            row = _execute(CREATE_FUNCTION + CALL, params)
    else:
        # psycopg2 returns the last statement's rows: the CREATE rides in the same round trip.
        row = _execute(CREATE_FUNCTION + CALL, params)
        setattr(connection, _READY_ATTRIBUTE, raw)  # autocommit: created for good
    outcome, registration_id, registered_at, position, outbox_id, *fields, step_ms = row
    names = ("status", "start", "registration_opens_at", "registration_closes_at", "visibility")
    return Outcome(
        outcome=outcome,
        registration_id=registration_id,
        registered_at=registered_at,
        position=position,
        outbox_id=outbox_id,
        event_fields=dict(zip(names, fields, strict=True)),
        step_ms=step_ms,
    )
