"""Benchmark the synthetic population build; prints one JSON line of figures.

Usage: python bench/synth.py [--scale 1.0] [--seed 2019]
The Dorset practices come from the shipped reference data, chosen as `openpcn init` chooses them.
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

from openpcn.config import DEFAULT_DATE, DEFAULT_ICS
from openpcn.store.schema import table
from openpcn.store.warehouse import write_tables
from openpcn.synth import arrow, build

ENGLAND_PATIENTS = 60_000_000


def dorset_practices(folder: Path) -> pd.DataFrame:
    """Dorset's member practices as `openpcn init` gives them to the generator."""
    import ibis

    from openpcn.build import synth_inputs
    from openpcn.store.reference import reference_tables

    path = folder / "reference.duckdb"
    write_tables(path, reference_tables())
    con = ibis.duckdb.connect(str(path), read_only=True)
    try:
        return synth_inputs(con, DEFAULT_ICS, DEFAULT_DATE)
    finally:
        con.disconnect()


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
    with tempfile.TemporaryDirectory() as tmp:
        practices = dorset_practices(Path(tmp))
        start = time.perf_counter()
        rows = build(Path(tmp) / "w.duckdb", practices, scale=args.scale, seed=args.seed)
        seconds = time.perf_counter() - start
        peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        floor = lower_bound(Path(tmp) / "floor.duckdb", rows)
    total = sum(rows.values())
    patients = rows["patients"]
    print(
        json.dumps(
            {
                "bench": "synth",
                "ics": DEFAULT_ICS,
                "practices": len(practices),
                "scale": args.scale,
                "seconds": round(seconds, 2),
                "peak_mib": round(peak_mib, 1),
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
