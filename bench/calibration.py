"""Benchmark the calibrated synthetic population against its targets; prints one JSON line.

Usage: python bench/calibration.py [--scale 1.0] [--seed 2019]
Builds Dorset as `openpcn init` does, then per practice compares: the list on the reference date
with round(list x scale); the share aged 65+ on that day with the 2019/20 covariates; each
condition's register on 2019-03-31 (the shared register definition: on the list, old enough for
QOF's list type, a code on or before the day) over QOF's denominator with the practice's QOF
2018/19 rate; and Dorset's appointments per 1,000 by month with the Appointments in General
Practice file. For each: the per-practice correlation, the mean absolute error and the ICS-level
difference. The build's time and peak memory sit beside bench/synth.py's lower bound (the time to
write as many rows of random columns through the same write path), measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from openpcn.config import DEFAULT_ICS
from openpcn.synth import build, parameters, targets
from openpcn.synth.constants import QOF_DATE, REFERENCE_DATE

sys.path.insert(0, str(Path(__file__).parent))
from synth import dorset_practices, lower_bound


def _fit(got: pd.Series, want: pd.Series) -> dict[str, float]:
    both = pd.concat([got.rename("got"), want.rename("want")], axis=1).dropna()
    r = float(np.corrcoef(both["got"], both["want"])[0, 1]) if len(both) > 2 else float("nan")
    return {
        "practices": len(both),
        "r": round(r, 4),
        "mae": round(float((both["got"] - both["want"]).abs().mean()), 5),
    }


def _on_list(day: str) -> str:
    return (
        f"registration_date <= DATE '{day}' "
        f"AND (deregistration_date IS NULL OR deregistration_date > DATE '{day}') "
        f"AND (death_date IS NULL OR death_date > DATE '{day}')"
    )


def _years(day: str) -> str:
    return f"date_diff('month', birth_month, DATE '{day}') // 12"


def list_sizes(con, practices: pd.DataFrame, scale: float) -> dict:
    day = REFERENCE_DATE.isoformat()
    q = f"SELECT practice_code, count(*) AS n FROM patients WHERE {_on_list(day)} GROUP BY 1"
    got = con.execute(q).df().set_index("practice_code")["n"]
    want = practices.set_index("practice_code")["registered_patients"].mul(scale).round()
    want = want.clip(lower=1)
    off = (got.reindex(want.index).fillna(0) - want).abs() / want
    return {
        **_fit(got, want),
        "within_2pct": int((off <= 0.02).sum()),
        "exact": int((off == 0).sum()),
        "max_relative_error": round(float(off.max()), 5),
        "ics_synthetic": int(got.sum()),
        "ics_target": int(want.sum()),
    }


def over65(con) -> dict:
    day = REFERENCE_DATE.isoformat()
    q = (
        f"SELECT practice_code, avg(({_years(day)} >= 65)::int) AS old, count(*) AS n "
        f"FROM patients WHERE {_on_list(day)} GROUP BY 1"
    )
    got = con.execute(q).df().set_index("practice_code")
    want = pd.Series(
        {c: t.over65 for c, t in targets.practices().items() if targets.is_known(t.over65)}
    )
    fit = _fit(got["old"], want)
    have = got.index.intersection(want.index)
    n = got.loc[have, "n"]
    fit["ics_synthetic"] = round(float((got.loc[have, "old"] * n).sum() / n.sum()), 4)
    fit["ics_target"] = round(float((want[have] * n).sum() / n.sum()), 4)
    return fit


def registers(con) -> dict:
    day = QOF_DATE.isoformat()
    mix = parameters.code_mix()
    out = {}
    for c in parameters.conditions().itertuples(index=False):
        codes = set(mix.loc[mix["concept_code"] == str(c.snomed_code), "code"])
        codes = sorted(codes | {str(c.snomed_code)})
        published = {
            code: t.registers[c.condition]
            for code, t in targets.practices().items()
            if c.condition in t.registers
        }
        if not published:
            continue
        min_age = next(iter(published.values())).min_age
        listed = ", ".join(f"'{x}'" for x in codes)
        q = f"""
            WITH den AS (
                SELECT patient_id, practice_code FROM patients
                WHERE {_on_list(day)} AND {_years(day)} >= {min_age}),
            coded AS (
                SELECT DISTINCT patient_id FROM events
                WHERE snomed_code IN ({listed}) AND date <= DATE '{day}')
            SELECT practice_code, count(*) AS den, count(coded.patient_id) AS reg
            FROM den LEFT JOIN coded USING (patient_id) GROUP BY 1"""
        got = con.execute(q).df().set_index("practice_code")
        want = pd.Series({k: v.rate for k, v in published.items()})
        fit = _fit(got["reg"] / got["den"], want)
        have = got.index.intersection(want.index)
        synthetic = got.loc[have, "reg"].sum() / got.loc[have, "den"].sum()
        target = sum(published[k].register for k in have) / sum(
            published[k].list_size for k in have
        )
        fit["ics_synthetic_pct"] = round(100 * float(synthetic), 3)
        fit["ics_target_pct"] = round(100 * target, 3)
        fit["ics_relative_difference"] = round(float(synthetic / target - 1), 4)
        out[c.condition] = fit
    return out


def appointments(con, scale: float) -> dict:
    day = REFERENCE_DATE.isoformat()
    listed = con.execute(f"SELECT count(*) FROM patients WHERE {_on_list(day)}").fetchone()[0]
    q = (
        "SELECT date_trunc('month', date) AS m, count(*) AS n FROM appointments "
        "GROUP BY 1 ORDER BY 1"
    )
    got = con.execute(q).df()
    got = got.set_index(pd.to_datetime(got["m"]))["n"] / listed * 1000
    months = targets.appointments().set_index("month")
    want = months["appointments"] / months["list_size"] * 1000
    fit = _fit(got, want)
    fit["ics_synthetic_per_1000_year"] = round(float(got.sum()), 1)
    fit["ics_target_per_1000_year"] = round(float(want.sum()), 1)
    fit["ics_relative_difference"] = round(float(got.sum() / want.sum() - 1), 4)
    return fit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=2019)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        practices = dorset_practices(Path(tmp))
        path = Path(tmp) / "w.duckdb"
        start = time.perf_counter()
        rows = build(path, practices, scale=args.scale, seed=args.seed)
        seconds = time.perf_counter() - start
        peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        floor = lower_bound(Path(tmp) / "floor.duckdb", rows)
        with duckdb.connect(str(path), read_only=True) as con:
            figures = {
                "list_size": list_sizes(con, practices, args.scale),
                "over65": over65(con),
                "conditions": registers(con),
                "appointments_per_1000_by_month": appointments(con, args.scale),
            }
    conditions = figures["conditions"].values()
    print(
        json.dumps(
            {
                "bench": "calibration",
                "ics": DEFAULT_ICS,
                "practices": len(practices),
                "scale": args.scale,
                "seconds": round(seconds, 2),
                "peak_mib": round(peak_mib, 1),
                "lower_bound_seconds": round(floor, 2),
                "ratio_to_lower_bound": round(seconds / floor, 2),
                "rows": rows,
                **figures,
                "targets_met": {
                    "list_sizes_within_2pct": figures["list_size"]["within_2pct"] == len(practices),
                    "over65_r_0_95": figures["over65"]["r"] >= 0.95,
                    "conditions_r_0_9": all(c["r"] >= 0.9 for c in conditions),
                    "conditions_ics_within_5pct": all(
                        abs(c["ics_relative_difference"]) <= 0.05 for c in conditions
                    ),
                    "build_120s": seconds <= 120,
                    "peak_4gib": peak_mib <= 4096,
                },
            }
        )
    )


if __name__ == "__main__":
    main()
