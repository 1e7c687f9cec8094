"""Vega-Lite specs of the access charts: a summary in, a JSON-ready spec out, data inline (the
web page draws them with vega-embed). Colours from the NHS palette, at least 3:1 on white."""

from __future__ import annotations

from typing import Any

from openpcn.access.categories import categories
from openpcn.vega import colour_key, spec

MODE_COLOURS = {
    "face_to_face": "#005EB8",
    "telephone": "#330072",
    "home_visit": "#006747",
    "video_online": "#D5281B",
    "unknown": "#768692",
}
LEAD_COLOURS = {
    "same_day": "#003087",
    "1_day": "#005EB8",
    "2_7_days": "#41B6E6",
    "8_14_days": "#006747",
    "15_21_days": "#ED8B00",
    "22_28_days": "#D5281B",
    "over_28_days": "#330072",
    "unknown": "#768692",
}
KIND_COLOURS = {"published": "#005EB8", "recorded": "#D5281B"}
CHARTS = ("modes", "face_to_face", "lead_times", "dna")
X = {"field": "month", "type": "ordinal", "title": "Month", "axis": {"labelAngle": -45}}


def _labels(keys: tuple[str, ...]) -> dict[str, str]:
    return {k: categories().label(k) for k in keys}


def _stacked(
    values: list[dict[str, Any]],
    *,
    field: str,
    axis: str,
    tooltip: str,
    category: str,
    legend: str,
    labels: dict[str, str],
    colours: dict[str, str],
    title: str,
    description: str,
    width: int | str,
) -> dict[str, Any]:
    """Bars per month stacked by a category, in the category's published order."""
    return spec(
        title={"text": title},
        description=description,
        width=width,
        height=280,
        data={"values": values},
        mark={"type": "bar", "tooltip": True},
        encoding={
            "x": X,
            "y": {"field": field, "type": "quantitative", "title": axis},
            "color": colour_key(category, legend, labels, colours),
            "order": {"field": "order", "type": "quantitative"},
            "tooltip": [
                {"field": "month", "title": "Month"},
                {"field": category, "title": legend},
                {"field": field, "title": tooltip, "format": ".1f"},
            ],
        },
    )


def modes_spec(result: dict[str, Any], width: int | str = 640) -> dict[str, Any]:
    """Published appointments per 1,000 patients each month, stacked by mode."""
    keys = categories().published["mode"]
    labels = _labels(keys)
    values = [
        {"month": m["month"], "mode": labels[k], "order": i, "per_1000": m["mode_per_1000"][k]}
        for m in result["published"]
        for i, k in enumerate(keys)
        if m["mode_per_1000"][k] is not None
    ]
    return _stacked(
        values,
        field="per_1000",
        axis="Per 1,000 patients",
        tooltip="Per 1,000",
        category="mode",
        legend="Mode",
        labels=labels,
        colours=MODE_COLOURS,
        title="Appointments per 1,000 registered patients, by mode",
        description="Stacked bars: each month's published appointments per 1,000 patients, "
        "split by mode.",
        width=width,
    )


def _line(result: dict[str, Any], key: str, title: str, axis: str, width: int | str) -> dict:
    values = [
        {"month": m["month"], "kind": kind, "value": m[key]}
        for kind in ("published", "recorded")
        for m in result[kind]
        if m[key] is not None
    ]
    return spec(
        title={"text": title},
        description=f"Lines: {title.lower()} each month, published and recorded.",
        width=width,
        height=240,
        data={"values": values},
        mark={"type": "line", "point": True, "tooltip": True},
        encoding={
            "x": X,
            "y": {"field": "value", "type": "quantitative", "title": axis},
            "color": colour_key(
                "kind", "Source", {"published": "published", "recorded": "recorded"}, KIND_COLOURS
            ),
            "tooltip": [
                {"field": "month", "title": "Month"},
                {"field": "kind", "title": "Source"},
                {"field": "value", "title": axis, "format": ".1f"},
            ],
        },
    )


def face_to_face_spec(result: dict[str, Any], width: int | str = 640) -> dict[str, Any]:
    """The face-to-face share of appointments over time, published and recorded."""
    return _line(result, "face_to_face_share_pct", "Face-to-face share", "% face to face", width)


def dna_spec(result: dict[str, Any], width: int | str = 640) -> dict[str, Any]:
    """The DNA rate over time (unknown status left out), published and recorded."""
    return _line(result, "dna_rate_pct", "DNA rate", "% did not attend", width)


def lead_times_spec(result: dict[str, Any], width: int | str = 640) -> dict[str, Any]:
    """Each month's published appointments split by time from booking, as shares."""
    keys = categories().published["lead_time"]
    labels = _labels(keys)
    values = [
        {"month": m["month"], "lead": labels[k], "order": i, "share": share}
        for m in result["published"]
        for i, k in enumerate(keys)
        if (share := (m["lead_times_share_pct"] or {}).get(k)) is not None
    ]
    return _stacked(
        values,
        field="share",
        axis="% of appointments",
        tooltip="%",
        category="lead",
        legend="Lead time",
        labels=labels,
        colours=LEAD_COLOURS,
        title="Time from booking to appointment",
        description="Stacked bars to 100%: each month's published appointments by lead time.",
        width=width,
    )


def chart_spec(result: dict[str, Any], chart: str, width: int | str = 640) -> dict[str, Any]:
    """One of CHARTS by name."""
    draw = {
        "modes": modes_spec,
        "face_to_face": face_to_face_spec,
        "lead_times": lead_times_spec,
        "dna": dna_spec,
    }[chart]
    return draw(result, width)
