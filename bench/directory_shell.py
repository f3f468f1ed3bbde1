"""The scripts bench/directory.py runs in `manage.py shell` (formatted there): seeding the
benchmark database, a logged-in member's session, the searches' EXPLAIN, and timing every
page in-process against the reference."""

from pathlib import Path

BENCH = Path(__file__).resolve().parent


def member_session_key() -> str:
    """Log the benchmark's member (member00042) in: a real session row; its key, for the
    session cookie. Run where Django is set up (`bench/directory_cpu.py`, or `SESSION` in
    `manage.py shell`)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from members import demo
    from members.models import User

    user = User.objects.get(email="member00042@" + demo.GENERATED_DOMAIN)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


# The shell imports the function from this folder, whichever checkout `--code` measures.
SESSION = f"""
import sys
sys.path.insert(0, {str(BENCH)!r})
from directory_shell import member_session_key
print("SESSION", member_session_key())
"""

# Seeding ends by logging the member in, as SESSION does (appended, its braces doubled: SEED
# is formatted).
SEED = """
import time
from members import demo
from members.models import Profile

started = time.monotonic()
world = demo.new_world(members={members}, log=print)
demo._seed_core(world)
made = demo.generated_members_create(world, {members})
print(f"seeded: {{made}} new generated members in {{time.monotonic() - started:.1f}} s; "
      f"{{Profile.objects.count()}} profiles in all")
""" + SESSION.replace("{", "{{").replace("}", "}}")

EXPLAIN = """
from django.db import connection
from django.http import QueryDict
from members.demo import GENERATED_DOMAIN
from members.directory import directory_query
from members.directory.cache import options_get
from members.directory.postgres import directory_search_sql
from members.models import User

viewer = User.objects.get(email="member00042@" + GENERATED_DOMAIN)
# What the view runs for a filtered list (members.directory.postgres.directory_search_page):
# one statement for the capped count, the page's ids and their cards. Run twice: the second
# plan is shown (warm buffers, as a live site has them).
for params in {scenarios!r}:
    query = directory_query(params=QueryDict(params))
    index = options_get()["term_words"]
    sql, args = directory_search_sql(user=viewer, query=query, term_index=index)
    with connection.cursor() as cursor:
        for _ in range(2):
            page = {{**args, "limit": 24, "offset": 0}}
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, page)
            plan = "\\n".join(row[0] for row in cursor.fetchall())
        print("--", params)
        print(plan)
"""


IN_PROCESS = """
import os, statistics, time
from django.test import Client
from members.demo import GENERATED_DOMAIN
from members.models import Profile, User

client = Client()
client.force_login(User.objects.get(email="member00042@" + GENERATED_DOMAIN))
# Another member edits their headline between rounds: their search row changes and the
# directory's version with it, as after any change on a live site.
editor = Profile.objects.get(user__email="member00077@" + GENERATED_DOMAIN)
headline = editor.headline
pages = {pages!r}
reference = {reference!r}
other = "/directory/?sort=recent"
for label, path in [*pages, ("reference", reference)]:
    assert client.get(path).status_code == 200, path
times = {{path: [] for _label, path in pages}}
ref = {{path: [] for _label, path in pages}}
counted = {{path: [] for _label, path in pages}}
edits = 0
for _ in range({runs}):  # each page then the reference, in turn: machine drift hits both
    for label, path in pages:
        # First the page's first request after a change (once another directory request has
        # read the new version's options and built its filter form), then the reference,
        # then the page again, its count kept from the first request. Each measured request
        # follows the same other page (`other`): a page requested right after itself runs
        # ~1 ms faster in-process, whatever it is (measured on the first page at 100k:
        # 5.8 ms after itself, 6.8 after another page, with or without a change between).
        edits += 1
        editor.headline = f"{{headline}} ({{edits % 2}})"
        editor.save()
        for measured, into in ((path, counted), (reference, ref), (path, times)):
            client.get(other)
            started = time.perf_counter()
            client.get(measured)
            into[path].append((time.perf_counter() - started) * 1000)
editor.headline = headline
editor.save()
for label, path in pages:
    ms, rs = statistics.median(times[path]), statistics.median(ref[path])
    cs = statistics.median(counted[path])
    print(f"| {{label}} `{{path}}` | {{min(times[path]):.1f}} | {{ms:.1f}} | {{rs:.1f}} "
          f"| {{ms / rs:.2f}}x | {{cs:.1f}} | {{cs / rs:.2f}}x |")
print("load average after: %.2f %.2f %.2f" % os.getloadavg())
"""
