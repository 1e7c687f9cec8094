"""Benchmark the synthetic population build; prints one JSON line of figures.

Usage: python bench/synth.py [--scale 1.0] [--seed 2019]
The Dorset practices come from the shipped reference data (src/openpcn/data/reference/);
while those files are missing, a stand-in frame of 81 practices and ~806,000 patients is used.
The lower bound is the time to write the same number of rows of plain random columns to DuckDB
through the same `write_tables`, measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from openpcn.store.schema import table
from openpcn.store.warehouse import write_tables
from openpcn.synth import arrow, build

ENGLAND_PATIENTS = 60_000_000


def dorset_practices() -> tuple[pd.DataFrame, str]:
    """Dorset (11J) practices from the reference data, or a stand-in of the same size."""
    from openpcn.store.reference import reference_tables

    ref = reference_tables()
    pcns = ref["pcns"]
    dorset = set(pcns.loc[pcns["commissioner_code"] == "11J", "pcn_code"])
    members = ref["memberships"]
    members = members[members["pcn_code"].isin(dorset) & members["end_date"].isna()]
    lists = ref["practice_lists"]
    lists = lists[lists["source"].fillna("").str.startswith("NHS Payments 2019-20")]
    if len(members) and len(lists):
        frame = (
            members[["practice_code", "pcn_code"]]
            .merge(lists[["practice_code", "registered_patients"]], on="practice_code")
            .merge(
                ref["practices"][["practice_code", "rurality", "imd2019_score", "lat", "lon"]],
                on="practice_code",
                how="left",
            )
        )
        return frame.drop_duplicates("practice_code"), "reference"
    rng = np.random.default_rng(81)
    n = 81
    frame = pd.DataFrame(
        {
            "practice_code": [f"J81{i:03d}" for i in range(n)],
            "pcn_code": [f"U{10000 + i * 18 // n:05d}" for i in range(n)],
            "registered_patients": rng.lognormal(9.1, 0.45, n),
            "rurality": rng.choice(["Urban", "Rural"], n, p=[0.6, 0.4]),
            "imd2019_score": rng.uniform(6, 35, n),
            "lat": 50.75 + rng.normal(0, 0.1, n),
            "lon": -2.2 + rng.normal(0, 0.35, n),
        }
    )
    frame["registered_patients"] = (
        frame["registered_patients"] * 806_000 / frame["registered_patients"].sum()
    ).round()
    return frame, "stand-in"


def lower_bound(path: Path, rows: dict[str, int]) -> float:
    """Seconds to write the same row counts of random plain columns via write_tables.

    The random columns are made before the clock starts, so only the writing is timed.
    """
    rng = np.random.default_rng(0)
    chunk = 1_000_000
    ready = {}
    for name in rows:
        spec = table(name)
        cols = {}
        for col in spec.columns:
            if col.dtype == "string":
                cols[col.name] = pa.array(rng.integers(0, 10**12, chunk).astype(str))
            elif col.dtype == "date":
                cols[col.name] = arrow.dates(rng.integers(16000, 18000, chunk))
            elif col.dtype == "float64":
                cols[col.name] = pa.array(rng.random(chunk))
            elif col.dtype == "int64":
                cols[col.name] = pa.array(rng.integers(0, 100, chunk))
            else:
                cols[col.name] = pa.array(rng.random(chunk) < 0.5)
        ready[name] = arrow.build(spec, cols)
    start = time.perf_counter()
    for name, n in rows.items():
        done = 0
        while done < n:
            k = min(chunk, n - done)
            write_tables(path, {name: ready[name].slice(0, k)}, replace=False)
            done += k
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=2019)
    args = parser.parse_args()
    practices, origin = dorset_practices()
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        rows = build(Path(tmp) / "w.duckdb", practices, scale=args.scale, seed=args.seed)
        seconds = time.perf_counter() - start
        floor = lower_bound(Path(tmp) / "floor.duckdb", rows)
    total = sum(rows.values())
    patients = rows["patients"]
    print(
        json.dumps(
            {
                "bench": "synth",
                "practices": origin,
                "scale": args.scale,
                "seconds": round(seconds, 2),
                "peak_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                "rows": rows,
                "rows_per_second": round(total / seconds),
                "patients_per_second": round(patients / seconds),
                "projected_seconds_60m": round(seconds * ENGLAND_PATIENTS / patients),
                "lower_bound_seconds": round(floor, 2),
                "ratio_to_lower_bound": round(seconds / floor, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
