"""Forms that create something are acted on once, however often they arrive.

A double click, a retry on a slow connection, the back button, two tabs: the same form can
reach the server twice, or twice at once. Each such form carries a random token (`nonce`,
`nonce_new()`, checked by `nonce_clean()`); the service that creates what it asks for runs
inside `submit_once()`, which records (person, purpose, token) under a unique constraint in
the same transaction. The same form again finds that record and answers with what the first
one made: nothing is created twice, and two copies sent at once are told apart by the
database (the second waits for the first's commit, then finds its record).

Used by the organiser console (new event, copy, series) and the collaboration ledger (log a
collaboration). The organiser's note is idempotent another way: its token is part of each
message's de-duplication key in the outbox.
"""
