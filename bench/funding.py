"""Bench: seconds to compute every England PCN's entitlements for one year.

Builds a warehouse from the shipped reference data (1,250 PCNs) in a temporary folder, then
times `entitlements(con, year)` (best of a few runs) against a lower bound measured in the same
run: one DuckDB query summing the members' lists per PCN. Adds the median ARRS plan solve time
over the Dorset PCNs from bench/workforce_plan.py (which prints the planner's details alone).
Prints one JSON line.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import ibis

from openpcn.funding.entitlements import entitlements
from openpcn.store.reference import reference_tables
from openpcn.store.warehouse import write_tables
from workforce_plan import measure as measure_planner  # bench/ is on sys.path as the script dir

YEAR = sys.argv[1] if len(sys.argv) > 1 else "2020/21"
RUNS = 5
LOWER_BOUND_SQL = """
SELECT m.pcn_code, sum(l.registered_patients) AS registered, sum(l.weighted_patients) AS weighted
FROM memberships m JOIN practice_lists l USING (practice_code)
WHERE l.as_of = DATE '2020-01-01'
GROUP BY m.pcn_code
"""


def _best(fn: object, runs: int = RUNS) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "warehouse.duckdb"
        write_tables(path, reference_tables())
        con = ibis.duckdb.connect(str(path), read_only=True)
        raw = con.con  # the DuckDB connection underneath Ibis
        entitlements(con, YEAR)  # warm-up: imports, rules file, query plans
        seconds, rows = _best(lambda: entitlements(con, YEAR))
        bound, groups = _best(lambda: raw.execute(LOWER_BOUND_SQL).fetchall())
        con.disconnect()
    planner = measure_planner(YEAR)
    print(
        json.dumps(
            {
                "bench": "funding",
                "year": YEAR,
                "pcns": len(rows),  # type: ignore[arg-type]
                "entitlements_all_england_s": round(seconds, 4),
                "target_s": 2.0,
                "lower_bound_s": round(bound, 4),
                "lower_bound": "one DuckDB query summing member lists per PCN",
                "ratio_to_lower_bound": round(seconds / bound, 1),
                "lower_bound_pcns": len(groups),  # type: ignore[arg-type]
                "arrs_plan_median_s": planner["median_plan_seconds"],
                "arrs_plan_max_s": planner["max_plan_seconds"],
                "arrs_plan_pcns": planner["pcns"],
                "arrs_plan_ratio_to_greedy": planner["ratio_to_peer"],
                "arrs_plan_target_s": 1.0,
            }
        )
    )


if __name__ == "__main__":
    main()
