"""Statistics for survey proportions: Wilson intervals, funnel limits, weighting, suppression.

Pure functions on numbers and small pandas frames, so every figure in a quality page or report
can be traced to a formula documented in docs/quality.md and checked against worked examples.
Proportions are on the 0..1 scale throughout.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy.stats import norm

Z95 = 1.959964
"""Two-sided 95% normal quantile, norm.ppf(0.975), to the precision published tables use."""

DEFAULT_LEVELS: tuple[float, ...] = (0.95, 0.998)
"""Funnel-plot control limits: about 2 and 3 standard errors (Spiegelhalter 2005)."""

SUPPRESSION_THRESHOLD = 10
"""The GP Patient Survey does not publish results whose denominator is under 10."""

Weighting = Literal["responses", "list_size"]


def z_for(level: float) -> float:
    """Two-sided normal quantile for a coverage level, e.g. 0.95 -> 1.96, 0.998 -> 3.09."""
    if not 0 < level < 1:
        raise ValueError(f"level must be strictly between 0 and 1, got {level}")
    return float(norm.ppf(0.5 + level / 2))


def wilson_interval(successes: float, n: float, z: float = Z95) -> tuple[float, float]:
    """Wilson (1927) score interval for a proportion successes/n, as (lower, upper) in [0, 1].

    Unlike the normal-approximation interval it never leaves [0, 1] and is not zero-width at
    0 or 1, which matters for small practices. `successes` may be fractional (a published
    percentage times its response count).
    """
    if not (math.isfinite(successes) and math.isfinite(n)):
        raise ValueError("successes and n must be finite numbers")
    if n <= 0:
        raise ValueError(f"n must be positive to form an interval, got {n}")
    if successes < 0 or successes > n:
        raise ValueError(f"successes must be between 0 and n ({n}), got {successes}")
    if z <= 0:
        raise ValueError(f"z must be positive, got {z}")
    p = successes / n
    z2 = z * z
    # Stable form of (p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n).
    centre = 2 * successes + z2
    spread = z * math.sqrt(z2 + 4 * successes * (n - successes) / n)
    denom = 2 * (n + z2)
    lower = 0.0 if successes == 0 else max(0.0, min(p, (centre - spread) / denom))
    upper = 1.0 if successes == n else min(1.0, max(p, (centre + spread) / denom))
    return lower, upper


def funnel_limits(
    target: float,
    n: float | np.ndarray,
    levels: Iterable[float] = DEFAULT_LEVELS,
) -> dict[float, tuple[float | np.ndarray, float | np.ndarray]]:
    """Funnel-plot control limits around `target` for denominators `n`, per coverage level.

    Returns {level: (lower, upper)}; each bound is a float for a scalar n, an array for an
    array n. Method: binomial normal approximation p ± z·sqrt(p(1-p)/n), clipped to [0, 1]
    (Spiegelhalter 2005). For small n (roughly n·p or n·(1-p) under 5) the approximation is
    poor and the clip hides asymmetry; exact binomial limits would be better there. A target
    of exactly 0 or 1 gives zero-width limits.
    """
    if not (math.isfinite(target) and 0 <= target <= 1):
        raise ValueError(f"target must be a proportion in [0, 1], got {target}")
    scalar = np.ndim(n) == 0
    arr = np.asarray(n, dtype=float)
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ValueError("every denominator n must be a positive finite number")
    se = np.sqrt(target * (1 - target) / arr)
    limits: dict[float, tuple[float | np.ndarray, float | np.ndarray]] = {}
    for level in levels:
        z = z_for(level)
        lower = np.clip(target - z * se, 0.0, 1.0)
        upper = np.clip(target + z * se, 0.0, 1.0)
        limits[level] = (float(lower), float(upper)) if scalar else (lower, upper)
    return limits


@dataclass(frozen=True)
class Flag:
    """Where a unit sits against the funnel: `label` high/low/within, `level` the widest breached.

    `level` is 0.998 when the value is outside the 99.8% limits, 0.95 when outside only the 95%
    limits, and None when within both.
    """

    label: Literal["high", "low", "within"]
    level: float | None

    def __str__(self) -> str:
        return self.label if self.level is None else f"{self.label} ({self.level:.1%})"


def flag(value: float, n: float, target: float, levels: Sequence[float] = DEFAULT_LEVELS) -> Flag:
    """Flag a unit's proportion against funnel limits around `target` for its denominator.

    A value exactly on a limit counts as within it.
    """
    if not (math.isfinite(value) and 0 <= value <= 1):
        raise ValueError(f"value must be a proportion in [0, 1], got {value}")
    limits = funnel_limits(target, n, levels)
    for level in sorted(limits, reverse=True):
        lower, upper = limits[level]
        if value > upper:
            return Flag("high", level)
        if value < lower:
            return Flag("low", level)
    return Flag("within", None)


def weighted_mean(values: Iterable[float], weights: Iterable[float]) -> float:
    """Sum(w·v) / sum(w), skipping pairs whose value is missing (suppressed or not reported).

    Raises ValueError for lengths that differ, negative or missing weights on a valued row,
    or a total weight of zero.
    """
    v = np.asarray(list(values), dtype=float)
    w = np.asarray(list(weights), dtype=float)
    if v.shape != w.shape:
        raise ValueError(f"values ({v.size}) and weights ({w.size}) differ in length")
    keep = ~np.isnan(v)
    v, w = v[keep], w[keep]
    if np.any(np.isnan(w)) or np.any(w < 0):
        raise ValueError("weights must be present and non-negative for every value")
    total = float(w.sum())
    if total <= 0:
        raise ValueError("the total weight is zero: there is nothing to average")
    return float(np.dot(v, w) / total)


@dataclass(frozen=True)
class Aggregate:
    """A weighted ICS or PCN value, with what it rests on so the caller can say so."""

    value: float
    weight: float
    weighting: Weighting
    units: int
    excluded: int


def aggregate(
    frame: pd.DataFrame,
    value_col: str,
    responses_col: str | None = None,
    list_col: str | None = None,
) -> Aggregate:
    """Weight practices' values by survey responses, or by list size when responses are missing.

    Responses are used when the column is given and every practice with a value has a count;
    otherwise list size is used for all practices (mixing the two would weight like with
    unlike), and `weighting` says which. Practices without a value (suppressed) are left out
    and counted in `excluded`.
    """
    if value_col not in frame.columns:
        raise ValueError(f"no column {value_col!r} in the frame")
    valued = frame[frame[value_col].notna()]
    if valued.empty:
        raise ValueError(f"no practice has a value for {value_col!r}")
    weighting: Weighting
    if (
        responses_col is not None
        and responses_col in frame.columns
        and valued[responses_col].notna().all()
    ):
        weighting, col = "responses", responses_col
    elif list_col is not None and list_col in frame.columns and valued[list_col].notna().all():
        weighting, col = "list_size", list_col
    else:
        raise ValueError(
            f"cannot weight {value_col!r}: give a responses or list-size column "
            "with a value for every practice that has a result"
        )
    weights = valued[col].astype(float)
    value = weighted_mean(valued[value_col].astype(float), weights)
    return Aggregate(
        value=value,
        weight=float(weights.sum()),
        weighting=weighting,
        units=len(valued),
        excluded=len(frame) - len(valued),
    )


def suppress_small_denominators(
    frame: pd.DataFrame,
    n_col: str,
    threshold: float = SUPPRESSION_THRESHOLD,
    value_cols: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Copy of `frame` with values hidden (NaN) where the denominator is under `threshold`.

    `value_cols` defaults to every numeric column except `n_col`; the denominator itself is
    kept. A missing denominator counts as small. Adds a boolean `suppressed` column. The input
    frame is not changed.
    """
    if n_col not in frame.columns:
        raise ValueError(f"no denominator column {n_col!r} in the frame")
    if value_cols is None:
        value_cols = [
            c
            for c in frame.columns
            if c != n_col
            and c != "suppressed"
            and pd.api.types.is_numeric_dtype(frame[c])
            and not pd.api.types.is_bool_dtype(frame[c])
        ]
    missing = [c for c in value_cols if c not in frame.columns]
    if missing:
        raise ValueError(f"no column(s) {missing} in the frame")
    out = frame.copy()
    # As float so a nullable-integer <NA> becomes NaN, which compares False: small, not <NA>.
    small = ~(pd.to_numeric(out[n_col], errors="coerce").astype(float) >= threshold)
    for c in value_cols:
        out[c] = out[c].astype(float).mask(small)
    out["suppressed"] = small.to_numpy(dtype=bool)
    return out
