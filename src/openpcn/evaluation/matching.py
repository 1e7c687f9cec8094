"""Matching treated people to controls: propensity score, prognostic score, coarsened exact.

Scores come from maintained libraries (scikit-learn's LogisticRegression for the propensity,
PoissonRegressor for the prognostic score). The nearest-neighbour step is written here: greedy
matching without replacement, exact on the calendar quarter, within a caliper, 1:k in k rounds
(MatchIt's `method = "nearest"`, largest score first). We looked for a maintained Python library
that does this well (December 2026): `pymatchit-causal` ports MatchIt but is a year-old
single-author package that pulls in seaborn; `propensityscore` is unmaintained and its
without-replacement matching is slow (1.75 min for 100k treated, its README); `causalml` has a
caliper matcher but brings a large dependency tree for one function, and DoWhy's matching
estimator has no caliper. Sixty lines with a union-find over the sorted control scores (each
treated person finds the nearest unused control in O(log n)) do it exactly and fast.

Every matcher returns `Matched.sets`: rows (positions in the frame given) with pair_id, arm and
weight (treated 1; a control 1 / the number of controls in its set, or the CEM weight), so the
diagnostics and the outcome models treat all three methods alike.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression, PoissonRegressor

from openpcn.exceptions import UserError

#: larger control pools are sampled (seeded) to fit the propensity model: sampling controls
#: changes only the intercept of a logistic model (case-control sampling), not the slopes that
#: order people, and keeps the fit to seconds on a whole ICS
MAX_FIT_CONTROLS = 200_000
#: covariates CEM coarsens (when the definition has them); the rest are left to the outcome
#: model's adjustment. More dimensions leave most treated people without an exact stratum.
CEM_BANDS: dict[str, list[float]] = {
    "age": [75, 85],
    "male": [0.5],
    "efi_category": [0.5, 1.5, 2.5],
    "prior_emergency_admissions": [0.5, 1.5],
    "earlier_emergency_admissions": [0.5, 1.5],
    "prior_ae_attendances": [0.5, 2.5],
}
#: the prognostic model predicts emergency admissions in the prior period from what was known
#: a period earlier: these columns stand in for each other between fitting and predicting
PROGNOSTIC_LAGS = {
    "prior_emergency_admissions": "earlier_emergency_admissions",
    "prior_ae_attendances": "earlier_ae_attendances",
}
PROGNOSTIC_DROP = (
    "prior_elective_admissions",
    "prior_emergency_bed_days",
    "prior_appointments",
)


@dataclass
class Matched:
    """Matched sets and the score each person had (None for CEM)."""

    sets: pd.DataFrame  # row, pair_id, arm ("treated"/"control"), weight
    score: np.ndarray | None
    score_name: str


def _standardise(x: np.ndarray) -> np.ndarray:
    sd = x.std(axis=0)
    sd[sd == 0] = 1.0
    return (x - x.mean(axis=0)) / sd


def _design(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """Covariates (standardised) and quarter dummies: the quarter is matched exactly, and in
    the model it lets the share treated differ between quarters. Counts of hospital use also
    enter as log(1 + count) and as any/none, and age squared is added: a service picks people on
    thresholds ("admitted at least once"), which a straight line in the count misses, and the
    matched groups then differ in exactly the counts that predict the outcome."""
    x = frame[columns].to_numpy(float)
    counts = [c for c in columns if c.startswith(("prior_", "earlier_"))]
    extra = [np.log1p(frame[counts].to_numpy(float)), (frame[counts].to_numpy(float) > 0)]
    if "age" in columns:
        extra.append((frame[["age"]].to_numpy(float) - 75) ** 2)
    x = np.hstack([x, *extra])
    quarters = pd.get_dummies(frame["quarter"], drop_first=True, dtype=float).to_numpy()
    return np.hstack([_standardise(x), quarters])


def propensity_logit(frame: pd.DataFrame, columns: list[str], seed: int) -> np.ndarray:
    """Logit of the propensity score from a logistic regression of treatment on covariates."""
    x = _design(frame, columns)
    treated = frame["treated"].to_numpy(bool)
    fit_rows = np.arange(len(frame))
    controls = np.flatnonzero(~treated)
    if len(controls) > MAX_FIT_CONTROLS:
        rng = np.random.default_rng(seed)
        keep = rng.choice(controls, MAX_FIT_CONTROLS, replace=False)
        fit_rows = np.sort(np.concatenate([np.flatnonzero(treated), keep]))
    model = LogisticRegression(C=1.0, max_iter=1000)
    model.fit(x[fit_rows], treated[fit_rows])
    return model.decision_function(x)


def prognostic_score(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """Log expected emergency admissions: a Poisson model fitted on controls only, predicting
    their prior-period admissions from what was known a period earlier, then applied to
    everyone's index-date covariates (so no follow-up outcome is ever seen)."""
    now_cols = [
        c for c in columns if c not in PROGNOSTIC_DROP and c not in PROGNOSTIC_LAGS.values()
    ]
    lagged = [PROGNOSTIC_LAGS.get(c, c) for c in now_cols]
    controls = ~frame["treated"].to_numpy(bool)
    x_fit = frame.loc[controls, lagged].to_numpy(float)
    mean, sd = x_fit.mean(axis=0), x_fit.std(axis=0)
    sd[sd == 0] = 1.0
    y = frame.loc[controls, "prior_emergency_admissions"].to_numpy(float)
    model = PoissonRegressor(alpha=1e-4, max_iter=300)
    model.fit((x_fit - mean) / sd, y)
    x_now = (frame[now_cols].to_numpy(float) - mean) / sd
    return np.log(model.predict(x_now))


def _find(parent: np.ndarray, i: int) -> int:
    root = i
    while parent[root] != root:
        root = parent[root]
    while parent[i] != root:
        parent[i], i = root, parent[i]
    return root


def nearest_neighbour(
    score: np.ndarray,
    treated: np.ndarray,
    quarter: np.ndarray,
    person: np.ndarray,
    *,
    width: float,
    ratio: int,
) -> pd.DataFrame:
    """Greedy 1:k nearest-neighbour matching without replacement (a person is used once over
    all quarters), exact on quarter, within `width` on the score; largest treated score first.
    Returns treated_row, control_row."""
    pairs: list[tuple[int, int]] = []
    used: set[str] = set()
    for q in sorted(set(quarter[treated])):
        t_rows = np.flatnonzero(treated & (quarter == q))
        c_rows = np.flatnonzero(~treated & (quarter == q))
        c_rows = np.array([r for r in c_rows if person[r] not in used], dtype=int)
        if len(c_rows) == 0:
            continue
        order = np.argsort(score[c_rows], kind="stable")
        c_rows, cs = c_rows[order], score[c_rows][order]
        n = len(cs)
        right = np.arange(n + 1)  # right[i]: next unused position >= i (n = none)
        left = np.arange(n + 1)  # left[j]: j - 1 is the last unused position < j (0 = none)
        t_rows = t_rows[np.argsort(-score[t_rows], kind="stable")]
        active = list(t_rows)
        for _ in range(ratio):
            still = []
            for t in active:
                s = score[t]
                pos = int(np.searchsorted(cs, s))
                r = _find(right, min(pos, n))
                j = _find(left, pos)
                best = -1
                if r < n:
                    best = r
                if j > 0 and (best < 0 or s - cs[j - 1] <= cs[best] - s):
                    best = j - 1
                if best < 0 or abs(cs[best] - s) > width:
                    continue
                right[best] = best + 1
                left[best + 1] = best
                pairs.append((int(t), int(c_rows[best])))
                used.add(person[c_rows[best]])
                still.append(t)
            active = still
    return pd.DataFrame(pairs, columns=["treated_row", "control_row"], dtype=int)


def _sets_from_pairs(pairs: pd.DataFrame) -> pd.DataFrame:
    """Matched sets (one per treated person) with weights 1 and 1 / controls in the set."""
    if pairs.empty:
        return pd.DataFrame(columns=["row", "pair_id", "arm", "weight"])
    treated_rows = pd.unique(pairs["treated_row"])
    pair_of = {t: k + 1 for k, t in enumerate(sorted(treated_rows))}
    size = pairs.groupby("treated_row").size()
    treated = pd.DataFrame({"row": sorted(treated_rows), "arm": "treated", "weight": 1.0}).assign(
        pair_id=lambda f: f["row"].map(pair_of)
    )
    controls = pd.DataFrame(
        {
            "row": pairs["control_row"].to_numpy(),
            "arm": "control",
            "weight": 1.0 / pairs["treated_row"].map(size).to_numpy(),
            "pair_id": pairs["treated_row"].map(pair_of).to_numpy(),
        }
    )
    return pd.concat([treated, controls], ignore_index=True)[["row", "pair_id", "arm", "weight"]]


def match_on_score(
    frame: pd.DataFrame, score: np.ndarray, *, caliper: float, ratio: int
) -> pd.DataFrame:
    """Nearest-neighbour matched sets on a score, caliper in SDs of the score (all rows)."""
    width = caliper * float(np.std(score))
    pairs = nearest_neighbour(
        score,
        frame["treated"].to_numpy(bool),
        frame["quarter"].to_numpy(str),
        frame["patient_id"].to_numpy(str),
        width=width,
        ratio=ratio,
    )
    return _sets_from_pairs(pairs)


def psm(
    frame: pd.DataFrame, columns: list[str], *, caliper: float, ratio: int, seed: int
) -> Matched:
    logit = propensity_logit(frame, columns, seed)
    sets = match_on_score(frame, logit, caliper=caliper, ratio=ratio)
    return Matched(sets, 1 / (1 + np.exp(-logit)), "propensity score")


def prognostic(frame: pd.DataFrame, columns: list[str], *, caliper: float, ratio: int) -> Matched:
    score = prognostic_score(frame, columns)
    return Matched(
        match_on_score(frame, score, caliper=caliper, ratio=ratio),
        score,
        "prognostic score (log expected emergency admissions a year)",
    )


def cem_strata(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """Each row's stratum: the quarter and the bands of the CEM_BANDS covariates used."""
    parts = [frame["quarter"].astype(str)]
    for column, cuts in CEM_BANDS.items():
        if column in columns:
            band = np.searchsorted(np.asarray(cuts), frame[column].to_numpy(float), side="right")
            parts.append(pd.Series(band, index=frame.index).astype(str))
    key = parts[0]
    for part in parts[1:]:
        key = key + "|" + part
    return key


def cem(frame: pd.DataFrame, columns: list[str]) -> Matched:
    """Coarsened exact matching: strata holding treated and controls are kept; treated weigh 1,
    a control (m_T,s / m_C,s) x (M_C / M_T) (Iacus, King and Porro 2012)."""
    strata = cem_strata(frame, columns)
    treated = frame["treated"].to_numpy(bool)
    table = pd.DataFrame({"stratum": strata.to_numpy(), "treated": treated})
    counts = table.groupby("stratum")["treated"].agg(["sum", "count"])
    counts["controls"] = counts["count"] - counts["sum"]
    kept = counts[(counts["sum"] > 0) & (counts["controls"] > 0)]
    rows = np.flatnonzero(table["stratum"].isin(kept.index).to_numpy())
    if len(rows) == 0:
        return Matched(pd.DataFrame(columns=["row", "pair_id", "arm", "weight"]), None, "")
    stratum = table["stratum"].to_numpy()[rows]
    is_t = treated[rows]
    m_t, m_c = float(is_t.sum()), float((~is_t).sum())
    ratio_s = kept["sum"] / kept["controls"]
    weight = np.where(is_t, 1.0, pd.Series(stratum).map(ratio_s).to_numpy() * m_c / m_t)
    pair_of = {s: k + 1 for k, s in enumerate(sorted(kept.index))}
    sets = pd.DataFrame(
        {
            "row": rows,
            "pair_id": [pair_of[s] for s in stratum],
            "arm": np.where(is_t, "treated", "control"),
            "weight": weight,
        }
    )
    return Matched(sets, None, "")


def run_matching(
    method: str, frame: pd.DataFrame, columns: list[str], *, caliper: float, ratio: int, seed: int
) -> Matched:
    """Match by the named method; no treated person matched is the user's error, never a number."""
    if method == "psm":
        matched = psm(frame, columns, caliper=caliper, ratio=ratio, seed=seed)
    elif method == "prognostic":
        matched = prognostic(frame, columns, caliper=caliper, ratio=ratio)
    elif method == "cem":
        matched = cem(frame, columns)
    else:
        raise UserError(f"unknown method {method!r}", fix="use psm, prognostic or cem")
    if (matched.sets["arm"] == "treated").sum() == 0:
        raise UserError(
            "no treated person could be matched to a control: the treated and control groups "
            "do not overlap on the matching covariates",
            fix="widen the caliper, choose a wider control group (--controls all) or fewer "
            "covariates, or try --method cem",
        )
    return matched
