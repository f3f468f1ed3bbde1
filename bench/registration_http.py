"""bench/registration.py over HTTP: gunicorn servers, the 500-POST bursts alternated with
bursts of the reference page, and their table."""

from __future__ import annotations

import http.client
import os
import re
import signal
import statistics
import subprocess
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from registration_setup import (
    GUNICORN,
    REFERENCE,
    Model,
    Tree,
    make_event,
    outcome,
    pct,
    released_together,
)


def start_server(model: Model, port: int, tree: Tree) -> subprocess.Popen:
    command = [GUNICORN, "betacowork.wsgi", "--bind", f"127.0.0.1:{port}"]
    command += ["--worker-class", model.worker_class, "--workers", str(model.workers)]
    command += ["--threads", str(model.threads), "--backlog", "2048", "--log-level", "warning"]
    return subprocess.Popen(command, env=tree.env, cwd=tree.root, start_new_session=True)


def stop_server(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)


def get(port: int, path: str, timeout: float = 30) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    conn.request("GET", path)
    response = conn.getresponse()
    response.body = response.read()
    return response


def wait_for(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            get(port, "/healthz", timeout=2)
            return
        except OSError:
            time.sleep(0.25)
    raise SystemExit(f"gunicorn did not answer on port {port}")


def burst(port: int, n: int, request) -> tuple[float, list[float], dict[int, int]]:
    """`n` requests at once, a thread and a connection each, released together by a barrier.
    `request(i)` gives (method, path, body, headers). Returns wall time, sorted latencies
    and the count of each HTTP status (-1: connection error)."""
    latencies, statuses = [0.0] * n, [0] * n

    def one(i: int, barrier: threading.Barrier) -> None:
        method, path, body, headers = request(i)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        barrier.wait()
        t0 = time.perf_counter()
        try:
            conn.request(method, path, body, headers)
            response = conn.getresponse()
            response.read()
            statuses[i] = response.status
        except OSError:
            statuses[i] = -1
        latencies[i] = time.perf_counter() - t0
        conn.close()

    wall = released_together(one, n)
    codes: dict[int, int] = {}
    for status in statuses:
        codes[status] = codes.get(status, 0) + 1
    return wall, sorted(latencies), codes


def csrf(port: int, slug: str) -> tuple[str, str]:
    """The CSRF cookie and the form's token from the event page (shared by every POST)."""
    response = get(port, f"/events/{slug}/")
    if response.status != 200:
        raise SystemExit(f"event page answered {response.status}")
    cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie") or "")[1]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.body.decode())[1]
    return cookie, token


def register_request(tree: Tree, slug: str, cookie: str, token: str, tag: str):
    """Guest POSTs, each from an address of its own (as a rush is: 500 people, not one
    machine), told by `X-Forwarded-For` behind one trusted proxy (the bench's server runs
    with ALLAUTH_TRUSTED_PROXY_COUNT=1): the guest form's limit per visitor counts each.

    A guest's seat is taken by the POST behind the link their email brings (the form only
    sends the email: events/services/guests.py): each request is that POST, its link signed
    here with the server's key. An older tree without those links (`--before`) is sent the
    form, which booked then."""
    links = (tree.root / "events" / "templates" / "events" / "guest_confirm.html").exists()
    event_id = event_pk(slug, using=tree.alias) if links else None

    def request(i: int):
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={cookie}",
            "X-Forwarded-For": f"10.{tag_number(tag)}.{i // 256 % 256}.{i % 256}",
        }
        guest = {"name": f"Bench Guest {i:04d}", "email": f"{tag}{i:04d}@bench.test", "note": ""}
        if event_id is not None:
            link = guest_link(tree, event_id, guest)
            return "POST", link, urlencode({"csrfmiddlewaretoken": token}), headers
        body = urlencode({"csrfmiddlewaretoken": token, **guest})
        return "POST", f"/events/{slug}/register/", body, headers

    return request


def event_pk(slug: str, using: str) -> int:
    from events.models import Event

    return Event.objects.using(using).only("pk").get(slug=slug).pk


def guest_link(tree: Tree, event_id: int, guest: dict) -> str:
    """The path of the link a guest's email brings, signed with `tree`'s server's key."""
    from django.core.signing import TimestampSigner

    from events.services.guests import GUEST_REQUEST_SALT

    payload = {"v": event_id, "n": guest["name"], "e": guest["email"], "t": "", "l": "en"}
    payload["at"] = round(time.time(), 3)
    signer = TimestampSigner(key=tree.env["SECRET_KEY"], salt=GUEST_REQUEST_SALT, fallback_keys=[])
    return f"/events/guest-confirm/{signer.sign_object(payload, compress=True)}/"


def tag_number(tag: str) -> int:
    return sum(tag.encode()) % 256


def reference_request(i: int):
    return "GET", REFERENCE, None, {}


@dataclass
class Server:
    model: Model
    tree: Tree
    port: int
    process: subprocess.Popen
    cookie: str = ""
    token: str = ""

    @property
    def label(self) -> str:
        return f"{self.model.label}, {self.tree.name}"


def start_servers(args, models: list[Model], trees: list[Tree]) -> list[Server]:
    """One gunicorn per model and tree, each warmed (imports, templates, connections, broker)
    by a small burst of POSTs on a spare event and of reference GETs."""
    servers = []
    for model in models:
        for tree in trees:
            make_event(f"bench-{model.key}-warm", 1000, using=tree.alias)
            port = args.port + len(servers)
            servers.append(Server(model, tree, port, start_server(model, port, tree)))
    for server in servers:
        wait_for(server.port)
        warm_slug = f"bench-{server.model.key}-warm"
        server.cookie, server.token = csrf(server.port, warm_slug)
        size = 2 * server.model.workers * server.model.threads
        warm = register_request(server.tree, warm_slug, server.cookie, server.token, "w")
        burst(server.port, size, warm)
        burst(server.port, size, reference_request)
    return servers


HTTP_HEADER = (
    "| round | gunicorn, code | first | register req/s | p50 ms | p95 ms | reference req/s "
    "| p50 ms | p95 ms | ratio | HTTP (register) | confirmed/waitlisted/outbox | load 1 min |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def http_round(args, server: Server, r: int) -> tuple[bool, float | None]:
    """One round on a fresh event: the POST burst and (with --compare-reference) the reference
    burst, in alternating order. Prints its row; returns (counts right, ratio or None)."""
    slug = f"bench-{server.model.key}-{r}"
    post = register_request(server.tree, slug, server.cookie, server.token, "g")
    kinds = ["register", "reference"] if args.compare_reference else ["register"]
    if r % 2:
        kinds.reverse()
    results = {}
    for kind in kinds:
        request = post if kind == "register" else reference_request
        results[kind] = burst(server.port, args.requests, request)
    wall, latencies, codes = results["register"]
    confirmed, waitlisted, rows, in_order = outcome(slug, using=server.tree.alias)
    expected = (args.capacity, args.requests - args.capacity, args.requests, True)
    ok = (confirmed, waitlisted, rows, in_order) == expected
    rps, ratio, reference = args.requests / wall, None, "— | — | — | —"
    if "reference" in results:
        ref_wall, ref_latencies, _ = results["reference"]
        ratio = rps / (args.requests / ref_wall)
        reference = (
            f"{args.requests / ref_wall:.0f} | {statistics.median(ref_latencies) * 1000:.0f} "
            f"| {pct(ref_latencies, 0.95) * 1000:.0f} | {ratio:.2f}x"
        )
    print(
        f"| {r + 1} | {server.label} | {kinds[0]} | {rps:.0f} "
        f"| {statistics.median(latencies) * 1000:.0f} | {pct(latencies, 0.95) * 1000:.0f} "
        f"| {reference} | {', '.join(f'{k}: {v}' for k, v in sorted(codes.items()))} "
        f"| {confirmed}/{waitlisted}/{rows}{'' if in_order else ' WAITLIST OUT OF ORDER'} "
        f"| {os.getloadavg()[0]:.2f} |",
        flush=True,
    )
    return ok, ratio


def run_http(args, models: list[Model], trees: list[Tree]) -> bool:
    """Every round for every model and tree (they alternate within a round, so all see the
    same machine load). True when every round's counts and waitlist order came out right."""
    rounds = args.rounds if args.compare_reference else 1
    for model in models:
        for tree in trees:
            for r in range(rounds):
                make_event(f"bench-{model.key}-{r}", args.capacity, using=tree.alias)
    servers: list[Server] = []
    try:
        servers = start_servers(args, models, trees)
        print("gunicorn: " + "; ".join(f"{s.label} on :{s.port}" for s in servers), flush=True)
        print(f"\n{args.requests} POSTs for {args.capacity} seats per round\n{HTTP_HEADER}")
        ok, ratios = True, {server.label: [] for server in servers}
        for r in range(rounds):
            for server in servers:
                round_ok, ratio = http_round(args, server, r)
                ok &= round_ok
                if ratio is not None:
                    ratios[server.label].append(ratio)
    finally:
        for server in servers:
            stop_server(server.process)
    for name, values in ratios.items():
        if values:
            median = statistics.median(values)
            verdict = "met" if median >= 0.5 else "NOT met"
            print(f"{name}: median ratio {median:.2f}x over {len(values)} rounds", end="")
            print(f" (goal >= 0.5x: {verdict})")
    return ok


# In-process: the lock ---------------------------------------------------------------------
