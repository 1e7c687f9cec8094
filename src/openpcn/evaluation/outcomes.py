"""Outcomes over each person's follow-up, rates per person-year, and the effect with its
uncertainty.

Follow-up runs from the day after the index date for `followup_months` calendar months, cut at
death, deregistration or the extract date (exposure in person-years). Counts: A&E attendances,
emergency and elective admissions starting in follow-up, emergency bed days (length of stay of
those admissions; a stay still open at the extract counts to the extract), and death (0/1).

The effect is a Poisson GLM (statsmodels) of the count on the arm with log(exposure) as offset,
adjusted for the matching covariates, weighted by the matching weights, with cluster-robust
(sandwich) errors by matched set (`cov_type="cluster"`). Poisson rather than negative binomial:
with robust errors the Poisson rate ratio is consistent whatever the overdispersion (only the
mean model must be right), while negative binomial adds a dispersion parameter whose estimate is
unstable in small matched samples and changes the weights given to high users; the sandwich
already widens the interval for overdispersion and for people who share a matched set.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings

import ibis
import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from openpcn.evaluation.definition import OUTCOME_WORDS
from openpcn.evaluation.population import add_months

YEAR_DAYS = 365.25
MONTH_DAYS = YEAR_DAYS / 12
HOSPITAL_KINDS = ("ae", "emergency_admission", "elective_admission")
#: the covariate holding each outcome's prior-period count (difference-in-differences)
PRIOR_OF = {
    "ae": "prior_ae_attendances",
    "emergency_admission": "prior_emergency_admissions",
    "elective_admission": "prior_elective_admissions",
    "emergency_bed_days": "prior_emergency_bed_days",
}


def follow_up(
    con: ibis.BaseBackend, people: pd.DataFrame, followup_months: int, extract: dt.date
) -> pd.DataFrame:
    """One row per (patient_id, index_date): end_date, exposure_years, truncated (the extract
    ends before the planned follow-up) and a count column per outcome."""
    unique = pd.Series(pd.unique(people["index_date"]))
    ends = {d: add_months(d, followup_months) for d in unique}
    rows = pd.DataFrame(
        {
            "patient_id": people["patient_id"].astype(str).to_numpy(),
            "index_date": people["index_date"].to_numpy(),
            "follow_end": people["index_date"].map(ends).to_numpy(),
        }
    )
    t = ibis.memtable(rows)
    ids = t.select("patient_id").distinct()
    p = con.table("patients").semi_join(ids, "patient_id")
    b = t.inner_join(p, "patient_id")
    end = ibis.least(
        b.follow_end,
        ibis.literal(extract),
        b.deregistration_date.fill_null(b.follow_end),
        b.death_date.fill_null(b.follow_end),
    )
    base = b.select(
        "patient_id",
        "index_date",
        "follow_end",
        end_date=end,
        death=(b.death_date.notnull() & (b.death_date <= end)).ifelse(1, 0),
    )
    h = con.table("hospital_activity").semi_join(ids, "patient_id")
    hj = base.inner_join(h, "patient_id")
    hj = hj.filter((hj.start_date > hj.index_date) & (hj.start_date <= hj.end_date))
    open_stay = ibis.literal(extract).delta(hj.start_date, unit="day")
    counts = hj.group_by(["patient_id", "index_date"]).aggregate(
        **{k: (hj.kind == k).ifelse(1, 0).sum() for k in HOSPITAL_KINDS},
        emergency_bed_days=(hj.kind == "emergency_admission")
        .ifelse(hj.los_days.fill_null(open_stay), 0)
        .sum(),
    )
    joined = base.left_join(counts, ["patient_id", "index_date"]).select(
        base, *[c for c in counts.columns if c not in ("patient_id", "index_date")]
    )
    frame = con.to_pyarrow(joined).to_pandas()
    for column in ("index_date", "follow_end", "end_date"):
        frame[column] = pd.to_datetime(frame[column])
    frame["exposure_years"] = (frame["end_date"] - frame["index_date"]).dt.days / YEAR_DAYS
    frame["truncated"] = frame["follow_end"].dt.date > extract
    for column in (*HOSPITAL_KINDS, "emergency_bed_days", "death"):
        frame[column] = pd.to_numeric(frame[column]).fillna(0).astype(float)
    frame["index_date"] = frame["index_date"].dt.date
    return frame.drop(columns=["follow_end"]).sort_values(["patient_id", "index_date"])


def arm_rates(y: np.ndarray, years: np.ndarray, w: np.ndarray) -> dict[str, float | None]:
    """Weighted events, person-years and rate per person-year of one arm."""
    events, py = float((w * y).sum()), float((w * years).sum())
    return {
        "events": round(events, 2),
        "person_years": round(py, 2),
        "rate": round(events / py, 5) if py > 0 else None,
    }


def _blank(model: str) -> dict[str, object]:
    return {"rate_ratio": None, "ci_low": None, "ci_high": None, "p_value": None, "model": model}


def _from_coef(coef: float, se: float, model: str) -> dict[str, object]:
    z = coef / se if se > 0 else float("inf")
    p = float(2 * stats.norm.sf(abs(z)))
    return {
        "rate_ratio": round(math.exp(coef), 4),
        "ci_low": round(math.exp(coef - 1.959964 * se), 4),
        "ci_high": round(math.exp(coef + 1.959964 * se), 4),
        "p_value": round(p, 6),
        "model": model,
    }


#: people per model parameter below which the outcome model is not adjusted (matching alone)
ROWS_PER_PARAMETER = 10


def _adjusters(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """Standardised covariates that vary in the sample and are not linear combinations of the
    columns before them (a singular design has no unique fit), or none when the sample is too
    small to adjust for them all."""
    x = frame[columns].to_numpy(float)
    sd = x.std(axis=0)
    x = (x[:, sd > 0] - x[:, sd > 0].mean(axis=0)) / sd[sd > 0]
    gram = np.column_stack([np.ones(len(x)), x]).T @ np.column_stack([np.ones(len(x)), x])
    keep = [0]
    for k in range(1, gram.shape[0]):
        trial = [*keep, k]
        if np.linalg.matrix_rank(gram[np.ix_(trial, trial)], tol=1e-8 * len(x)) == len(trial):
            keep.append(k)
    x = x[:, [k - 1 for k in keep[1:]]]
    if len(x) < ROWS_PER_PARAMETER * (x.shape[1] + 2):
        return np.empty((len(x), 0))
    return x


def _start(y: np.ndarray, years: np.ndarray, k: int) -> np.ndarray:
    """Newton's starting point: the overall log rate as intercept, every slope 0. (Newton on
    the analytic Hessian X'WX is several times faster than statsmodels' default IRLS, which
    solves a QR of the whole design matrix at every step; both reach the same maximum.)"""
    start = np.zeros(k)
    start[0] = math.log(max(float(y.sum()), 0.5) / float(years.sum()))
    return start


def poisson_effect(
    y: np.ndarray,
    years: np.ndarray,
    treated: np.ndarray,
    *,
    adjust: np.ndarray | None = None,
    weights: np.ndarray | None = None,
    groups: np.ndarray | None = None,
) -> dict[str, object]:
    """Rate ratio treated / control from a Poisson GLM with log(exposure) offset; robust errors
    clustered by `groups` (or HC0 per row when None); CI and p from the normal."""
    keep = years > 0
    y, years, treated = y[keep], years[keep], treated[keep].astype(float)
    if y[treated == 1].sum() == 0 or y[treated == 0].sum() == 0:
        return _blank("no events in an arm: rate ratio not estimable")
    parts = [np.ones_like(y), treated]
    if adjust is not None and adjust.size:
        parts.append(adjust[keep])
    x = np.column_stack(parts)
    w = None if weights is None else weights[keep]
    name = "Poisson GLM, log person-years offset"
    if adjust is not None:
        name += ", adjusted for the matching covariates" if adjust.shape[1] else ", unadjusted"
    if groups is not None:
        cov: dict = {"cov_type": "cluster", "cov_kwds": {"groups": groups[keep]}}
        name += ", errors clustered by matched set"
    else:
        cov = {"cov_type": "HC0"}
        name += ", robust errors"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = sm.GLM(y, x, family=sm.families.Poisson(), offset=np.log(years), var_weights=w)
        try:
            fit = model.fit(method="newton", start_params=_start(y, years, x.shape[1]), **cov)
        except np.linalg.LinAlgError:  # a covariate separating the events: IRLS with pinv
            fit = model.fit(**cov)
    coef, se = float(fit.params[1]), float(fit.bse[1])
    if not (np.isfinite(coef) and np.isfinite(se)):
        return _blank("model did not converge")
    return _from_coef(coef, se, name)


def naive_effect(y: np.ndarray, years: np.ndarray, treated: np.ndarray) -> dict[str, object]:
    """Unmatched, unadjusted rate ratio: (events_T / PY_T) / (events_C / PY_C), with the robust
    (HC0) variance of a two-group Poisson model in closed form:
    var(log rate_g) = sum_i (y_i - rate_g t_i)^2 / events_g^2, summed over the two groups."""
    out = {}
    var = 0.0
    for arm in (True, False):
        mask = treated == arm
        events, py = y[mask].sum(), years[mask].sum()
        if events == 0 or py <= 0:
            return _blank("no events in an arm: rate ratio not estimable")
        rate = events / py
        out[arm] = rate
        var += float(((y[mask] - rate * years[mask]) ** 2).sum() / events**2)
    coef = math.log(out[True] / out[False])
    return _from_coef(coef, math.sqrt(var), "unmatched, unadjusted rate ratio, robust errors")


def did_effect(
    pre: np.ndarray,
    pre_years: float,
    post: np.ndarray,
    post_years: np.ndarray,
    treated: np.ndarray,
    weights: np.ndarray,
    groups: np.ndarray,
) -> dict[str, object]:
    """Difference-in-differences on the rate-ratio scale: exp(arm x period) of a Poisson GLM of
    the prior-period and follow-up counts of the matched sample, clustered by matched set (each
    set holds the same people in both periods). It is the ratio of the post and pre rate ratios."""
    n = len(pre)
    y = np.concatenate([pre, post])
    years = np.concatenate([np.full(n, pre_years), post_years])
    arm = np.concatenate([treated, treated]).astype(float)
    period = np.concatenate([np.zeros(n), np.ones(n)])
    keep = years > 0
    if y[(arm == 1) & (period == 1) & keep].sum() == 0 or y[(arm == 0) & keep].sum() == 0:
        return _blank("no events in an arm: not estimable")
    x = np.column_stack([np.ones_like(y), arm, period, arm * period])[keep]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = sm.GLM(
            y[keep],
            x,
            family=sm.families.Poisson(),
            offset=np.log(years[keep]),
            var_weights=np.concatenate([weights, weights])[keep],
        ).fit(
            method="newton",
            start_params=_start(y[keep], years[keep], 4),
            cov_type="cluster",
            cov_kwds={"groups": np.concatenate([groups, groups])[keep]},
        )
    return _from_coef(
        float(fit.params[3]),
        float(fit.bse[3]),
        "Poisson GLM, arm x period, errors clustered by matched set",
    )


def outcome_rows(
    sample: pd.DataFrame,
    outcomes: tuple[str, ...],
    adjust_columns: list[str],
) -> list[dict[str, object]]:
    """The outcomes table of a matched sample (treated, weight, pair_id, counts, covariates)."""
    treated = sample["treated"].to_numpy(bool)
    w = sample["weight"].to_numpy(float)
    years = sample["exposure_years"].to_numpy(float)
    adjust = _adjusters(sample, adjust_columns)
    rows = []
    for outcome in outcomes:
        y = sample[outcome].to_numpy(float)
        effect = poisson_effect(
            y,
            years,
            treated,
            adjust=adjust,
            weights=w,
            groups=sample["pair_id"].to_numpy(),
        )
        rows.append(
            {
                "outcome": outcome,
                "label": OUTCOME_WORDS[outcome],
                "treated": arm_rates(y[treated], years[treated], w[treated]),
                "control": arm_rates(y[~treated], years[~treated], w[~treated]),
                **effect,
            }
        )
    return rows


def naive_rows(everyone: pd.DataFrame, outcomes: tuple[str, ...]) -> list[dict[str, object]]:
    """The same table for treated vs every eligible control, unmatched and unadjusted."""
    treated = everyone["treated"].to_numpy(bool)
    years = everyone["exposure_years"].to_numpy(float)
    ones = np.ones(len(everyone))
    rows = []
    for outcome in outcomes:
        y = everyone[outcome].to_numpy(float)
        rows.append(
            {
                "outcome": outcome,
                "label": OUTCOME_WORDS[outcome],
                "treated": arm_rates(y[treated], years[treated], ones[treated]),
                "control": arm_rates(y[~treated], years[~treated], ones[~treated]),
                **naive_effect(y, years, treated),
            }
        )
    return rows


def did_rows(
    sample: pd.DataFrame, outcomes: tuple[str, ...], prior_months: int
) -> list[dict[str, object]]:
    """Difference-in-differences per outcome with a prior-period count (deaths have none:
    everyone was alive on the index date)."""
    rows = []
    for outcome in outcomes:
        if outcome not in PRIOR_OF or PRIOR_OF[outcome] not in sample:
            continue
        effect = did_effect(
            sample[PRIOR_OF[outcome]].to_numpy(float),
            prior_months / 12,
            sample[outcome].to_numpy(float),
            sample["exposure_years"].to_numpy(float),
            sample["treated"].to_numpy(bool),
            sample["weight"].to_numpy(float),
            sample["pair_id"].to_numpy(),
        )
        rows.append({"outcome": outcome, "label": OUTCOME_WORDS[outcome], **effect})
    return rows


def monthly_rates(
    con: ibis.BaseBackend,
    sample: pd.DataFrame,
    outcomes: tuple[str, ...],
    prior_months: int,
    followup_months: int,
) -> list[dict[str, object]]:
    """Weighted events per 1,000 person-months in each arm, by month from the index date:
    -prior_months .. -1 before it (everyone is alive and registered then, by eligibility) and
    0 .. followup_months - 1 after it (exposure cut as in follow-up). Months are 30.44 days.
    Each row also holds `events`, the unweighted number of events (admissions for bed days)
    behind its rate, and the weighted `person_months`, so a surface can disclose the count
    exactly and work the rate out again."""
    kinds = [o for o in outcomes if o in (*HOSPITAL_KINDS, "emergency_bed_days")]
    if not kinds or sample.empty:
        return []
    people = sample[["patient_id", "index_date", "end_date", "treated", "weight"]].copy()
    people["row"] = np.arange(len(people))
    t = ibis.memtable(
        people[["patient_id", "index_date", "row"]].assign(
            patient_id=lambda f: f["patient_id"].astype(str)
        )
    )
    h = con.table("hospital_activity").semi_join(t.select("patient_id"), "patient_id")
    hj = t.inner_join(h, "patient_id").select("row", "index_date", "kind", "start_date", "los_days")
    events = con.to_pyarrow(hj).to_pandas()
    days = (pd.to_datetime(events["start_date"]) - pd.to_datetime(events["index_date"])).dt.days
    events["offset"] = np.ceil(days.to_numpy() / MONTH_DAYS).astype(int) - 1
    events = events[(events["offset"] >= -prior_months) & (events["offset"] < followup_months)]
    end_days = (pd.to_datetime(people["end_date"]) - pd.to_datetime(people["index_date"])).dt.days
    end_days = end_days.to_numpy(float)
    ev_end = end_days[events["row"].to_numpy()]
    events = events[(events["offset"] < 0) | (days.loc[events.index].to_numpy() <= ev_end)]
    treated = people["treated"].to_numpy(bool)
    w = people["weight"].to_numpy(float)
    offsets = np.arange(-prior_months, followup_months)
    # person-months at risk per offset: full before the index date, cut at the end after it
    lo = np.clip(np.maximum(offsets, 0) * MONTH_DAYS, 0, None)
    exposure = np.where(
        offsets[None, :] < 0,
        1.0,
        np.clip((end_days[:, None] - lo[None, :]) / MONTH_DAYS, 0, 1),
    )
    rows = []
    for kind in kinds:
        if kind == "emergency_bed_days":
            sub = events[events["kind"] == "emergency_admission"]
            value = sub["los_days"].fillna(0).to_numpy(float)
        else:
            sub = events[events["kind"] == kind]
            value = np.ones(len(sub))
        for arm_name, arm in (("treated", treated), ("control", ~treated)):
            pm = (exposure[arm] * w[arm, None]).sum(axis=0)
            rows_arm = sub["row"].to_numpy()
            mask = arm[rows_arm]
            bins = sub["offset"].to_numpy()[mask] + prior_months
            counts = np.bincount(
                bins, weights=value[mask] * w[rows_arm[mask]], minlength=len(offsets)
            )
            raw = np.bincount(bins, minlength=len(offsets))
            for k, offset in enumerate(offsets):
                rate = 1000 * counts[k] / pm[k] if pm[k] > 0 else None
                rows.append(
                    {
                        "month_offset": int(offset),
                        "arm": arm_name,
                        "outcome": kind,
                        "events": int(raw[k]),
                        "person_months": round(float(pm[k]), 3),
                        "rate_per_1000_person_months": None if rate is None else round(rate, 3),
                    }
                )
    return rows
