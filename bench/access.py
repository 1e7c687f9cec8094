"""Benchmark `openpcn access summary` on the default warehouse; prints one JSON line.

Usage: python bench/access.py [--home DIR] [--ics 11J] [--repeats 3]

Times `access_summary` (every month loaded: the published months with their denominators, and
the recorded months from the `appointments` patient table) against plain DuckDB SQL lower
bounds on the same connection: one GROUP BY month and mode over `appointments_published` for
the ICS's commissioners (`sql_published_s`), and that plus one GROUP BY month, mode, role and
status over the recorded `appointments` of the ICS's practices (`sql_both_s`), which is the least
work the same answer needs. Each time is the best of `--repeats` runs, after one warm-up run.
`ratio` = summary / sql_both; `ratio_published` = summary / sql_published.
Run after `openpcn init` (OPENPCN_HOME, or --home).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from pathlib import Path


def best(run: Callable[[], object], repeats: int) -> float:
    run()  # warm-up: DuckDB's caches and Python imports
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=None)
    parser.add_argument("--ics", default="11J")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if args.home is not None:
        os.environ["OPENPCN_HOME"] = str(args.home)

    from openpcn.access.summary import access_summary
    from openpcn.orgs.hierarchy import resolve_ics
    from openpcn.store.warehouse import connect

    con = connect(engine="duckdb")
    raw = con.con  # the DuckDB connection under Ibis
    footprint = resolve_ics(con, args.ics)
    ccgs = list(footprint.commissioners)
    practices = [
        str(c)
        for (c,) in raw.execute(
            "SELECT practice_code FROM practices WHERE commissioner_code IN "
            f"({', '.join('?' for _ in ccgs)})",
            ccgs,
        ).fetchall()
    ]
    published_sql = (
        "SELECT month, mode, sum(count) FROM appointments_published "
        f"WHERE level = 'ccg' AND org_code IN ({', '.join('?' for _ in ccgs)}) GROUP BY ALL"
    )
    recorded_sql = (
        "SELECT date_trunc('month', date), mode, staff_role, status, count(*) FROM appointments "
        f"WHERE practice_code IN ({', '.join('?' for _ in practices)}) GROUP BY ALL"
    )

    def sql_published() -> object:
        return raw.execute(published_sql, ccgs).fetchall()

    def sql_both() -> object:
        sql_published()
        return raw.execute(recorded_sql, practices).fetchall()

    result = access_summary(con, args.ics)
    summary_s = best(lambda: access_summary(con, args.ics), args.repeats)
    sql_published_s = best(sql_published, args.repeats)
    sql_both_s = best(sql_both, args.repeats)
    appointments = raw.execute("SELECT count(*) FROM appointments").fetchone()[0]
    print(
        json.dumps(
            {
                "bench": "access",
                "ics": footprint.code,
                "published_months": len(result["published"]),
                "recorded_months": len(result["recorded"]),
                "recorded_appointments_in_warehouse": int(appointments),
                "summary_s": round(summary_s, 3),
                "sql_published_s": round(sql_published_s, 4),
                "sql_both_s": round(sql_both_s, 4),
                "ratio": round(summary_s / sql_both_s, 1),
                "ratio_published": round(summary_s / sql_published_s, 1),
                "repeats": args.repeats,
            }
        )
    )


if __name__ == "__main__":
    main()
