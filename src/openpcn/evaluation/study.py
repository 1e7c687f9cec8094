"""Run a matched-control study end to end: treated people, eligible controls with pseudo index
dates, covariates, matching, balance, outcomes, the effect, and the sensitivity analyses.

`run_study` returns aggregates only in `summary` (JSON-ready; counts are raw, surfaces pass them
through `openpcn.cohorts.disclosure` for users without patient-level rights) and the matched sets
as a patient-level frame for the roles allowed to see it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import ibis
import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits  # installed with scikit-learn

from openpcn.evaluation import diagnostics, matching, outcomes
from openpcn.evaluation.covariates import columns_for, covariate_table
from openpcn.evaluation.definition import METHODS, StudyDefinition
from openpcn.evaluation.population import (
    control_candidates,
    control_pcns,
    placement,
    quarter_of,
    treated_people,
)
from openpcn.exceptions import InputError, UserError
from openpcn.progress import part, report

MAX_RATIO = 10
#: BLAS threads for the model fits: one, as in `cohorts.admission_risk`. On the shared 2-core
#: machine a QR of the 100,000-row CEM design took 1.6 s on two threads and 0.44 s on one.
THREADS = 1
STEPS = 5
MATCHED_COLUMNS = [
    "pair_id",
    "patient_id",
    "arm",
    "index_date",
    "practice_code",
    "pcn_code",
    "weight",
]


@dataclass
class StudyResult:
    summary: dict
    matched: pd.DataFrame  # pair_id, patient_id, arm, index_date, practice_code, pcn_code, weight


@dataclass
class Design:
    """The eligible treated people and control candidates with their covariates."""

    frame: pd.DataFrame  # treated (bool), patient_id, index_date, quarter, practice, pcn, COLUMNS
    columns: list[str]
    n_treated_found: int
    min_age: int
    extract_date: object
    control_pcns: list[str]


def check_parameters(method: str, caliper: float, ratio: int) -> None:
    if method not in METHODS:
        raise InputError(
            f"unknown method {method!r}", column="method", fix=f"use one of {', '.join(METHODS)}"
        )
    if not (isinstance(caliper, int | float) and 0 < caliper <= 5):
        raise InputError(
            "the caliper must be a number of SDs above 0 and at most 5",
            column="caliper",
            fix="e.g. 0.2",
        )
    if isinstance(ratio, bool) or not isinstance(ratio, int) or not 1 <= ratio <= MAX_RATIO:
        raise InputError(
            f"the ratio must be a whole number from 1 to {MAX_RATIO}", column="ratio", fix="e.g. 1"
        )


def design(con: ibis.BaseBackend, definition: StudyDefinition, seed: int) -> Design:
    """Eligible treated people and control candidates, covariates on their index dates."""
    prior = definition.prior_months
    with part(0, 2):
        report("Finding the treated people and their covariates")
        place = placement(con, definition.ics)
        found = treated_people(con, definition, place)
        cov = covariate_table(con, found[["patient_id", "index_date"]], prior)
        treated = found.merge(cov, on=["patient_id", "index_date"])
        treated = treated[
            treated["eligible"] & (treated["index_date"] <= place.extract_date)
        ].copy()
        if definition.min_age is not None:
            min_age = definition.min_age
        elif treated.empty:
            min_age = 0
        else:
            min_age = int(treated["age"].min())
        treated = treated[treated["age"] >= min_age]
        if treated.empty:
            raise UserError(
                f"none of the {len(found)} treated people found in ICS {definition.ics} is "
                f"eligible (registered and alive on the index date, registered for "
                f"{prior} months before it, aged {min_age} or over)",
                fix="check the index dates, or shorten the prior period",
            )
    with part(1, 2):
        report("Finding eligible controls and their covariates")
        pcns = control_pcns(definition.controls, place, set(treated["pcn_code"]))
        candidates = control_candidates(
            con,
            place,
            pcns,
            treated,
            exclude=set(found["patient_id"]),
            min_age=min_age,
            prior_months=prior,
            seed=seed,
        )
        ccov = covariate_table(con, candidates[["patient_id", "index_date"]], prior)
        controls = candidates.merge(ccov, on=["patient_id", "index_date"])
        controls = controls[controls["eligible"] & (controls["age"] >= min_age)]
        if controls.empty:
            raise UserError(
                f"no eligible controls: nobody in the control group ({definition.controls}) of "
                f"ICS {definition.ics} was registered, alive and aged {min_age}+ on the treated "
                "people's index dates",
                fix="choose a wider control group, e.g. --controls all",
            )
    treated = treated.assign(treated=True, quarter=quarter_of(treated["index_date"]))
    frame = pd.concat([treated, controls.assign(treated=False)], ignore_index=True)
    frame = frame.drop(columns=["eligible"])
    return Design(
        frame=frame,
        columns=columns_for(definition.covariates),
        n_treated_found=len(found),
        min_age=min_age,
        extract_date=place.extract_date,
        control_pcns=pcns,
    )


def _left_out(definition: StudyDefinition, found: int, eligible: int) -> list[str]:
    """Counts only (never who): treated people of a file not in the ICS, and the ineligible."""
    out = []
    given = len({pid for pid, _ in definition.intervention.people})
    if definition.intervention.kind == "file" and found < given:
        out.append(
            f"{given - found} of the {given} people in the intervention file are not registered "
            f"at a practice of {definition.ics} in the warehouse and were left out."
        )
    if eligible < found:
        out.append(
            f"{found - eligible} treated people were not eligible on their index date (not "
            f"registered and alive, registered for under {definition.prior_months} months, or "
            "younger than the minimum age) and were left out."
        )
    return out


def _sample(frame: pd.DataFrame, sets: pd.DataFrame) -> pd.DataFrame:
    rows = frame.iloc[sets["row"].to_numpy()].reset_index(drop=True)
    return rows.assign(
        pair_id=sets["pair_id"].to_numpy(),
        weight=sets["weight"].to_numpy(float),
        arm=sets["arm"].to_numpy(),
    )


def _one_row_per_control(frame: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Treated people and one (seeded) quarter of each control person, for the naive
    comparison, so nobody counts more than once."""
    controls = frame[~frame["treated"]]
    rng = np.random.default_rng(seed + 1)
    shuffled = controls.iloc[rng.permutation(len(controls))]
    once = shuffled.drop_duplicates("patient_id").sort_index()
    return pd.concat([frame[frame["treated"]], once]).sort_index()


def run_study(
    con: ibis.BaseBackend,
    definition: StudyDefinition,
    *,
    method: str = "psm",
    caliper: float = 0.2,
    ratio: int = 1,
    seed: int = 2019,
) -> StudyResult:
    """Define, match and estimate; progress goes to `openpcn.progress` watchers."""
    check_parameters(method, caliper, ratio)
    with threadpool_limits(THREADS):
        return _run(con, definition, method=method, caliper=caliper, ratio=ratio, seed=seed)


def _run(
    con: ibis.BaseBackend,
    definition: StudyDefinition,
    *,
    method: str,
    caliper: float,
    ratio: int,
    seed: int,
) -> StudyResult:
    started = time.perf_counter()
    with part(0, STEPS):
        d = design(con, definition, seed)
    frame, columns = d.frame, d.columns
    treated_all = frame["treated"].to_numpy(bool)

    with part(1, STEPS):
        report(f"Matching ({method})")
        matched = matching.run_matching(
            method, frame, columns, caliper=caliper, ratio=ratio, seed=seed
        )
        others = {}
        for other in METHODS:
            if other == method:
                continue
            try:
                others[other] = matching.run_matching(
                    other, frame, columns, caliper=caliper, ratio=ratio, seed=seed
                )
            except UserError as error:
                others[other] = error

    with part(2, STEPS):
        report("Counting outcomes over the follow-up")
        naive_frame = _one_row_per_control(frame, seed)
        needed_rows = [matched.sets["row"].to_numpy(), naive_frame.index.to_numpy()]
        for result in others.values():
            if isinstance(result, matching.Matched):
                needed_rows.append(result.sets["row"].to_numpy())
        needed = frame.iloc[np.unique(np.concatenate(needed_rows))]
        fu = outcomes.follow_up(
            con,
            needed[["patient_id", "index_date"]].drop_duplicates(),
            definition.followup_months,
            d.extract_date,
        )
        frame_fu = frame.merge(fu, on=["patient_id", "index_date"], how="left")

    with part(3, STEPS):
        report("Estimating the effect")
        sample = _sample(frame_fu, matched.sets)
        table = outcomes.outcome_rows(sample, definition.outcomes, columns)
        naive = outcomes.naive_rows(frame_fu.loc[naive_frame.index], definition.outcomes)
        did = outcomes.did_rows(sample, definition.outcomes, definition.prior_months)
        other_rows = []
        for other, result in others.items():
            if isinstance(result, UserError):
                other_rows.append({"method": other, "error": result.what})
                continue
            other_sample = _sample(frame_fu, result.sets)
            rows = outcomes.outcome_rows(other_sample, definition.outcomes, columns)
            other_rows.append(
                {
                    "method": other,
                    "n_matched": int((result.sets["arm"] == "treated").sum()),
                    "rate_ratio": {r["outcome"]: r["rate_ratio"] for r in rows},
                    "ci_low": {r["outcome"]: r["ci_low"] for r in rows},
                    "ci_high": {r["outcome"]: r["ci_high"] for r in rows},
                }
            )

    with part(4, STEPS):
        report("Checking balance and writing the summary")
        balance = diagnostics.balance(frame, sample, columns)
        if matched.score is None:
            overlap = diagnostics.strata_coverage(matching.cem_strata(frame, columns), treated_all)
        else:
            overlap = diagnostics.histogram(matched.score, treated_all)
        n_treated = int(treated_all.sum())
        n_matched = int((matched.sets["arm"] == "treated").sum())
        sample_t = sample["treated"].to_numpy(bool)
        events = {}
        for row in table:
            least = min(row["treated"]["events"], row["control"]["events"])
            events[row["label"]] = least
        score_t = score_c_max = None
        if method == "psm" and matched.score is not None:
            score_t = matched.score[treated_all]
            score_c_max = float(matched.score[~treated_all].max())
        warnings = (
            _left_out(definition, d.n_treated_found, n_treated)
            + diagnostics.balance_warnings(balance)
            + diagnostics.overlap_warnings(n_treated, n_matched, score_c_max, score_t)
            + diagnostics.small_number_warnings(n_matched, events)
            + diagnostics.truncation_warning(
                float(sample.loc[sample_t, "truncated"].mean()), definition.followup_months
            )
        )
        monthly = outcomes.monthly_rates(
            con,
            sample,
            definition.outcomes,
            definition.prior_months,
            definition.followup_months,
        )
        matched_frame = sample.assign(index_date=sample["index_date"])[MATCHED_COLUMNS]
        matched_frame = matched_frame.sort_values(["pair_id", "arm"], ascending=[True, False])
        summary = {
            "name": definition.name,
            "definition": definition.to_json(),
            "method": method,
            "parameters": {"caliper": caliper, "ratio": ratio, "seed": seed},
            "n_treated_found": d.n_treated_found,
            "n_treated": n_treated,
            "n_eligible_controls": int(frame.loc[~treated_all, "patient_id"].nunique()),
            "n_matched": n_matched,
            "n_matched_controls": int(sample.loc[~sample_t, "patient_id"].nunique()),
            "unmatched_treated": n_treated - n_matched,
            "unmatched_share": round(1 - n_matched / n_treated, 4),
            "eligibility": {
                "min_age": d.min_age,
                "min_age_from": "definition"
                if definition.min_age is not None
                else "the youngest treated person",
                "prior_months": definition.prior_months,
                "control_pcns": len(d.control_pcns),
            },
            "score": matched.score_name or None,
            "balance": balance,
            "overlap": overlap,
            "outcomes": table,
            "naive": naive,
            "sensitivity": {"difference_in_differences": did, "other_methods": other_rows},
            "monthly": monthly,
            "warnings": warnings,
            "extract_date": d.extract_date.isoformat(),
            "seconds": round(time.perf_counter() - started, 2),
        }
    report("Done", 1, 1)
    return StudyResult(summary=summary, matched=matched_frame.reset_index(drop=True))
