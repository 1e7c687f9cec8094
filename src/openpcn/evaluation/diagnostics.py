"""Is the matched control group like the treated group? Balance, overlap and the warnings a
reader must see before the effect.

Standardised mean difference (SMD) = (mean treated - mean control) / pooled SD, where the pooled
SD is sqrt((var treated + var control) / 2) from the samples BEFORE matching, and the same
denominator is used after matching, so an SMD can only shrink because the means came closer, not
because matching narrowed the spread (Austin 2009, Stat Med 28:3083; MatchIt's `cobalt` default
for the ATT uses the treated SD instead; we follow Austin's pooled form and say so). Variances
are unbiased (reliability-weighted after matching, which is the plain n - 1 variance when every
weight is 1). Variance ratio = var treated / var control; 1 is ideal, outside 0.5-2 is poor.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from openpcn.evaluation.definition import covariate_label

SMD_LIMIT = 0.1
MIN_TREATED = 20
MIN_EVENTS = 10
BINS = 20
#: share of treated people that may go unmatched before the overlap is called poor
UNMATCHED_LIMIT = 0.1


def weighted_mean_var(x: np.ndarray, w: np.ndarray | None = None) -> tuple[float, float]:
    """Mean and unbiased variance; with weights, the reliability-weights variance
    sum w (x - m)^2 / (sum w - sum w^2 / sum w)."""
    x = np.asarray(x, float)
    w = np.ones_like(x) if w is None else np.asarray(w, float)
    total = w.sum()
    if total <= 0 or len(x) == 0:
        return float("nan"), float("nan")
    mean = float((w * x).sum() / total)
    denominator = total - (w**2).sum() / total
    var = float((w * (x - mean) ** 2).sum() / denominator) if denominator > 0 else float("nan")
    return mean, var


def pooled_sd(var_treated: float, var_control: float) -> float:
    """sqrt((var treated + var control) / 2): the SMD's denominator."""
    return float(np.sqrt((var_treated + var_control) / 2))


def smd(mean_treated: float, mean_control: float, sd: float) -> float:
    """Standardised mean difference; 0 when both groups are constant and equal."""
    if sd == 0 or np.isnan(sd):
        return 0.0 if mean_treated == mean_control else float("inf")
    return (mean_treated - mean_control) / sd


def variance_ratio(var_treated: float, var_control: float) -> float | None:
    """var treated / var control; None when the control variance is 0 (undefined)."""
    if not var_control or np.isnan(var_control):
        return None
    return float(var_treated / var_control)


def _r(value: float | None, digits: int = 4) -> float | None:
    if value is None or not np.isfinite(value):
        return None
    return round(float(value), digits)


def balance(
    before: pd.DataFrame, after: pd.DataFrame, columns: list[str]
) -> list[dict[str, object]]:
    """One row per covariate column: SMD and variance ratio before and after matching.

    `before`: every eligible person with `treated` (bool); `after`: the matched sample with
    `treated` and `weight`."""
    rows = []
    tb, ta = before["treated"].to_numpy(bool), after["treated"].to_numpy(bool)
    w = after["weight"].to_numpy(float)
    for column in columns:
        xb, xa = before[column].to_numpy(float), after[column].to_numpy(float)
        mt, vt = weighted_mean_var(xb[tb])
        mc, vc = weighted_mean_var(xb[~tb])
        sd = pooled_sd(vt, vc)
        mt2, vt2 = weighted_mean_var(xa[ta], w[ta])
        mc2, vc2 = weighted_mean_var(xa[~ta], w[~ta])
        rows.append(
            {
                "covariate": column,
                "label": covariate_label(column),
                "mean_treated": _r(mt2),
                "mean_control_before": _r(mc),
                "mean_control_after": _r(mc2),
                "smd_before": _r(smd(mt, mc, sd)),
                "smd_after": _r(smd(mt2, mc2, sd)),
                "variance_ratio_before": _r(variance_ratio(vt, vc)),
                "variance_ratio_after": _r(variance_ratio(vt2, vc2)),
            }
        )
    return rows


def histogram(score: np.ndarray, treated: np.ndarray) -> dict[str, list]:
    """Counts of treated and controls on the same BINS equal bins of the score."""
    low, high = float(np.min(score)), float(np.max(score))
    if high <= low:
        high = low + 1.0
    edges = np.linspace(low, high, BINS + 1)
    t, _ = np.histogram(score[treated], edges)
    c, _ = np.histogram(score[~treated], edges)
    return {
        "bins": [round(float(e), 6) for e in edges],
        "treated": [int(v) for v in t],
        "controls": [int(v) for v in c],
    }


def strata_coverage(strata: pd.Series, treated: np.ndarray) -> dict[str, list]:
    """CEM's overlap: people in strata holding both groups, treated only, controls only."""
    table = pd.DataFrame({"s": strata.to_numpy(), "t": treated})
    has = table.groupby("s")["t"].agg(["any", "all"])
    both = table["s"].map(has["any"] & ~has["all"]).to_numpy(bool)
    only_t = table["s"].map(has["all"]).to_numpy(bool)
    kinds = ["strata with both groups", "strata with treated only", "strata with controls only"]
    masks = [both, only_t, ~both & ~only_t]
    return {
        "bins": kinds,
        "treated": [int((m & treated).sum()) for m in masks],
        "controls": [int((m & ~treated).sum()) for m in masks],
    }


def balance_warnings(rows: list[dict[str, object]]) -> list[str]:
    bad = [r for r in rows if r["smd_after"] is not None and abs(r["smd_after"]) > SMD_LIMIT]
    if not bad:
        return []
    names = ", ".join(str(r["label"]) for r in bad[:5]) + (" ..." if len(bad) > 5 else "")
    return [
        f"Balance is not good enough: {len(bad)} covariate(s) differ by more than "
        f"{SMD_LIMIT} standardised mean difference after matching ({names}). Treat the effect "
        "below with caution: the groups were not alike before the service."
    ]


def overlap_warnings(
    n_treated: int,
    n_matched: int,
    score_max_control: float | None,
    score_treated: np.ndarray | None,
) -> list[str]:
    out = []
    unmatched = 1 - n_matched / n_treated if n_treated else 0.0
    if unmatched > UNMATCHED_LIMIT:
        out.append(
            f"Poor overlap: {unmatched:.0%} of treated people found no similar control and are "
            "left out, so the result describes only the treated people who could be matched."
        )
    if score_treated is not None and score_max_control is not None and len(score_treated):
        above = float(np.mean(score_treated > score_max_control))
        if above > 0.05:
            out.append(
                f"Poor overlap: {above:.0%} of treated people have a propensity above every "
                "control's: nobody like them went without the service."
            )
    return out


def small_number_warnings(n_matched: int, events: dict[str, float]) -> list[str]:
    out = []
    if n_matched < MIN_TREATED:
        out.append(
            f"Small numbers: only {n_matched} treated people were matched (fewer than "
            f"{MIN_TREATED}); any effect is very uncertain."
        )
    few = [name for name, n in events.items() if n < MIN_EVENTS]
    if few:
        out.append(
            f"Small numbers: fewer than {MIN_EVENTS} events in an arm for {', '.join(few)}; "
            "those rate ratios are very uncertain."
        )
    return out


def truncation_warning(share: float, followup_months: int) -> list[str]:
    if share <= 0:
        return []
    return [
        f"Follow-up truncated: the extract ends before {followup_months} months of follow-up "
        f"for {share:.0%} of treated people; their rates use the time observed."
    ]
