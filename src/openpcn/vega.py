"""Vega-Lite building blocks that every chart spec shares: the schema, the spec's head and a
colour key by category.

Capabilities (`cohorts/charts.py`, `funding/charts.py`, ...) and the web's own charts build
their specs from these, so the schema URL and the head's layout are written once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"


def spec(
    *, title: Any, description: str, width: int | str, height: Any, **body: Any
) -> dict[str, Any]:
    """A spec with its title and description first: vega-embed turns them into the SVG's
    accessible name. `body` is the rest (data, mark, encoding or layer, config)."""
    return {
        "$schema": SCHEMA,
        "title": title,
        "description": description,
        "width": width,
        "height": height,
        **body,
    }


def stacked_bars(
    title: str,
    description: str,
    values: list[dict[str, Any]],
    *,
    width: int | str,
    sort: Any,
    x: dict[str, Any],
    color: dict[str, Any],
    tooltip: list[dict[str, Any]],
    y_axis: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Horizontal bars, one per PCN (each value's `pcn`, 22 px a bar, in `sort` order),
    stacked by `color` in each value's `order`; the tooltip shows each piece."""
    y = {"field": "pcn", "type": "nominal", "sort": sort, "title": None}
    return spec(
        title={"text": title},
        description=description,
        width=width,
        height={"step": 22},
        data={"values": values},
        mark={"type": "bar", "tooltip": True},
        encoding={
            "y": y | ({"axis": y_axis} if y_axis else {}),
            "x": x,
            "color": color,
            "order": {"field": "order", "type": "quantitative"},
            "tooltip": tooltip,
        },
    )


def colour_key(
    field: str, title: str, labels: Mapping[str, str], colours: Mapping[str, str]
) -> dict[str, Any]:
    """A nominal colour encoding: each key's label in `labels`' order, in its colour."""
    return {
        "field": field,
        "type": "nominal",
        "title": title,
        "scale": {
            "domain": list(labels.values()),
            "range": [colours[key] for key in labels],
        },
    }
