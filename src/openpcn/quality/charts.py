"""Vega-Lite specs of the quality charts: a result dict in, a JSON-ready spec out.

One spec serves both surfaces: the web page draws it with vega-embed, the ICS report renders it
to SVG on the server with `vl_convert.vegalite_to_svg(spec)`. So specs carry their data inline,
use no expressions beyond Vega-Lite's own, and hold a title and a description (vega-embed makes
them the SVG's accessible name). Colours are from the NHS palette with at least 3:1 contrast on
white; flags are told apart by shape as well as colour.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openpcn.figures import long_date
from openpcn.vega import SCHEMA, colour_key

# NHS identity colours (contrast on white in brackets).
NHS_BLUE, NHS_DARK_BLUE = "#005EB8", "#003087"  # 6.0:1, 13.8:1
NHS_DARK_GREY, NHS_MID_GREY = "#425563", "#768692"  # 7.5:1, 3.7:1
NHS_DARK_GREEN, NHS_RED, NHS_PURPLE = "#006747", "#D5281B", "#330072"  # 7.0:1, 5.2:1, 14.6:1

FLAG_LABELS = {"high": "Above the limits", "low": "Below the limits", "within": "Within the limits"}
FLAG_COLOURS = {"high": NHS_BLUE, "low": NHS_RED, "within": NHS_DARK_GREY}
FLAG_SHAPES = {"high": "triangle-up", "low": "triangle-down", "within": "circle"}
LEVEL_LABELS = {0.95: "95%", 0.998: "99.8%"}

RATING_LABELS = {
    "outstanding": "Outstanding",
    "good": "Good",
    "requires_improvement": "Requires improvement",
    "inadequate": "Inadequate",
    "not_rated": "Not rated",
}
RATING_COLOURS = {
    "outstanding": NHS_DARK_GREEN,
    "good": NHS_BLUE,
    "requires_improvement": NHS_PURPLE,
    "inadequate": NHS_RED,
    "not_rated": NHS_MID_GREY,
}
X_TITLES = {"responses": "Responses to the question", "registered_patients": "Registered patients"}
CONFIG = {  # readable text: the page scales the SVG down on narrow screens
    "view": {"stroke": None},
    "font": "Arial, sans-serif",
    "title": {"fontSize": 16, "subtitleFontSize": 13, "color": "#212B32"},
    "axis": {"labelFontSize": 12, "titleFontSize": 13, "labelColor": "#212B32"},
    "legend": {
        "orient": "bottom",
        "direction": "horizontal",
        "labelFontSize": 12,
        "titleFontSize": 13,
    },
}
DEFAULT_WIDTH = 640  # pixels, for the server-side SVG; the web page passes "container"


def _pct(value: float | None) -> str:
    return "not published" if value is None else f"{value:.1f}%"


def flag_text(flag: str | None, level: float | None) -> str:
    """'Below the 99.8% limit', 'Within the limits', or 'no value' (the table and tooltip)."""
    if flag is None:
        return "no value"
    if flag == "within" or level is None:
        return FLAG_LABELS.get(flag, flag)
    side = "Above" if flag == "high" else "Below"
    return f"{side} the {LEVEL_LABELS.get(level, level)} limit"


def _funnel_points(result: Mapping[str, Any]) -> list[dict[str, Any]]:
    x_axis = result["x_axis"]
    points = []
    for unit in result["units"]:
        if unit["value_pct"] is None or not unit.get(x_axis):
            continue
        lower, upper = unit.get("ci_lower_pct"), unit.get("ci_upper_pct")
        ci = "none (no response counts)" if lower is None else f"{lower:.1f}% to {upper:.1f}%"
        flag = unit["flag"] or "within"
        points.append(
            {
                "x": float(unit[x_axis]),
                "value_pct": round(float(unit["value_pct"]), 2),
                "name": f"{unit['name']} ({unit['code']})",
                "pcn": "none"
                if unit["pcn_code"] is None
                else f"{unit['pcn_name']} ({unit['pcn_code']})",
                "value": _pct(unit["value_pct"]),
                "ci": ci,
                "flag": FLAG_LABELS[flag],
                "flag_detail": flag_text(unit["flag"], unit.get("flag_level")),
            }
        )
    return points


def _limit_lines(result: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The curve as long rows, one per point and line, so one line layer draws all four."""
    rows = []
    for point in result["curve"]:
        for key, level in (("limit95", "95% limits"), ("limit998", "99.8% limits")):
            for side in ("lower", "upper"):
                value = point.get(f"{key}_{side}_pct")
                if value is None:
                    continue
                rows.append(
                    {
                        "x": float(point["n"]),
                        "pct": round(float(value), 3),
                        "limit": level,
                        "line": f"{level} {side}",
                    }
                )
    return rows


def funnel_spec(result: Mapping[str, Any], *, width: int | str = DEFAULT_WIDTH) -> dict[str, Any]:
    """A funnel plot of a `quality.variation` result: each unit's value against its
    denominator, the ICS value as a line, the 95% and 99.8% limits, points by flag."""
    points = _funnel_points(result)
    lines = _limit_lines(result)
    word = "practices" if result["by"] == "practice" else "PCNs"
    x_title = X_TITLES.get(result["x_axis"], result["x_axis"])
    high, low = len(result["flagged"]["high"]), len(result["flagged"]["low"])
    target = float(result["target_pct"])
    title = f"{result['label']}: {word} of {result['ics']['name']}, {result['year']} survey"
    description = (
        f"{'Funnel' if result['method'] == 'funnel' else 'Spread'} plot of {len(points)} "
        f"{word}' percentage answering '{result['label'].lower()}' (vertical axis) against "
        f"{x_title.lower()} (horizontal axis). ICS value {target:.1f}% drawn as a solid line, "
        f"with 95% and 99.8% control limits. {high} above and {low} below the limits."
    )
    values = [p["value_pct"] for p in points] + [r["pct"] for r in lines] + [target]
    floor = max(0.0, (min(values) // 5) * 5 - 5)
    x_enc = {
        "field": "x",
        "type": "quantitative",
        "title": x_title,
        "axis": {"format": ",.0f"},
        "scale": {"zero": False},
    }
    y_enc = {
        "type": "quantitative",
        "title": "Percentage of patients (%)",
        "scale": {"domain": [floor, 100]},
    }
    flags = list(FLAG_LABELS)
    layers: list[dict[str, Any]] = []
    if lines:
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
    layers.append(
        {
            "data": {"values": [{"target": round(target, 3), "label": f"ICS {target:.1f}%"}]},
            "mark": {"type": "rule", "color": NHS_DARK_BLUE, "strokeWidth": 2},
            "encoding": {
                "y": y_enc | {"field": "target"},
                "tooltip": [{"field": "label", "title": "ICS value"}],
            },
        }
    )
    layers.append(
        {
            "data": {"values": points},
            "mark": {"type": "point", "filled": True, "size": 70, "opacity": 0.9},
            "encoding": {
                "x": x_enc,
                "y": y_enc | {"field": "value_pct"},
                "color": colour_key(
                    "flag",
                    "Practice value" if result["by"] == "practice" else "PCN value",
                    FLAG_LABELS,
                    FLAG_COLOURS,
                ),
                "shape": {
                    "field": "flag",
                    "type": "nominal",
                    "scale": {
                        "domain": [FLAG_LABELS[f] for f in flags],
                        "range": [FLAG_SHAPES[f] for f in flags],
                    },
                },
                "tooltip": [
                    {"field": "name", "title": "Practice" if result["by"] == "practice" else "PCN"},
                    {"field": "pcn", "title": "PCN"},
                    {"field": "value", "title": "Value"},
                    {"field": "ci", "title": "95% interval"},
                    {"field": "x", "title": x_title, "format": ",.0f"},
                    {"field": "flag_detail", "title": "Against the limits"},
                ],
            },
        }
    )
    return {
        "$schema": SCHEMA,
        "title": {"text": title, "subtitle": _wrap(result["method_note"], 95), "anchor": "start"},
        "description": description,
        "width": width,
        "height": 360,
        "layer": layers,
        "config": CONFIG,
    }


def _wrap(text: str, width: int) -> list[str]:
    """A long note as subtitle lines (Vega-Lite draws a list as one line per item)."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    if line:
        lines.append(line)
    return lines


def ratings_spec(summary: Mapping[str, Any], *, width: int | str = DEFAULT_WIDTH) -> dict[str, Any]:
    """CQC ratings in force by PCN from a `quality_summary` result: one stacked bar per PCN."""
    keys = list(RATING_LABELS)
    values = []
    for pcn in summary["pcns"]:
        for order, key in enumerate(keys):
            count = int(pcn["cqc"].get(key, 0))
            if count:
                values.append(
                    {
                        "pcn": f"{pcn['name']} ({pcn['pcn_code']})",
                        "rating": RATING_LABELS[key],
                        "order": order,
                        "practices": count,
                    }
                )
    cqc = summary["cqc"]
    counts = ", ".join(f"{int(cqc.get(k, 0))} {RATING_LABELS[k].lower()}" for k in keys)
    name = summary["ics"]["name"]
    return {
        "$schema": SCHEMA,
        "title": {
            "text": f"CQC ratings in force by PCN, {name}, {long_date(summary['date'])}",
            "anchor": "start",
        },
        "description": (
            f"Stacked horizontal bars, one per PCN ({len(summary['pcns'])} PCNs): the number of "
            f"its practices with each CQC rating in force on {long_date(summary['date'])}. "
            f"In the ICS: {counts}."
        ),
        "width": width,
        "height": {"step": 22},
        "data": {"values": values},
        "mark": {"type": "bar", "stroke": "#FFFFFF", "strokeWidth": 1},
        "encoding": {
            "y": {
                "field": "pcn",
                "type": "nominal",
                "title": None,
                "sort": "ascending",
                "axis": {"labelLimit": 320},
            },
            "x": {
                "field": "practices",
                "type": "quantitative",
                "title": "Practices",
                "stack": "zero",
                "axis": {"tickMinStep": 1, "format": "d"},
            },
            "color": colour_key("rating", "CQC rating", RATING_LABELS, RATING_COLOURS),
            "order": {"field": "order", "type": "quantitative"},
            "tooltip": [
                {"field": "pcn", "title": "PCN"},
                {"field": "rating", "title": "Rating"},
                {"field": "practices", "title": "Practices"},
            ],
        },
        "config": CONFIG,
    }
