"""Benchmark formation for all of England (42 STPs, region by region); prints one JSON line.

Usage: python bench/formation_england.py [--time-limit-per-ics 12] [--processes 2]

On the shipped reference data (all England, 2019-12-01, the default band), every STP is
proposed in `--processes` worker processes under the per-ICS time limit
(`openpcn.formation.england.england`, as `openpcn formation england` runs it). Reported: the
national summary (networks in the band today and proposed, share of ICSs proved optimal),
the wall time against the issue's 10-minute target, and the lower bound on that wall time for
this per-ICS limit (the sum of the ICSs' solver seconds divided by the processes), with the
ratio of the two: how much the process pool and the reading of instances add.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
import time
from pathlib import Path

import ibis

from openpcn.formation import Params
from openpcn.formation.england import england
from openpcn.orgs.band import load_band
from openpcn.store.reference import reference_tables
from openpcn.store.warehouse import write_tables

TARGET_SECONDS = 600.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit-per-ics", type=float, default=12.0)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        path = Path(home) / "warehouse.duckdb"
        write_tables(path, reference_tables())
        con = ibis.duckdb.connect(str(path), read_only=True)
        params = Params(date=dt.date(2019, 12, 1), band=load_band())
        began = time.monotonic()
        result = england(
            con,
            params,
            time_limit_per_ics=args.time_limit_per_ics,
            processes=args.processes,
        )
        wall = time.monotonic() - began
    summary = result["summary"]
    rows = result["rows"]
    solver = sum(float(r.get("seconds") or 0) for r in rows)
    lower = solver / max(args.processes, 1)
    statuses: dict[str, int] = {}
    for row in rows:
        statuses[str(row.get("status"))] = statuses.get(str(row.get("status")), 0) + 1
    print(
        json.dumps(
            {
                "time_limit_per_ics": args.time_limit_per_ics,
                "processes": args.processes,
                "wall_seconds": round(wall, 1),
                "target_seconds": TARGET_SECONDS,
                "within_target": wall <= TARGET_SECONDS,
                "lower_bound_seconds": round(lower, 1),
                "ratio_to_lower_bound": round(wall / lower, 2) if lower else None,
                "statuses": statuses,
                "summary": summary,
            },
            default=str,
        )
    )


if __name__ == "__main__":
    main()
