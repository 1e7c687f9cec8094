"""Vega-Lite specs of the case-finding charts: eFI categories by PCN, risk-model calibration
and a PCN's trend (small multiples).

Data are inline (the page draws them with vega-embed; a report can render them to SVG). Counts
arrive already disclosed where the viewer has no patient rights: a redacted count (None) is
drawn as nothing and said so in the tooltip. The page's table holds the same numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from openpcn.cohorts.definitions import SPECS
from openpcn.cohorts.efi import CATEGORIES
from openpcn.vega import SCHEMA, spec, stacked_bars

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
    return stacked_bars(
        title,
        description,
        values,
        width=width,
        sort="ascending",
        y_axis={"labelLimit": 320},
        x={"field": "people", "type": "quantitative", "stack": "zero", "title": "People"},
        color={
            "field": "category",
            "type": "nominal",
            "title": "eFI category",
            "sort": list(CATEGORIES),
            "scale": {"domain": list(CATEGORIES), "range": [EFI_COLOURS[c] for c in CATEGORIES]},
        },
        tooltip=[
            {"field": "pcn", "title": "PCN"},
            {"field": "category", "title": "eFI category"},
            {"field": "shown", "title": "People"},
        ],
    )


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
    return spec(
        title={"text": title},
        description=description,
        width=width,
        height=300,
        layer=[
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
    )  # fmt: skip


#: NHS identity colours for up to four lines in one small multiple (3:1 against white)
LINE_COLOURS = ["#005EB8", "#AE2573", "#007F3B", "#330072"]


def trend_spec(trend: Mapping[str, Any], *, title: str, width: int = 560) -> dict[str, Any]:
    """Small multiples of a PCN's trend: one line chart per spec (a line per cohort), then the
    FIT indicator (CAN-01, CAN-02 or CAN-04, with its thresholds) and CVD-02 percentages; each
    with its own scale and legend.

    `trend` is `openpcn.cohorts.trend.trend` (or its disclosed form): counts hidden by
    disclosure control (None) are left out of the line and said so in the description.
    """
    dates = list(trend["dates"])
    values: list[dict[str, Any]] = []
    hidden = 0
    for c in trend["cohorts"]:
        for day, count in zip(dates, c["counts"], strict=True):
            hidden += count is None
            values.append(
                {
                    "date": day,
                    "spec": c["spec"],
                    "series": c["title"],
                    "value": count,
                    "shown": "hidden (1-7)" if count is None else f"{int(count):,}",
                }
            )
    fit_code = trend["can01_fit_share"].get("indicator", "CAN-01")
    for key, label in (
        ("can01_fit_share", f"{fit_code}: lower-GI urgent referrals with a FIT"),
        ("cvd02_hypertension_register", "CVD-02: on the hypertension register"),
    ):
        for day, r in zip(dates, trend[key]["rates"], strict=True):
            pct = r["pct"]
            values.append(
                {
                    "date": day,
                    "spec": "indicators",
                    "series": label,
                    "value": pct,
                    "shown": "not known" if pct is None else f"{pct:.1f}%",
                }
            )
    specs = list(dict.fromkeys(c["spec"] for c in trend["cohorts"]))
    x = {
        "field": "date",
        "type": "temporal",
        "title": None,
        "axis": {"format": "%b %Y", "labelAngle": 0, "tickCount": min(len(dates), 8) or 1},
    }

    def panel(key: str, heading: str, y_title: str, rules: list[dict[str, Any]]) -> dict:
        axis = {"tickMinStep": 1, "format": ",d"} if key != "indicators" else {}  # whole people
        lines: dict[str, Any] = {
            "transform": [{"filter": {"field": "spec", "equal": key}}],
            # Points are not announced one by one (the table is the text alternative): Vega
            # gives an empty symbol container, as when every count is hidden, an unlabelled
            # graphics-symbol role that axe rightly reports.
            "mark": {
                "type": "line",
                "point": {"filled": True, "size": 50, "aria": False},
                "tooltip": True,
            },
            "encoding": {
                "x": x,
                "y": {"field": "value", "type": "quantitative", "title": y_title, "axis": axis},
                "color": {
                    "field": "series",
                    "type": "nominal",
                    "title": None,
                    "scale": {"range": LINE_COLOURS},
                    "legend": {"orient": "bottom", "direction": "vertical", "labelLimit": 520},
                },
                "tooltip": [
                    {"field": "series", "title": heading},
                    {"field": "date", "type": "temporal", "title": "Date", "format": "%d %b %Y"},
                    {"field": "shown", "title": y_title},
                ],
            },
        }
        layers = [lines]
        if rules:
            layers.append(
                {
                    "data": {"values": rules},
                    "mark": {"type": "rule", "color": "#425563", "strokeDash": [4, 4]},
                    "encoding": {"y": {"field": "value", "type": "quantitative"}},
                }
            )
            layers.append(
                {
                    "data": {"values": rules},
                    "mark": {"type": "text", "align": "left", "dx": 4, "dy": -6, "x": 0,
                             "color": "#425563"},
                    "encoding": {
                        "y": {"field": "value", "type": "quantitative"},
                        "text": {"field": "label"},
                    },
                }
            )  # fmt: skip
        return {
            "title": {"text": heading, "anchor": "start", "fontSize": 14},
            "width": width,
            "height": 160,
            "layer": layers,
        }

    panels = [panel(s, SPECS.get(s, s), "People", []) for s in specs]
    fit = trend["can01_fit_share"]
    code = fit_code
    panels.append(
        panel(
            "indicators",
            "Indicators (percent)",
            "Percent",
            [
                {"value": fit["lower_pct"], "label": f"{code} lower {fit['lower_pct']:g}%"},
                {"value": fit["upper_pct"], "label": f"{code} upper {fit['upper_pct']:g}%"},
            ],
        )
    )
    description = (
        f"Line charts of {len(trend['cohorts'])} cohort sizes, one chart per service "
        f"specification, and of the {code} indicator against its thresholds and CVD-02, at "
        f"{len(dates)} dates from {dates[0] if dates else '-'} to {dates[-1] if dates else '-'}."
        + (f" {hidden} hidden counts are left out of the lines." if hidden else "")
        + " The same figures are in the table."
    )
    return {
        "$schema": SCHEMA,
        "title": {"text": title},
        "description": description,
        "data": {"values": values},
        "vconcat": panels,
        "spacing": 28,
        "resolve": {"scale": {"color": "independent", "y": "independent"},
                    "legend": {"color": "independent"}},
    }  # fmt: skip
