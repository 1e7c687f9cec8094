"""Vega-Lite specs of a study's run, from its stored summary: the love plot (balance before and
after matching), the propensity overlap and the monthly rates in both arms around the index
date. The page's tables hold the same numbers.

Counts in the summary may have been disclosure-controlled by the surface (None: redacted); the
overlap is drawn as each group's share of its people per bin, so a redacted bin draws as zero.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

from openpcn import vega
from openpcn.evaluation.definition import OUTCOME_WORDS

TREATED, CONTROL = "#005EB8", "#AE2573"  # NHS blue and NHS pink (3:1 on white)
BEFORE, AFTER = "#768692", "#005EB8"  # NHS mid grey and NHS blue
SMD_TARGET = 0.1
CHARTS = ("love", "overlap", "monthly")


def love_plot(summary: Mapping[str, Any], *, width: int | str = "container") -> dict[str, Any]:
    """|SMD| per covariate before and after matching, with the 0.1 line."""
    values = []
    rows = list(summary.get("balance") or [])
    order = sorted(rows, key=lambda r: -abs(r.get("smd_before") or 0.0))
    labels = [str(r.get("label") or r.get("covariate")) for r in order]
    for row, label in zip(order, labels, strict=True):
        for when, key in (("Before matching", "smd_before"), ("After matching", "smd_after")):
            if row.get(key) is not None:
                values.append(
                    {"covariate": label, "when": when, "smd": abs(float(row[key])),
                     "signed": round(float(row[key]), 3)}
                )  # fmt: skip
    after = [v for v in values if v["when"] == "After matching"]
    over = sum(v["smd"] >= SMD_TARGET for v in after)
    description = (
        f"Love plot: the absolute standardised mean difference of {len(labels)} characteristics "
        f"between treated people and controls, before and after matching; {over} of them are "
        f"at or over the 0.1 target after matching."
    )
    return vega.spec(
        title="Balance before and after matching",
        description=description,
        width=width,
        height={"step": 16},
        layer=[
            {
                "data": {"values": values},
                "mark": {"type": "point", "filled": True, "size": 60, "tooltip": True},
                "encoding": {
                    "y": {"field": "covariate", "type": "nominal", "sort": labels, "title": None},
                    "x": {
                        "field": "smd",
                        "type": "quantitative",
                        "title": "Absolute standardised mean difference",
                    },
                    "color": {
                        "field": "when",
                        "type": "nominal",
                        "title": None,
                        "scale": {
                            "domain": ["Before matching", "After matching"],
                            "range": [BEFORE, AFTER],
                        },
                    },
                    "shape": {
                        "field": "when",
                        "type": "nominal",
                        "title": None,
                        "scale": {
                            "domain": ["Before matching", "After matching"],
                            "range": ["square", "circle"],
                        },
                    },
                    "tooltip": [
                        {"field": "covariate", "title": "Characteristic"},
                        {"field": "when", "title": "When"},
                        {"field": "signed", "title": "SMD"},
                    ],
                },
            },
            {
                "data": {"values": [{"target": SMD_TARGET}]},
                "mark": {"type": "rule", "strokeDash": [4, 4], "color": "#DA291C"},
                "encoding": {"x": {"field": "target", "type": "quantitative"}},
            },
        ],
    )


def _bins(overlap: Mapping[str, Any]) -> list[tuple[float, float]]:
    """(low, high) of each bin, from edges (one more than the counts) or from centres."""
    bins = [float(b) for b in overlap.get("bins") or []]
    counts = len(overlap.get("treated") or [])
    if len(bins) == counts + 1:
        return list(itertools.pairwise(bins))
    step = (bins[1] - bins[0]) if len(bins) > 1 else 1.0
    return [(b - step / 2, b + step / 2) for b in bins]


def overlap_chart(summary: Mapping[str, Any], *, width: int | str = "container") -> dict[str, Any]:
    """The propensity score of treated people (up) and eligible controls (down), before
    matching, each as its share of its group per bin: where one has no mirror, no match."""
    overlap = summary.get("overlap") or {}
    if any(isinstance(b, str) for b in overlap.get("bins") or []):
        return _strata_chart(overlap, width=width)
    bins = _bins(overlap)
    values = []
    for group, key, sign in (("Treated", "treated", 1), ("Eligible controls", "controls", -1)):
        counts = list(overlap.get(key) or [])
        total = sum(c for c in counts if c is not None) or 1
        for (low, high), count in zip(bins, counts, strict=False):
            share = 0.0 if count is None else count / total
            values.append(
                {"group": group, "low": low, "high": high, "share": sign * share,
                 "shown": "redacted" if count is None else f"{100 * share:.1f}%"}
            )  # fmt: skip
    score = "stratum" if summary.get("method") == "cem" else "propensity score"
    return vega.spec(
        title="Overlap before matching",
        description=(
            f"Mirrored histogram of the {score} of treated people (above the line) and of "
            "eligible controls (below), each as a share of its own group, in "
            f"{len(bins)} bins."
        ),
        width=width,
        height=240,
        data={"values": values},
        mark={"type": "bar", "tooltip": True},
        encoding={
            "x": {"field": "low", "type": "quantitative", "bin": {"binned": True},
                  "title": score.capitalize()},
            "x2": {"field": "high"},
            "y": {"field": "share", "type": "quantitative", "title": "Share of the group",
                  "axis": {"format": "%", "labelExpr": "format(abs(datum.value), '.0%')"}},
            "color": {"field": "group", "type": "nominal", "title": None,
                      "scale": {"domain": ["Treated", "Eligible controls"],
                                "range": [TREATED, CONTROL]}},
            "tooltip": [{"field": "group", "title": "Group"},
                        {"field": "low", "title": "From", "format": ".2f"},
                        {"field": "high", "title": "To", "format": ".2f"},
                        {"field": "shown", "title": "Share"}],
        },
    )  # fmt: skip


def _strata_chart(overlap: Mapping[str, Any], *, width: int | str) -> dict[str, Any]:
    """Coarsened exact matching's overlap: the share of each group in strata with both groups,
    with treated people only (unmatched) and with controls only (unused)."""
    labels = [str(b) for b in overlap.get("bins") or []]
    values = []
    for group, key in (("Treated", "treated"), ("Eligible controls", "controls")):
        counts = list(overlap.get(key) or [])
        total = sum(c for c in counts if c is not None) or 1
        for label, count in zip(labels, counts, strict=False):
            share = 0.0 if count is None else count / total
            values.append(
                {"group": group, "stratum": label, "share": share,
                 "shown": "redacted" if count is None else f"{100 * share:.1f}%"}
            )  # fmt: skip
    return vega.spec(
        title="Overlap before matching: strata",
        description=(
            "Bars of the share of treated people and of eligible controls in strata (exact "
            "cells of banded characteristics) holding both groups, treated people only or "
            "controls only: treated people in strata without controls cannot be matched."
        ),
        width=width,
        height=200,
        data={"values": values},
        mark={"type": "bar", "tooltip": True},
        encoding={
            "x": {"field": "stratum", "type": "nominal", "sort": labels, "title": None,
                  "axis": {"labelAngle": 0}},
            "xOffset": {"field": "group", "type": "nominal"},
            "y": {"field": "share", "type": "quantitative", "title": "Share of the group",
                  "axis": {"format": "%"}},
            "color": {"field": "group", "type": "nominal", "title": None,
                      "scale": {"domain": ["Treated", "Eligible controls"],
                                "range": [TREATED, CONTROL]}},
            "tooltip": [{"field": "group", "title": "Group"},
                        {"field": "stratum", "title": "Strata"},
                        {"field": "shown", "title": "Share"}],
        },
    )  # fmt: skip


def monthly_chart(
    summary: Mapping[str, Any], outcome: str, *, width: int | str = "container"
) -> dict[str, Any]:
    """One outcome's monthly rate per 1,000 person-months in both matched arms, from the
    prior period to the end of follow-up; the index date is month 0."""
    label = OUTCOME_WORDS.get(outcome, outcome)
    values = [
        {"month": int(r["month_offset"]),
         "arm": "Treated" if r.get("arm") == "treated" else "Matched controls",
         "rate": None if r.get("rate_per_1000_person_months") is None
         else round(float(r["rate_per_1000_person_months"]), 2)}
        for r in summary.get("monthly") or []
        if r.get("outcome") == outcome
    ]  # fmt: skip
    return vega.spec(
        title=f"{label.capitalize()} per month, before and after the index date",
        description=(
            f"Monthly {label} per 1,000 person-months among treated people and their matched "
            "controls, from before the index date (negative months) to the end of follow-up."
        ),
        width=width,
        height=220,
        layer=[
            {
                "data": {"values": values},
                "mark": {"type": "line", "tooltip": True,
                         "point": {"filled": True, "size": 40, "aria": False}},
                "encoding": {
                    "x": {"field": "month", "type": "quantitative",
                          "title": "Months from the index date"},
                    "y": {"field": "rate", "type": "quantitative",
                          "title": "Per 1,000 person-months"},
                    "color": {"field": "arm", "type": "nominal", "title": None,
                              "scale": {"domain": ["Treated", "Matched controls"],
                                        "range": [TREATED, CONTROL]}},
                    "tooltip": [{"field": "arm", "title": "Arm"},
                                {"field": "month", "title": "Month"},
                                {"field": "rate", "title": "Per 1,000 person-months"}],
                },
            },
            {
                "data": {"values": [{"month": 0}]},
                "mark": {"type": "rule", "strokeDash": [4, 4], "color": "#425563"},
                "encoding": {"x": {"field": "month", "type": "quantitative"}},
            },
        ],
    )  # fmt: skip


def chart_spec(
    summary: Mapping[str, Any], name: str, outcome: str | None = None, **kwargs: Any
) -> dict[str, Any]:
    """One of CHARTS by name (monthly needs the outcome)."""
    if name == "love":
        return love_plot(summary, **kwargs)
    if name == "overlap":
        return overlap_chart(summary, **kwargs)
    return monthly_chart(summary, outcome or "emergency_admission", **kwargs)
