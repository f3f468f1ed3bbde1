"""The directory's statement alone, this checkout against an older commit's, alternated.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bc_dir_bench PREPARED_STATEMENTS=0 \\
    DIRECTORY_CACHE_SECONDS=0 .venv/bin/python bench/directory_statements.py \\
        --before 4eb82ef [--runs 25] [q=zoe q=translation ...]

For each search (query strings as the directory page takes them), builds the directory's
statement with this checkout's `members/directory/postgres.py` and with the one of
`--before` (read with `git show`, loaded beside it), then runs `EXPLAIN (ANALYZE, TIMING
OFF)` of both alternately, `--runs` times each (the first three of each discarded), as a
generated member of the benchmark database sees them, and prints the median execution
times and their ratio. Both versions must build the same members: the cards are compared.
Only the statement's shape differs between them; parsing, the filter options and the
visibility rule are this checkout's — and so are the statement's fragments in
`postgres_parts.py` (split out of `postgres.py` on 2026-12-06): against a commit from after
that split, only the assembly in `postgres.py` is the old one's. Nothing here is part of the
test suite.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "betacowork.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.http import QueryDict  # noqa: E402

import members.directory as directory  # noqa: E402
from members.models import User  # noqa: E402

SEARCHES = ["q=zoe", "q=translation", "q=design", "q=de", "q=jan+de", "q=zoe+martin",
            "q=zoe&skill=seo", "q=zoe&joined=365", "q=web+developer"]  # fmt: skip


def older_module(commit: str):
    source = subprocess.run(
        ["git", "show", f"{commit}:members/directory/postgres.py"],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    path = Path(tempfile.mkdtemp(prefix="bench-dir-")) / "postgres_before.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("members.directory.postgres_before", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def statement(module, viewer, query_string: str) -> tuple[str, dict, list]:
    """The directory's main statement (the longest one run) for this search, and its rows."""
    ours, seen = directory.postgres, []

    def capture(execute, sql, params, many, context):
        seen.append((sql, params))
        return execute(sql, params, many, context)

    directory.postgres = module
    try:
        with connection.execute_wrapper(capture):
            result = directory.directory_search(
                viewer=viewer, query=directory.directory_query(params=QueryDict(query_string))
            )
    finally:
        directory.postgres = ours
    sql, params = max(seen, key=lambda item: len(item[0]))
    return sql, params, [card.pk for card in result.cards]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", required=True, help="an older commit")
    parser.add_argument("--runs", type=int, default=25)
    parser.add_argument("searches", nargs="*", default=SEARCHES)
    args = parser.parse_args()
    if connection.vendor != "postgresql" or os.environ.get("PREPARED_STATEMENTS") != "0":
        sys.exit("Set DATABASE_URL=postgres://... and PREPARED_STATEMENTS=0 (EXPLAIN of text).")
    before = older_module(args.before)
    viewer = User.objects.filter(is_staff=False, is_active=True).order_by("pk")[40]
    print(f"{User.objects.count()} users, viewer {viewer.pk}, load {os.getloadavg()[0]:.1f}")
    print(f"| search | {args.before} ms | this checkout ms | ratio |\n|---|---:|---:|---:|")
    with connection.cursor() as cursor:
        for search in args.searches:
            old_sql, old_params, old_cards = statement(before, viewer, search)
            new_sql, new_params, new_cards = statement(directory.postgres, viewer, search)
            if old_cards != new_cards:
                sys.exit(f"{search}: the two versions show different members")
            times: dict[str, list[float]] = {"old": [], "new": []}
            pair = [("old", old_sql, old_params), ("new", new_sql, new_params)]
            for run in range(args.runs):
                for name, sql, params in pair if run % 2 else pair[::-1]:
                    cursor.execute("EXPLAIN (ANALYZE, TIMING OFF) " + sql, params)
                    plan = "\n".join(row[0] for row in cursor.fetchall())
                    if run >= 3:
                        found = re.search(r"Execution Time: ([\d.]+)", plan)
                        times[name].append(float(found.group(1)))
            old, new = statistics.median(times["old"]), statistics.median(times["new"])
            print(f"| `{search}` | {old:.2f} | {new:.2f} | {new / old:.2f}x |")
    print(f"load {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
