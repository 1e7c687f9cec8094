"""Benchmark the matched-control evaluation; prints one JSON line.

Usage: python bench/evaluation.py [--home DIR] [--replications 5] [--scale 0.05] [--no-full]
                                  [--referrals shipped|observed-life]

Full Dorset (built at scale 1, seed 2019, unless --home names a folder holding a warehouse): the
seconds to define, match and estimate the default study (event OPENPCN-ICT-REFERRAL, ICS 11J,
controls other-pcns) with each method, beside a lower bound measured in the same run (the plain
covariate query for the same treated people and controls, which every method must run), and the
effects found against the planted truth (emergency admissions x0.80, A&E x1.00) with the naive
comparison's.

Replications: for each seed, a population at `--scale` with the shipped effect (0.80) and one
with a planted null (`parameters.overridden`, emergency admissions x1.00), each studied with PSM:
the bias of the log rate ratio, 95% CI coverage of the truth, the share with p < 0.05 under the
null, and the naive comparison's bias beside them.
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
import time
from pathlib import Path

import numpy as np

from openpcn.build import build_default
from openpcn.config import Settings
from openpcn.evaluation.covariates import covariate_table
from openpcn.evaluation.definition import METHODS, Intervention, StudyDefinition
from openpcn.evaluation.population import (
    control_candidates,
    control_pcns,
    placement,
    treated_people,
)
from openpcn.evaluation.study import run_study
from openpcn.store.warehouse import connect
from openpcn.synth import parameters

STUDY = StudyDefinition(
    name="ict", ics="11J", intervention=Intervention("event", "OPENPCN-ICT-REFERRAL")
)
TRUE = {"emergency_admission": 0.80, "ae": 1.00}
NULL = {"ict": {"emergency_admission_effect": 1.0, "ae_effect": 1.0}}
#: --referrals observed-life: the population before issue 18, whose referral dates were drawn
#: within each person's observed life and so tied to a later death (rates.toml [ict])
OBSERVED_LIFE = {"referral_within_observed_life": 1}


def lower_bound(con) -> float:
    """Seconds for the covariate query of the same people the study reads (no matching, no
    models): the least any method must do."""
    started = time.perf_counter()
    place = placement(con, STUDY.ics)
    treated = treated_people(con, STUDY, place)
    covariate_table(con, treated, STUDY.prior_months)
    pcns = control_pcns(STUDY.controls, place, set(treated["pcn_code"]))
    candidates = control_candidates(
        con,
        place,
        pcns,
        treated,
        exclude=set(treated["patient_id"]),
        min_age=65,
        prior_months=STUDY.prior_months,
        seed=2019,
    )
    covariate_table(con, candidates, STUDY.prior_months)
    return time.perf_counter() - started


def _effects(rows: list[dict]) -> dict:
    return {
        r["outcome"]: [r["rate_ratio"], r["ci_low"], r["ci_high"]]
        for r in rows
        if r["outcome"] in TRUE
    }


def full(home: Path) -> dict:
    con = connect(Settings(home=home))
    bound = min(lower_bound(con) for _ in range(2))
    seconds, found = {}, {}
    for method in METHODS:
        started = time.perf_counter()
        result = run_study(con, STUDY, method=method)
        seconds[method] = round(time.perf_counter() - started, 2)
        found[method] = _effects(result.summary["outcomes"])
        if method == "psm":
            naive = _effects(result.summary["naive"])
            n = {k: result.summary[k] for k in ("n_treated", "n_eligible_controls", "n_matched")}
            max_smd = max(abs(b["smd_after"]) for b in result.summary["balance"])
    covered = {
        m: {o: v[1] <= TRUE[o] <= v[2] for o, v in effects.items()} for m, effects in found.items()
    }
    return {
        **n,
        "seconds": seconds,
        "lower_bound_seconds": round(bound, 2),
        "ratio_to_lower_bound": {m: round(s / bound, 2) for m, s in seconds.items()},
        "max_abs_smd_after_psm": round(max_smd, 4),
        "rate_ratio_ci": found,
        "ci_covers_truth": covered,
        "naive": naive,
    }


def _study(tmp: Path, seed: int, scale: float, null: bool, observed_life: bool) -> dict:
    settings = Settings(home=tmp / f"rep-{seed}-{'null' if null else 'effect'}")
    ict = {**(NULL["ict"] if null else {}), **(OBSERVED_LIFE if observed_life else {})}
    with parameters.overridden({"ict": ict}):
        build_default(settings, scale=scale, seed=seed, force=True)
    con = connect(settings)
    try:
        s = run_study(con, STUDY, method="psm", seed=seed).summary
    finally:
        con.disconnect()
    matched = {r["outcome"]: r for r in s["outcomes"]}["emergency_admission"]
    naive = {r["outcome"]: r for r in s["naive"]}["emergency_admission"]
    return {"matched": matched, "naive": naive, "n_matched": s["n_matched"]}


def _summarise(runs: list[dict], truth: float) -> dict:
    ok = [r for r in runs if r["matched"]["rate_ratio"] is not None]
    log_rr = np.array([math.log(r["matched"]["rate_ratio"]) for r in ok])
    naive = np.array([math.log(r["naive"]["rate_ratio"]) for r in runs])
    bias = float(log_rr.mean() - math.log(truth)) if len(ok) else float("nan")
    out = {
        "estimable": len(ok),
        "mean_rate_ratio": round(float(np.exp(log_rr.mean())), 4) if len(ok) else None,
        "bias_log_rr": round(bias, 4),
        "ci_coverage": round(
            float(
                np.mean([r["matched"]["ci_low"] <= truth <= r["matched"]["ci_high"] for r in ok])
            ),
            3,
        )
        if ok
        else None,
        "share_p_below_0_05": round(float(np.mean([r["matched"]["p_value"] < 0.05 for r in ok])), 3)
        if ok
        else None,
        "naive_bias_log_rr": round(float(naive.mean() - math.log(truth)), 4),
        "mean_matched_treated": round(float(np.mean([r["n_matched"] for r in runs])), 1),
    }
    if truth != 1.0:
        out["bias_share_of_true_log_rr"] = round(abs(bias / math.log(truth)), 3)
    return out


def replications(n: int, scale: float, first_seed: int, observed_life: bool) -> dict:
    effect, null = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(first_seed, first_seed + n):
            effect.append(_study(Path(tmp), seed, scale, null=False, observed_life=observed_life))
            null.append(_study(Path(tmp), seed, scale, null=True, observed_life=observed_life))
            for kind in ("effect", "null"):
                folder = Path(tmp) / f"rep-{seed}-{kind}"
                for f in folder.glob("warehouse.duckdb*"):
                    f.unlink()
    return {
        "n": n,
        "scale": scale,
        "seeds": [first_seed, first_seed + n - 1],
        "referrals": "observed-life" if observed_life else "shipped",
        "outcome": "emergency_admission",
        "effect_0_80": _summarise(effect, 0.80),
        "null_1_00": _summarise(null, 1.0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="a folder with a full-Dorset warehouse")
    parser.add_argument("--replications", type=int, default=5)
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--no-full", action="store_true", help="replications only")
    parser.add_argument(
        "--referrals",
        choices=("shipped", "observed-life"),
        default="shipped",
        help="replications: referral dates as shipped (one window) or tied to a later death",
    )
    args = parser.parse_args()
    out: dict = {"bench": "evaluation"}
    started = time.perf_counter()
    if not args.no_full:
        if args.home is not None:
            out["full_dorset"] = full(args.home)
        else:
            with tempfile.TemporaryDirectory() as tmp:
                build_default(Settings(home=Path(tmp)), scale=1.0, seed=2019)
                out["full_dorset"] = full(Path(tmp))
    if args.replications > 0:
        out["replications"] = replications(
            args.replications, args.scale, args.first_seed, args.referrals == "observed-life"
        )
    out["total_seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
