"""Vega-Lite specs of the case-finding charts: eFI categories by PCN and risk-model calibration.

Data are inline (the page draws them with vega-embed; a report can render them to SVG). Counts
arrive already disclosed where the viewer has no patient rights: a redacted count (None) is
drawn as nothing and said so in the tooltip. The page's table holds the same numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from openpcn.cohorts.efi import CATEGORIES

VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"

#: NHS identity colours, each at least 3:1 against white, light to heavy frailty
EFI_COLOURS = {
    "fit": "#007F3B",  # NHS green
    "mild": "#005EB8",  # NHS blue
    "moderate": "#AE2573",  # NHS pink
    "severe": "#330072",  # NHS purple
}


def efi_spec(
    pcns: Iterable[Mapping[str, Any]], *, title: str, width: int | str = "container"
) -> dict[str, Any]:
    """A stacked bar per PCN of people aged 65+ by eFI category.

    Each row: {"code", "name", "efi": {category: count or None}}.
    """
    rows = list(pcns)
    values = []
    for row in rows:
        label = f"{row['name']} ({row['code']})"
        for order, category in enumerate(CATEGORIES):
            count = row["efi"].get(category)
            values.append(
                {
                    "pcn": label,
                    "category": category,
                    "order": order,
                    "people": 0 if count is None else int(count),
                    "shown": "hidden (1-7)" if count is None else f"{int(count):,}",
                }
            )
    description = (
        f"Stacked bars of people aged 65 and over in each of {len(rows)} PCNs by electronic "
        "Frailty Index category (fit, mild, moderate, severe). The same figures are in the table."
    )
    return {
        "$schema": VEGA_LITE_SCHEMA,
        "title": {"text": title},
        "description": description,
        "width": width,
        "height": {"step": 22},
        "data": {"values": values},
        "mark": {"type": "bar", "tooltip": True},
        "encoding": {
            "y": {
                "field": "pcn",
                "type": "nominal",
                "sort": "ascending",
                "title": None,
                "axis": {"labelLimit": 320},
            },
            "x": {"field": "people", "type": "quantitative", "stack": "zero", "title": "People"},
            "color": {
                "field": "category",
                "type": "nominal",
                "title": "eFI category",
                "sort": list(CATEGORIES),
                "scale": {
                    "domain": list(CATEGORIES),
                    "range": [EFI_COLOURS[c] for c in CATEGORIES],
                },
            },
            "order": {"field": "order", "type": "quantitative"},
            "tooltip": [
                {"field": "pcn", "title": "PCN"},
                {"field": "category", "title": "eFI category"},
                {"field": "shown", "title": "People"},
            ],
        },
    }


def calibration_spec(
    calibration: Iterable[Mapping[str, Any]], *, title: str, width: int | str = "container"
) -> dict[str, Any]:
    """Observed against mean predicted risk per decile of predicted risk, with the diagonal."""
    rows = list(calibration)
    values = [
        {
            "decile": int(r["decile"]),
            "predicted": float(r["mean_predicted"]),
            "observed": float(r["observed_rate"]),
        }
        for r in rows
    ]
    top = max([0.01, *(v["predicted"] for v in values), *(v["observed"] for v in values)])
    description = (
        f"Calibration of the emergency admission risk model: observed rate against mean "
        f"predicted risk in {len(rows)} deciles of predicted risk, with the line of perfect "
        "calibration. The same figures are in the table."
    )
    axis = {"type": "quantitative", "scale": {"domain": [0, round(top, 4)]}}
    return {
        "$schema": VEGA_LITE_SCHEMA,
        "title": {"text": title},
        "description": description,
        "width": width,
        "height": 300,
        "layer": [
            {
                "data": {"values": [{"x": 0, "y": 0}, {"x": top, "y": top}]},
                "mark": {"type": "line", "color": "#425563", "strokeDash": [4, 4]},
                "encoding": {
                    "x": {"field": "x", **axis, "title": "Mean predicted risk"},
                    "y": {"field": "y", **axis, "title": "Observed rate"},
                },
            },
            {
                "data": {"values": values},
                "mark": {"type": "point", "filled": True, "size": 60, "color": "#005EB8",
                         "tooltip": True},
                "encoding": {
                    "x": {"field": "predicted", **axis, "title": "Mean predicted risk",
                          "axis": {"format": ".0%"}},
                    "y": {"field": "observed", **axis, "title": "Observed rate",
                          "axis": {"format": ".0%"}},
                    "tooltip": [
                        {"field": "decile", "title": "Decile"},
                        {"field": "predicted", "title": "Mean predicted", "format": ".1%"},
                        {"field": "observed", "title": "Observed", "format": ".1%"},
                    ],
                },
            },
        ],
    }  # fmt: skip
