"""Variation between practices (or PCNs) on one GP Patient Survey measure, as a funnel plot.

Each unit's value is set against the ICS value (the weighted mean of its practices, as in the
summary) with control limits at 95% and 99.8%:

- "funnel" where every unit with a value has a response count: limits are
  target ± z·sqrt(p(1-p)/n) against each unit's responses (Spiegelhalter 2005), and each unit
  gets a Wilson 95% interval. Results on fewer than 10 responses are suppressed, as the survey
  does.
- "spread" where the data has no response counts (the shipped 2019 extract publishes
  percentages only): limits are target ± z·SD of the units' values, the same for every unit,
  and no unit gets an interval. The result says so, and how to get funnel limits.

Percentages are on 0-100 in the result; `stats` works on proportions.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import ibis
import numpy as np
import pandas as pd

from openpcn.exceptions import InputError, NotFoundError
from openpcn.exports import csv_text
from openpcn.orgs import ics_view
from openpcn.orgs.dates import DateLike
from openpcn.orgs.hierarchy import IcsView
from openpcn.quality.ratings import BEFORE_PCNS, NO_MEMBERS, ics_practices
from openpcn.quality.stats import (
    DEFAULT_LEVELS,
    SUPPRESSION_THRESHOLD,
    aggregate,
    flag,
    funnel_limits,
    wilson_interval,
    z_for,
)
from openpcn.quality.summary import england_values, survey_rows
from openpcn.sources.gpps_measures import measures

By = Literal["practice", "pcn"]
BY: tuple[By, ...] = ("practice", "pcn")
LEVEL_KEYS = {0.95: "limit95", 0.998: "limit998"}

UNIT_COLUMNS = (
    "code",
    "name",
    "pcn_code",
    "pcn_name",
    "value_pct",
    "responses",
    "registered_patients",
    "ci_lower_pct",
    "ci_upper_pct",
    "limit95_lower_pct",
    "limit95_upper_pct",
    "limit998_lower_pct",
    "limit998_upper_pct",
    "flag",
    "flag_level",
)

FUNNEL_NOTE = (
    "Funnel limits around the ICS value at 95% and 99.8% for each unit's number of responses "
    "(binomial normal approximation); intervals are Wilson 95%. Results on fewer than "
    f"{SUPPRESSION_THRESHOLD} responses are suppressed."
)
SPREAD_NOTE = (
    "This survey data has no response counts, so funnel limits cannot be drawn: the limits are "
    "the ICS value ± 1.96 and ± 3.09 standard deviations of the {units}' values, the same for "
    "every {unit}, and no {unit} has a confidence interval. By construction about 1 in 20 units "
    "falls outside the 95% limits. Import the published GP Patient Survey practice file (with "
    "its response counts) for funnel limits: openpcn import gpps FILE."
)


def _survey(view: IcsView, con: ibis.BaseBackend) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ICS's practices (with names) and their rows of the latest survey for the date."""
    practices = ics_practices(view)
    practices["name"] = [view.practice_name(c) for c in practices["practice_code"]]
    practices["pcn_name"] = [None if c is None else view.pcn_name(c) for c in practices["pcn_code"]]
    rows = survey_rows(con, list(practices["practice_code"]), view.date.year)
    return practices, rows


def available_measures(con: ibis.BaseBackend, ics: str, date: DateLike) -> list[str]:
    """The survey measures with results for the ICS's practices on the date, sorted."""
    _, rows = _survey(ics_view(con, ics, date), con)
    return sorted(str(m) for m in rows["measure"].unique()) if len(rows) else []


def variation(
    con: ibis.BaseBackend,
    ics: str,
    date: DateLike,
    measure: str,
    by: By = "practice",
) -> dict[str, Any]:
    """Each practice's (or PCN's) value on `measure` against the ICS value, limits and flag."""
    if by not in BY:
        raise InputError(f"cannot group survey results by {by!r}", fix="use practice or pcn")
    view = ics_view(con, ics, date)
    practices, rows = _survey(view, con)
    own = rows[rows["measure"] == measure] if len(rows) else rows
    if own.empty:
        known = sorted(str(m) for m in rows["measure"].unique()) if len(rows) else []
        reason = "" if len(practices) else f" ({NO_MEMBERS})"
        raise NotFoundError(
            f"no GP Patient Survey results for {measure!r} among the practices of "
            f"{view.footprint.code} on {view.date.isoformat()}{reason}",
            fix=(
                f"choose one of: {', '.join(known)}"
                if known
                else "import survey results with `openpcn import gpps FILE`"
            ),
        )
    year = int(own["year"].iloc[0])
    frame = practices.merge(
        own[["practice_code", "value_pct", "responses"]], on="practice_code", how="left"
    )
    frame["value_pct"] = pd.to_numeric(frame["value_pct"]).astype(float)
    frame["responses"] = pd.to_numeric(frame["responses"]).astype(float)
    has_counts = bool(frame.loc[frame["value_pct"].notna(), "responses"].notna().all())
    if has_counts:
        small = frame["responses"] < SUPPRESSION_THRESHOLD
        frame.loc[small, "value_pct"] = np.nan
    if frame["value_pct"].isna().all():
        raise NotFoundError(
            f"every result for {measure!r} among the practices of {view.footprint.code} is "
            f"suppressed (fewer than {SUPPRESSION_THRESHOLD} responses)",
            fix="choose another measure or survey year",
        )
    target = aggregate(frame, "value_pct", "responses", "registered_patients")
    units = _practice_units(frame) if by == "practice" else _pcn_units(frame, target.weighting)
    method = "funnel" if has_counts else "spread"
    target_pct = target.value
    _limits_and_flags(units, target_pct, method)
    units = sorted(
        units, key=lambda u: (u["value_pct"] is None, -(u["value_pct"] or 0.0), u["code"])
    )
    info = measures().get(measure)
    england = england_values().get((year, measure))
    source = str(
        con.execute(
            con.table("gpps")
            .filter(lambda t: (t.year == year) & (t.measure == measure))
            .select("source")
            .limit(1)
        )["source"].iloc[0]
    )
    word = "practice" if by == "practice" else "PCN"
    return {
        "ics": view.footprint.as_dict(),
        "date": view.date.isoformat(),
        "measure": measure,
        "label": info.label if info else measure,
        "question": info.question if info else None,
        "year": year,
        "by": by,
        "method": method,
        "method_note": FUNNEL_NOTE
        if has_counts
        else SPREAD_NOTE.format(unit=word, units=word + "s"),
        "target_pct": target_pct,
        "weighting": target.weighting,
        "england_pct": england["value_pct"] if england else None,
        "england_source": england["source"] if england else None,
        "units": units,
        "flagged": {
            side: [u["code"] for u in units if u["flag"] == side] for side in ("high", "low")
        },
        "suppressed": sorted(u["code"] for u in units if u["value_pct"] is None),
        "curve": _curve(units, target_pct, method),
        "x_axis": "responses" if has_counts else "registered_patients",
        "source": source,
        **({"note": BEFORE_PCNS} if view.members.empty else {}),
    }


def _practice_units(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        _unit(row) for row in frame.rename(columns={"practice_code": "code"}).to_dict("records")
    ]


def _pcn_units(frame: pd.DataFrame, weighting: str) -> list[dict[str, Any]]:
    """One unit per PCN: its practices' value weighted as the ICS value is, responses summed."""
    units = []
    for (code, name), own in frame.groupby(["pcn_code", "pcn_name"], sort=True):
        valued = own[own["value_pct"].notna()]
        value = responses = None
        if len(valued):
            weights = valued["responses" if weighting == "responses" else "registered_patients"]
            value = float(np.dot(valued["value_pct"], weights) / weights.sum())
            if weighting == "responses":
                responses = float(valued["responses"].sum())
        registered = float(own["registered_patients"].sum())
        row = {"code": code, "name": name, "pcn_code": code, "pcn_name": name}
        units.append(
            _unit(
                row
                | {"value_pct": value, "responses": responses, "registered_patients": registered}
            )
        )
    return units


def _number(value: Any) -> float | None:
    return (
        None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)
    )


def _unit(row: dict[str, Any]) -> dict[str, Any]:
    """A practice or PCN as the result lists it, from its code, name, PCN, value, responses and
    registered patients (the frame's columns)."""
    n = _number(row["responses"])
    pcn_code, pcn_name = row["pcn_code"], row["pcn_name"]
    return {key: None for key in UNIT_COLUMNS} | {
        "code": str(row["code"]),
        "name": str(row["name"]),
        "pcn_code": None if pcn_code is None else str(pcn_code),
        "pcn_name": None if pcn_name is None else str(pcn_name),
        "value_pct": _number(row["value_pct"]),
        "responses": None if n is None else round(n),
        "registered_patients": _number(row["registered_patients"]),
    }


def _limits_and_flags(units: list[dict[str, Any]], target_pct: float, method: str) -> None:
    """Fill each unit's interval, limits and flag in place."""
    target = target_pct / 100
    if method == "spread":
        values = np.array([u["value_pct"] for u in units if u["value_pct"] is not None])
        sd = float(values.std(ddof=1)) if len(values) > 1 else 0.0
        flat = {
            level: (
                max(0.0, target_pct - z_for(level) * sd),
                min(100.0, target_pct + z_for(level) * sd),
            )
            for level in DEFAULT_LEVELS
        }
    for unit in units:
        value = unit["value_pct"]
        if method == "funnel":
            n = unit["responses"]
            if value is None or not n:
                continue
            lower, upper = wilson_interval(value / 100 * n, n)
            unit["ci_lower_pct"], unit["ci_upper_pct"] = lower * 100, upper * 100
            limits = {
                level: (lo * 100, hi * 100)
                for level, (lo, hi) in funnel_limits(target, float(n)).items()
            }
            found = flag(value / 100, n, target)
            unit["flag"], unit["flag_level"] = found.label, found.level
        else:
            limits = flat
            if value is not None:
                unit["flag"], unit["flag_level"] = _spread_flag(value, flat)
        for level, (lo, hi) in limits.items():
            key = LEVEL_KEYS[level]
            unit[f"{key}_lower_pct"], unit[f"{key}_upper_pct"] = float(lo), float(hi)


def _spread_flag(
    value: float, limits: dict[float, tuple[float, float]]
) -> tuple[str, float | None]:
    for level in sorted(limits, reverse=True):
        lower, upper = limits[level]
        if value > upper:
            return "high", level
        if value < lower:
            return "low", level
    return "within", None


def _curve(units: list[dict[str, Any]], target_pct: float, method: str) -> list[dict[str, Any]]:
    """Points along the limit lines for drawing: 60 steps across the units' x range."""
    key = "responses" if method == "funnel" else "registered_patients"
    xs = [u[key] for u in units if u[key] and u["value_pct"] is not None]
    if not xs:
        return []
    if method == "spread":
        first = next(u for u in units if u["limit95_lower_pct"] is not None)
        return [
            {"n": float(x)} | {k: first[k] for k in UNIT_COLUMNS if k.startswith("limit")}
            for x in (min(xs), max(xs))
        ]
    grid = np.geomspace(max(1.0, min(xs) * 0.8), max(xs) * 1.1, 60)
    limits = funnel_limits(target_pct / 100, grid)
    out = []
    for i, n in enumerate(grid):
        point: dict[str, Any] = {"n": float(n)}
        for level, (lo, hi) in limits.items():
            key = LEVEL_KEYS[level]
            point[f"{key}_lower_pct"] = float(lo[i]) * 100  # type: ignore[index]
            point[f"{key}_upper_pct"] = float(hi[i]) * 100  # type: ignore[index]
        out.append(point)
    return out


def variation_csv(result: dict[str, Any]) -> str:
    """One row per unit with every unit column, for download."""
    head = {"measure": result["measure"], "year": result["year"]}
    return csv_text(
        ({**head, **unit} for unit in result["units"]), ["measure", "year", *UNIT_COLUMNS]
    )
