"""The prevalence funnel plot as a Vega-Lite spec: one condition's practices against the ICS.

The same spec serves the web page (vega-embed) and, rendered to SVG, a report; the colours,
shapes and flag words are the quality charts' (`openpcn.quality.charts`), so a funnel reads the
same wherever it appears.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from openpcn.quality.charts import (
    CONFIG,
    DEFAULT_WIDTH,
    FLAG_COLOURS,
    FLAG_LABELS,
    FLAG_SHAPES,
    NHS_DARK_BLUE,
    NHS_MID_GREY,
    flag_text,
)
from openpcn.quality.stats import funnel_limits
from openpcn.vega import SCHEMA, colour_key

CURVE_POINTS = 60


def _points(condition: Mapping[str, Any]) -> list[dict[str, Any]]:
    points = []
    for unit in condition["practices"]:
        if unit["prevalence_pct"] is None or not unit["list_size"]:
            continue
        flag = unit.get("flag") or "within"
        lower, upper = unit["ci_lower_pct"], unit["ci_upper_pct"]
        points.append(
            {
                "x": int(unit["list_size"]),
                "value_pct": round(float(unit["prevalence_pct"]), 3),
                "name": f"{unit['name'] or unit['practice_code']} ({unit['practice_code']})",
                "pcn": unit["pcn_code"] or "none",
                "value": f"{unit['prevalence_pct']:.2f}%",
                "ci": "none" if lower is None else f"{lower:.2f}% to {upper:.2f}%",
                "flag": FLAG_LABELS[flag],
                "flag_detail": flag_text(unit.get("flag"), unit.get("flag_level")),
            }
        )
    return points


def _curve(target_pct: float, sizes: list[int]) -> list[dict[str, Any]]:
    """The 95% and 99.8% limits on a grid of list sizes spanning the practices'."""
    grid = np.geomspace(max(min(sizes) * 0.8, 50), max(sizes) * 1.1, CURVE_POINTS)
    limits = funnel_limits(target_pct / 100, grid)
    rows = []
    for level, label in ((0.95, "95% limits"), (0.998, "99.8% limits")):
        lower, upper = limits[level]
        for side, values in (("lower", lower), ("upper", upper)):
            rows += [
                {
                    "x": float(n),
                    "pct": round(100 * float(v), 3),
                    "limit": label,
                    "line": f"{label} {side}",
                }
                for n, v in zip(grid, values, strict=True)
            ]
    return rows


def funnel_spec(
    condition: Mapping[str, Any],
    ics_name: str,
    year: str,
    *,
    width: int | str = DEFAULT_WIDTH,
) -> dict[str, Any]:
    """A funnel plot of one condition of `prevalence_summary`: each practice's prevalence
    against its list size, the ICS value as a line, England as a dashed line, the limits."""
    points = _points(condition)
    target = condition["ics"]["prevalence_pct"]
    england = condition["england"]["prevalence_pct"]
    name = f"{condition['condition']} {condition['description']}"
    title = f"{name}: practices of {ics_name}, QOF {year}"
    layers: list[dict[str, Any]] = []
    x_enc = {
        "field": "x",
        "type": "quantitative",
        "title": f"List size ({condition['list_type']})",
        "axis": {"format": ",.0f"},
        "scale": {"type": "log"},
    }
    y_enc = {"type": "quantitative", "title": "Prevalence (%)", "scale": {"zero": False}}
    if target is not None and points:
        lines = _curve(target, [p["x"] for p in points])
        layers.append(
            {
                "data": {"values": lines},
                "mark": {"type": "line", "strokeWidth": 1.5, "clip": True},
                "encoding": {
                    "x": x_enc,
                    "y": y_enc | {"field": "pct"},
                    "detail": {"field": "line", "type": "nominal"},
                    "strokeDash": {
                        "field": "limit",
                        "type": "nominal",
                        "title": "Control limits",
                        "scale": {
                            "domain": ["95% limits", "99.8% limits"],
                            "range": [[6, 3], [2, 2]],
                        },
                    },
                    "color": {"value": NHS_MID_GREY},
                },
            }
        )
        rules = [{"y": round(target, 3), "label": f"ICS {target:.2f}%"}]
        if england is not None:
            rules.append({"y": round(england, 3), "label": f"England {england:.2f}%"})
        layers.append(
            {
                "data": {"values": rules},
                "mark": {"type": "rule", "strokeWidth": 2},
                "encoding": {
                    "y": y_enc | {"field": "y"},
                    "strokeDash": {"field": "label", "type": "nominal", "legend": None},
                    "color": {"value": NHS_DARK_BLUE},
                    "tooltip": [{"field": "label", "title": "Benchmark"}],
                },
            }
        )
    flags = list(FLAG_LABELS)
    layers.append(
        {
            "data": {"values": points},
            "mark": {"type": "point", "filled": True, "size": 70, "opacity": 0.9},
            "encoding": {
                "x": x_enc,
                "y": y_enc | {"field": "value_pct"},
                "color": colour_key("flag", "Practice value", FLAG_LABELS, FLAG_COLOURS),
                "shape": {
                    "field": "flag",
                    "type": "nominal",
                    "scale": {
                        "domain": [FLAG_LABELS[f] for f in flags],
                        "range": [FLAG_SHAPES[f] for f in flags],
                    },
                },
                "tooltip": [
                    {"field": "name", "title": "Practice"},
                    {"field": "pcn", "title": "PCN"},
                    {"field": "value", "title": "Prevalence"},
                    {"field": "ci", "title": "95% interval"},
                    {"field": "x", "title": "List size", "format": ",.0f"},
                    {"field": "flag_detail", "title": "Against the limits"},
                ],
            },
        }
    )
    flagged = sum(p["flag"] != FLAG_LABELS["within"] for p in points)
    return {
        "$schema": SCHEMA,
        "title": {"text": title, "anchor": "start"},
        "description": (
            f"Funnel plot of {len(points)} practices' recorded {name} prevalence (vertical axis) "
            f"against their list size (horizontal axis, log scale), with the ICS value as a "
            f"solid line, England's as a second line and 95% and 99.8% control limits around "
            f"the ICS value. {flagged} practices lie outside the limits."
        ),
        "width": width,
        "height": 360,
        "layer": layers,
        "config": CONFIG,
    }
