"""The Vega-Lite spec of the workforce risk chart: the risk answer in, a JSON-ready spec out.

One bar per PCN of the share of its GPs aged 55 and over, with a rule at the ICS's share. The
data are inline (vega-embed on the page, vl-convert in a report); the page's PCN table holds
the same numbers. PCNs without a GP have no share and no bar (the table says so).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openpcn.vega import spec

BAR, ICS_LINE = "#005EB8", "#D5281B"  # NHS blue 6.0:1, NHS red 5.2:1 on white


def gp_55_spec(
    result: Mapping[str, Any], *, title: str, width: int | str = "container"
) -> dict[str, Any]:
    """Bars of % of GPs aged 55+ per PCN (highest first) and a red rule at the ICS value."""
    bars = [
        {
            "pcn": f"{p['name']} ({p['code']})",
            "pct": float(p["gp_55_plus_pct"]),
            "gps": int(p["gp_headcount"]),
        }
        for p in result["pcns"]
        if p.get("gp_55_plus_pct") is not None
    ]
    bars.sort(key=lambda b: (-b["pct"], b["pcn"]))
    ics_pct = result["ics"].get("gp_55_plus_pct")
    description = (
        f"Bars of the share of GPs aged 55 and over in {len(bars)} PCNs"
        + (f"; the red line is the ICS share, {ics_pct:.1f}%." if ics_pct is not None else ".")
        + " The same figures are in the PCN table."
    )
    layers: list[dict[str, Any]] = [
        {
            "data": {"values": bars},
            "mark": {"type": "bar", "color": BAR, "tooltip": True},
            "encoding": {
                "y": {"field": "pcn", "type": "nominal", "sort": None, "title": None},
                "x": {
                    "field": "pct",
                    "type": "quantitative",
                    "title": "% of GPs aged 55 and over",
                    "scale": {"domain": [0, 100]},
                },
                "tooltip": [
                    {"field": "pcn", "title": "PCN"},
                    {"field": "pct", "title": "% aged 55+", "format": ".1f"},
                    {"field": "gps", "title": "GPs"},
                ],
            },
        }
    ]
    if ics_pct is not None:
        layers.append(
            {
                "data": {"values": [{"pct": float(ics_pct), "label": "ICS"}]},
                "mark": {"type": "rule", "color": ICS_LINE, "strokeWidth": 2, "tooltip": True},
                "encoding": {
                    "x": {"field": "pct", "type": "quantitative"},
                    "tooltip": [{"field": "pct", "title": "ICS % aged 55+", "format": ".1f"}],
                },
            }
        )
    return spec(
        title={"text": title},
        description=description,
        width=width,
        height={"step": 22},
        layer=layers,
    )
