"""Benchmark the ARRS planner; prints one JSON line of figures.

Usage: python bench/workforce_plan.py [--year 2024/25] [--repeats 5]

Builds a warehouse from the shipped reference data (organisations and lists only, no synthetic
population) in a temporary folder, takes each Dorset (11J) PCN's ARR sum for the year from
openpcn.funding.entitlements.arrs_sum, and times `plan()` (three HiGHS MILPs) per PCN, the
median of `--repeats` runs each. The lower bound (peer) is a greedy fill measured in the same
run over the same roles: roles by FTE per pound, each filled in 0.1 WTE steps to its cap or the
money; it shows what the solver costs over the least work that gives a plan at all, and
`greedy_fte_ratio` how much capacity the greedy plan loses (1.0 = none). Target: <= 1 s per PCN.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import ibis

from openpcn.config import DEFAULT_DATE
from openpcn.funding.entitlements import arrs_sum, members_date
from openpcn.funding.rules import Role, rules_for
from openpcn.orgs.hierarchy import ics_view
from openpcn.store.reference import reference_tables
from openpcn.store.warehouse import write_tables
from openpcn.workforce.planner import STEP, plan, year_fraction

GOAL_SECONDS = 1.0


def greedy(budget: float, roles: list[Role], fraction: float) -> float:
    """FTE bought by filling the cheapest roles first, in steps of STEP WTE."""
    left, fte = budget, 0.0
    for role in sorted(roles, key=lambda r: r.max_reimbursement * r.reimbursement_rate):
        step = role.max_reimbursement * role.reimbursement_rate * STEP * fraction
        room = float("inf") if role.max_wte is None else role.max_wte / STEP
        steps = min(int(left // step), room)
        left -= steps * step
        fte += steps * STEP
    return fte


def timed(fn, repeats: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def measure(year: str = "2024/25", repeats: int = 5) -> dict[str, object]:
    """The planner's figures for every Dorset PCN in `year` (bench/funding.py reuses them)."""
    rules = rules_for(year)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "warehouse.duckdb"
        write_tables(path, reference_tables())
        con = ibis.duckdb.connect(str(path), read_only=True)
        day = members_date(rules)  # no PCN before the DES of July 2019
        part = year_fraction(day, rules.end)
        codes = [str(c) for c in ics_view(con, "11J", DEFAULT_DATE).pcns["pcn_code"]]
        sums = {code: arrs_sum(con, code, year, rules) for code in codes}
        con.disconnect()
    plannable = [
        r for r in rules.roles.values() if r.max_reimbursement is not None and r.from_date <= day
    ]
    milp_s, greedy_s, ratios = [], [], []
    for code in codes:
        money = float(sums[code]["arrs_sum"])
        seconds, result = timed(
            lambda m=money: plan(m, rules.roles, on=day, year_fraction=part), repeats
        )
        peer, fte = timed(lambda m=money: greedy(m, plannable, part), repeats)
        milp_s.append(seconds)
        greedy_s.append(peer)
        ratios.append(fte / result["new_fte"] if result["new_fte"] else 1.0)  # type: ignore[index]
    median = statistics.median(milp_s)
    return {
        "bench": "workforce_plan",
        "year": rules.year,
        "pcns": len(codes),
        "roles_planned": len(plannable),
        "repeats": repeats,
        "median_plan_seconds": round(median, 5),
        "max_plan_seconds": round(max(milp_s), 5),
        "peer": "greedy fill (same roles, same money)",
        "median_peer_seconds": round(statistics.median(greedy_s), 7),
        "ratio_to_peer": round(median / statistics.median(greedy_s), 1),
        "greedy_fte_ratio_min": round(min(ratios), 4),
        "goal_seconds": GOAL_SECONDS,
        "meets_goal": max(milp_s) <= GOAL_SECONDS,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--year", default="2024/25")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(json.dumps(measure(args.year, args.repeats)))


if __name__ == "__main__":
    main()
