"""The Vega-Lite spec of the ICS funding chart: entitlement rows in, a JSON-ready spec out.

One horizontal bar per PCN, stacked by stream. The page draws it with vega-embed and a report
can render it to SVG with `vl_convert.vegalite_to_svg`, so the data are inline and no
expression beyond Vega-Lite's own is used. Colours are NHS identity colours with at least 3:1
contrast on white; the page's table holds the same numbers (the chart's text alternative).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from openpcn.vega import colour_key, stacked_bars

#: the streams that add up to `total`, in stacking order, with their labels and colours
STREAM_LABELS = {
    "core": "Core",
    "clinical_director": "Clinical director",
    "network_participation": "Network participation",
    "extended_hours": "Extended hours",
    "enhanced_access": "Enhanced access",
    "care_home_premium": "Care home premium",
    "pcn_support": "PCN support",
    "leadership_management": "Leadership and management",
    "capacity_access": "Capacity and access (support)",
    "capacity_access_improvement": "Capacity and access (improvement, maximum)",
    "iif_max": "IIF (maximum)",
    "arrs_sum": "ARRS",
    "arrs_gp": "ARRS GPs (ring-fenced)",
}
STREAM_COLOURS = {
    "core": "#005EB8",  # NHS blue, 6.0:1
    "clinical_director": "#003087",  # NHS dark blue, 13.8:1
    "network_participation": "#AE2573",  # NHS pink, 6.3:1
    "extended_hours": "#006747",  # NHS dark green, 7.0:1
    "enhanced_access": "#007F3B",  # NHS green, 5.1:1
    "care_home_premium": "#330072",  # NHS purple, 14.6:1
    "pcn_support": "#7C2855",  # NHS plum, 9.1:1
    "leadership_management": "#231F20",  # NHS black, 16.1:1
    "capacity_access": "#00A499",  # NHS aqua green, 3.0:1
    "capacity_access_improvement": "#768692",  # NHS mid grey, 3.6:1
    "iif_max": "#8A1538",  # NHS dark red, 9.6:1
    "arrs_sum": "#425563",  # NHS dark grey, 7.5:1
    "arrs_gp": "#704C9C",  # NHS light purple, 6.6:1
}


def streams_spec(
    rows: Iterable[Mapping[str, Any]], *, title: str, width: int | str = "container"
) -> dict[str, Any]:
    """A stacked bar per PCN of what it is owed, stream by stream (£), biggest total on top."""
    rows = list(rows)
    values = []
    for row in rows:
        for order, (stream, label) in enumerate(STREAM_LABELS.items()):
            amount = float(row.get(stream) or 0)
            values.append(
                {
                    "pcn": f"{row['name']} ({row['pcn_code']})",
                    "stream": label,
                    "order": order,
                    "amount": amount,
                    "shown": f"£{amount:,.2f}",
                }
            )
    ranked = sorted(rows, key=lambda r: (-float(r.get("total") or 0), str(r["pcn_code"])))
    total = sum(float(r.get("total") or 0) for r in rows)
    description = (
        f"Stacked bars of what each of {len(rows)} PCNs is owed by funding stream; "
        f"£{total:,.0f} in all. The same figures are in the table."
    )
    return stacked_bars(
        title,
        description,
        values,
        width=width,
        sort=[f"{r['name']} ({r['pcn_code']})" for r in ranked],
        x={
            "field": "amount",
            "type": "quantitative",
            "stack": "zero",
            "title": "£ a year",
            "axis": {"format": ",.0f"},
        },
        color=colour_key("stream", "Stream", STREAM_LABELS, STREAM_COLOURS)
        | {"legend": {"orient": "bottom", "columns": 3}},
        tooltip=[
            {"field": "pcn", "title": "PCN"},
            {"field": "stream", "title": "Stream"},
            {"field": "shown", "title": "Amount"},
        ],
    )
