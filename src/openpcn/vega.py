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
    *,
    title: Any,
    description: str,
    width: int | str,
    values: list[dict[str, Any]],
    y: dict[str, Any],
    x: dict[str, Any],
    color: dict[str, Any],
    tooltip: list[dict[str, Any]],
) -> dict[str, Any]:
    """Horizontal bars, one per `y` value (22 px each), stacked by `color` in each value's
    `order`; the tooltip shows each piece."""
    return spec(
        title=title,
        description=description,
        width=width,
        height={"step": 22},
        data={"values": values},
        mark={"type": "bar", "tooltip": True},
        encoding={
            "y": y,
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
