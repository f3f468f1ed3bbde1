"""bench/registration.py in-process, one POST through django.test.Client: every statement it
runs (goal: <= 5), and its CPU against a reference GET."""

from __future__ import annotations

import statistics
import time

from registration_lock import Recorder
from registration_setup import REFERENCE, make_event


def guest_link(event, email: str) -> str:
    """The link a guest's email brings (its POST takes the seat: events/services/guests.py)."""
    from django.urls import reverse

    from events.services.guests import GuestRequest, guest_request_token

    request = GuestRequest(event_id=event.pk, name="C", email=email, note="", language="en")
    return reverse("events:guest_confirm", kwargs={"token": guest_request_token(request)})


def queries_per_post(recorder: Recorder, versions: dict, capacity: int) -> dict[str, int]:
    """Per version, POST once through django.test.Client for a confirmed seat and once for
    the waitlist, and list every statement of the request. Returns the larger count per
    version (COMMIT excluded; psycopg2's implicit BEGIN is never seen)."""
    from django.db import connection
    from django.test import Client

    from events import services
    from events.models import Registration

    current, worst = services.event_register, {}
    for name, register in versions.items():
        full = make_event(f"bench-client-full-{name}", 1)
        Registration.objects.create(event=full, name="First", email="first@bench.test")
        services.event_register = register  # what the view calls, for this request only
        try:
            for event in (make_event(f"bench-client-{name}", capacity), full):
                url = guest_link(event, "c@bench.test")
                recorder.start()
                with connection.execute_wrapper(recorder):
                    response = Client().post(url)
                names = [label for label, _, _ in recorder.stop()]
                status = Registration.objects.get(event=event, email="c@bench.test").status
                count = len([n for n in names if n != "COMMIT"])
                worst[name] = max(worst.get(name, 0), count)
                print(
                    f"\nQueries per POST ({name}, {status}): HTTP {response.status_code}, "
                    f"{count} statements + {names.count('COMMIT')} COMMIT"
                )
                for position, label_ in enumerate(names, 1):
                    print(f"  {position}. {label_}")
        finally:
            services.event_register = current
    return worst


def client_cost(versions: dict, capacity: int, n: int = 40) -> None:
    """In-process cost of one POST (through django.test.Client, no server) against one GET of
    the reference page, the versions and the two requests alternating call by call: wall and
    this thread's CPU. In a burst the POSTs and the reference share the 2 cores, so the CPU
    ratio reference/POST bounds the req/s ratio from above, however short the lock."""
    from django.test import Client

    from events import services

    current, client = services.event_register, Client()
    events = {name: make_event(f"bench-cost-{name}", capacity) for name in versions}
    costs = {(name, kind): [] for name in versions for kind in ("post", "reference")}
    try:
        for i in range(n):
            for name, register in versions.items():
                services.event_register = register
                for kind in ("post", "reference"):
                    wall, cpu = time.perf_counter(), time.thread_time()
                    if kind == "post":
                        client.post(guest_link(events[name], f"cost{i:03d}@bench.test"))
                    else:
                        client.get(REFERENCE)
                    wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
                    costs[name, kind].append((wall * 1000, cpu * 1000))
    finally:
        services.event_register = current
    print(
        "\n| code | POST wall ms | POST CPU ms | reference wall ms | reference CPU ms "
        "| CPU ratio reference/POST |\n|---|---|---|---|---|---|"
    )
    for name in versions:
        (post_wall, post_cpu), (ref_wall, ref_cpu) = (
            (
                statistics.median(c[0] for c in costs[name, k]),
                statistics.median(c[1] for c in costs[name, k]),
            )
            for k in ("post", "reference")
        )
        print(
            f"| {name} | {post_wall:.2f} | {post_cpu:.2f} | {ref_wall:.2f} | {ref_cpu:.2f} "
            f"| {ref_cpu / post_cpu:.2f}x |"
        )
