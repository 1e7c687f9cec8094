"""Vega-Lite specs of the report's practices-and-networks charts: the PCN map and PCN sizes.

One spec serves the page, the HTML download and the PDF (rendered to SVG server-side with
vl-convert). The data come from `ics_geojson` and `pcn_table`; nothing is computed here beyond
laying them out.
"""

from __future__ import annotations

from typing import Any

from openpcn.figures import FONT
from openpcn.vega import SCHEMA, colour_key

POSITION_LABELS = {"below": "Below the band", "in": "Within the band", "above": "Above the band"}
POSITION_COLOURS = {"below": "#E69F00", "in": "#009E73", "above": "#0072B2"}


def _config() -> dict[str, Any]:
    return {
        "font": FONT,
        "view": {"stroke": None},
        "axis": {"labelFontSize": 11, "titleFontSize": 12, "labelLimit": 260},
        "legend": {"labelFontSize": 11, "titleFontSize": 12, "labelLimit": 260},
    }


def map_spec(geojson: dict[str, Any], width: int = 520, height: int = 360) -> dict[str, Any]:
    """PCN areas (shaded in each PCN's colour) and practice points (dots) from `ics_geojson`."""
    features = geojson.get("features", [])
    areas = [f for f in features if f["properties"].get("kind") == "pcn"]
    points = [
        {
            "lon": f["geometry"]["coordinates"][0],
            "lat": f["geometry"]["coordinates"][1],
            "name": f["properties"].get("name"),
            "pcn": f["properties"].get("pcn_name"),
            "colour": f["properties"].get("colour"),
        }
        for f in features
        if f["properties"].get("kind") == "practice" and f.get("geometry")
    ]
    names = [a["properties"]["name"] for a in areas]
    colours = [a["properties"]["colour"] for a in areas]
    colour = {
        "field": "properties.name",
        "type": "nominal",
        "title": "PCN",
        "scale": {"domain": names, "range": colours},
    }
    layers: list[dict[str, Any]] = [
        {
            "data": {"values": areas},
            "mark": {"type": "geoshape", "stroke": "#ffffff", "strokeWidth": 1, "opacity": 0.55},
            "encoding": {"color": colour},
        },
        {
            "data": {"values": points},
            "mark": {"type": "circle", "size": 30, "stroke": "#212b32", "strokeWidth": 0.6},
            "encoding": {
                "longitude": {"field": "lon", "type": "quantitative"},
                "latitude": {"field": "lat", "type": "quantitative"},
                "fill": {"field": "colour", "type": "nominal", "scale": None, "legend": None},
                "opacity": {"value": 1},
            },
        },
    ]
    return {
        "$schema": SCHEMA,
        "width": width,
        "height": height,
        "projection": {"type": "mercator"},
        "layer": layers if areas or points else [],
        "config": _config(),
    }


def size_spec(
    pcns: list[dict[str, Any]], band: list[float] | tuple[float, float], width: int = 520
) -> dict[str, Any]:
    """Each PCN's registered patients as a bar (largest first), coloured by its place against
    the band, with the band's two ends drawn as dashed lines."""
    rows = [
        {
            "pcn": r["name"],
            "code": r["pcn_code"],
            "registered_patients": round(float(r["registered_patients"])),
            "position": POSITION_LABELS[str(r["band_position"])],
        }
        for r in pcns
    ]
    order = [r["pcn"] for r in sorted(rows, key=lambda r: -r["registered_patients"])]
    lower, upper = float(band[0]), float(band[1])
    return {
        "$schema": SCHEMA,
        "width": width,
        "height": {"step": 16},
        "layer": [
            {
                "data": {"values": rows},
                "mark": {"type": "bar"},
                "encoding": {
                    "y": {"field": "pcn", "type": "nominal", "sort": order, "title": None},
                    "x": {
                        "field": "registered_patients",
                        "type": "quantitative",
                        "title": "Registered patients",
                        "axis": {"format": ",d"},
                    },
                    "color": colour_key("position", "Size band", POSITION_LABELS, POSITION_COLOURS)
                    | {"legend": {"orient": "bottom"}},
                },
            },
            {
                "data": {"values": [{"x": lower}, {"x": upper}]},
                "mark": {"type": "rule", "strokeDash": [4, 3], "color": "#212b32"},
                "encoding": {"x": {"field": "x", "type": "quantitative"}},
            },
        ],
        "config": _config(),
    }
