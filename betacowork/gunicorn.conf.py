"""gunicorn settings for the `web` container (docker-compose.yml, Dockerfile):
`gunicorn -c betacowork/gunicorn.conf.py betacowork.wsgi:application`.

The worker model was chosen from measurements on 2 cores (bench/registration.py
--compare-reference --models gthread:2x8,sync:4x1,gthread:2x4, alternated round by round;
figures in bench/README.md): gthread, about one worker per core with 8 threads each, served
both the 500-POST registration burst and the one-query reference page at least as fast as
4 sync workers or 2 x 4 threads. Threads overlap the database and Redis round trips of the
pages; the registration queue no longer runs Python while the event row is locked (one
PL/pgSQL call, events/services/seat_queue.py), so the GIL no longer lengthens the lock.

Each thread keeps its own database connection (CONN_MAX_AGE): workers x threads per web
container (16 by default); mind PostgreSQL's max_connections when scaling `web`.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "8"))
# A rush queues hundreds of connections at once: keep them in the kernel's accept queue.
backlog = 2048
timeout = 30
# Behind one TLS-terminating reverse proxy that sets X-Forwarded-Proto (README, Deploy).
forwarded_allow_ips = "*"
accesslog = "-"
# Gunicorn's default line, plus the request id the app sent back (X-Request-ID: the same id
# is on the app's own log lines for that request) and the duration in milliseconds.
access_log_format = (
    '%(h)s - - %(t)s "%(r)s" %(s)s %(B)s "%(f)s" "%(a)s" rid=%({x-request-id}o)s ms=%(M)s'
)
