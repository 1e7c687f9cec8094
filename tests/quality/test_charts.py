"""The quality charts as Vega-Lite specs: built from hand-made results in the shapes of
`quality.variation` and `quality.summary`, and drawn to SVG on the server by vl-convert (as the
ICS report draws them; the web page draws the same spec with vega-embed)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import vl_convert as vlc

from openpcn.quality import charts
from openpcn.quality.charts import flag_text, funnel_spec, ratings_spec


def unit(code: str, value: float | None, n: int | None, flag: str | None, level=None) -> dict:
    return {
        "code": code,
        "name": f"Practice {code}",
        "pcn_code": "U00001",
        "pcn_name": "North PCN",
        "value_pct": value,
        "responses": n,
        "registered_patients": None if n is None else n * 40.0,
        "ci_lower_pct": None if value is None else value - 5,
        "ci_upper_pct": None if value is None else value + 5,
        "limit95_lower_pct": 70.0,
        "limit95_upper_pct": 90.0,
        "limit998_lower_pct": 65.0,
        "limit998_upper_pct": 95.0,
        "flag": flag,
        "flag_level": level,
    }


def funnel_result(**changes: Any) -> dict[str, Any]:
    """A `variation` result for four practices: one high, one low, one within, one suppressed."""
    result = {
        "ics": {"code": "X1", "name": "Test ICS", "commissioners": ["X1"]},
        "date": "2019-12-01",
        "measure": "overall_good",
        "label": "Good overall experience of the GP practice",
        "question": "Overall ...",
        "year": 2019,
        "by": "practice",
        "method": "funnel",
        "method_note": "Funnel limits around the ICS value at 95% and 99.8% for each unit's "
        "number of responses; intervals are Wilson 95%.",
        "target_pct": 80.0,
        "weighting": "responses",
        "england_pct": 82.9,
        "england_source": "GPPS 2019",
        "units": [
            unit("A00001", 97.0, 120, "high", 0.998),
            unit("A00002", 81.0, 200, "within"),
            unit("A00003", 60.0, 90, "low", 0.95),
            unit("A00004", None, 5, None),
        ],
        "flagged": {"high": ["A00001"], "low": ["A00003"]},
        "suppressed": ["A00004"],
        "curve": [
            {
                "n": n,
                "limit95_lower_pct": 80 - 100 / n,
                "limit95_upper_pct": 80 + 100 / n,
                "limit998_lower_pct": 80 - 160 / n,
                "limit998_upper_pct": 80 + 160 / n,
            }
            for n in (50.0, 100.0, 200.0, 250.0)
        ],
        "x_axis": "responses",
        "source": "GP Patient Survey 2019",
    }
    return result | changes


def summary() -> dict[str, Any]:
    def pcn(code: str, name: str, **counts: int) -> dict[str, Any]:
        cqc = dict.fromkeys(charts.RATING_LABELS, 0) | counts
        return {"pcn_code": code, "name": name, "cqc": {"practices": sum(counts.values()), **cqc}}

    return {
        "ics": {"code": "X1", "name": "Test ICS", "commissioners": ["X1"]},
        "date": "2019-12-01",
        "cqc": {"outstanding": 1, "good": 3, "requires_improvement": 1, "not_rated": 2},
        "pcns": [
            pcn("U00001", "North PCN", outstanding=1, good=2, not_rated=1),
            pcn("U00002", "South PCN", good=1, requires_improvement=1, not_rated=1),
        ],
    }


def layer(spec: dict[str, Any], mark: str) -> dict[str, Any]:
    (found,) = [lay for lay in spec["layer"] if lay["mark"]["type"] == mark]
    return found


def test_funnel_points_are_the_valued_units_with_their_flags_and_tooltips():
    spec = funnel_spec(funnel_result())
    points = layer(spec, "point")["data"]["values"]
    assert [(p["name"], p["x"], p["value_pct"], p["flag"]) for p in points] == [
        ("Practice A00001 (A00001)", 120.0, 97.0, "Above the limits"),
        ("Practice A00002 (A00002)", 200.0, 81.0, "Within the limits"),
        ("Practice A00003 (A00003)", 90.0, 60.0, "Below the limits"),
    ]  # the suppressed practice has no point
    first = points[0]
    assert first["ci"] == "92.0% to 102.0%"
    assert first["flag_detail"] == "Above the 99.8% limit"
    assert first["pcn"] == "North PCN (U00001)"
    tooltip = {t["title"] for t in layer(spec, "point")["encoding"]["tooltip"]}
    assert {"Practice", "PCN", "Value", "95% interval", "Against the limits"} <= tooltip


def test_funnel_colours_and_shapes_tell_the_flags_apart():
    encoding = layer(funnel_spec(funnel_result()), "point")["encoding"]
    colours = dict(zip(*(encoding["color"]["scale"][k] for k in ("domain", "range")), strict=True))
    assert colours == {
        "Above the limits": charts.NHS_BLUE,
        "Below the limits": charts.NHS_RED,
        "Within the limits": charts.NHS_DARK_GREY,
    }
    assert len(set(encoding["shape"]["scale"]["range"])) == 3


def test_funnel_draws_the_target_and_four_limit_lines_from_the_curve():
    spec = funnel_spec(funnel_result())
    assert layer(spec, "rule")["data"]["values"][0]["target"] == 80.0
    lines = layer(spec, "line")["data"]["values"]
    assert {row["line"] for row in lines} == {
        "95% limits lower",
        "95% limits upper",
        "99.8% limits lower",
        "99.8% limits upper",
    }
    assert len(lines) == 4 * 4
    upper95 = [row["pct"] for row in lines if row["line"] == "95% limits upper"]
    assert upper95 == [82.0, 81.0, 80.5, 80.4]
    # the y axis starts a step of 5 below the lowest point or line (60%) and ends at 100
    assert layer(spec, "point")["encoding"]["y"]["scale"]["domain"] == [55.0, 100]


def test_funnel_title_subtitle_and_description_say_what_is_drawn():
    result = funnel_result()
    spec = funnel_spec(result)
    assert spec["$schema"].endswith("vega-lite/v5.json")
    assert spec["title"]["text"] == (
        "Good overall experience of the GP practice: practices of Test ICS, 2019 survey"
    )
    assert " ".join(spec["title"]["subtitle"]) == result["method_note"]
    assert all(len(line) <= 95 for line in spec["title"]["subtitle"])
    assert spec["description"].startswith("Funnel plot of 3 practices'")
    assert "1 above and 1 below the limits" in spec["description"]
    assert json.loads(json.dumps(spec)) == spec  # JSON-ready


def test_a_spread_result_by_pcn_plots_list_sizes_with_flat_limits():
    result = funnel_result(
        by="pcn",
        method="spread",
        x_axis="registered_patients",
        curve=[
            {
                "n": n,
                "limit95_lower_pct": 70.0,
                "limit95_upper_pct": 90.0,
                "limit998_lower_pct": 65.0,
                "limit998_upper_pct": 95.0,
            }
            for n in (3600.0, 8000.0)
        ],
    )
    for u in result["units"]:
        u["ci_lower_pct"] = u["ci_upper_pct"] = None
    spec = funnel_spec(result)
    points = layer(spec, "point")["data"]["values"]
    assert [p["x"] for p in points] == [4800.0, 8000.0, 3600.0]
    assert points[0]["ci"] == "none (no response counts)"
    assert layer(spec, "point")["encoding"]["x"]["title"] == "Registered patients"
    assert spec["description"].startswith("Spread plot of 3 PCNs'")
    assert {row["pct"] for row in layer(spec, "line")["data"]["values"]} == {70, 90, 65, 95}


def test_ratings_are_stacked_bars_per_pcn_in_rating_order():
    spec = ratings_spec(summary())
    assert spec["encoding"]["x"]["stack"] == "zero"
    assert [(v["pcn"], v["rating"], v["practices"]) for v in spec["data"]["values"]] == [
        ("North PCN (U00001)", "Outstanding", 1),
        ("North PCN (U00001)", "Good", 2),
        ("North PCN (U00001)", "Not rated", 1),
        ("South PCN (U00002)", "Good", 1),
        ("South PCN (U00002)", "Requires improvement", 1),
        ("South PCN (U00002)", "Not rated", 1),
    ]
    assert spec["encoding"]["color"]["scale"]["domain"] == list(charts.RATING_LABELS.values())
    assert spec["title"]["text"] == "CQC ratings in force by PCN, Test ICS, 1 December 2019"
    assert spec["description"].endswith(
        "In the ICS: 1 outstanding, 3 good, 1 requires improvement, 0 inadequate, 2 not rated."
    )


def _luminance(colour: str) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


@pytest.mark.parametrize(
    "colour",
    sorted(
        {*charts.FLAG_COLOURS.values(), *charts.RATING_COLOURS.values(), charts.NHS_DARK_BLUE}
        | {charts.NHS_MID_GREY}
    ),
)
def test_every_colour_has_at_least_3_to_1_contrast_on_white(colour):
    assert (1.05 / (_luminance(colour) + 0.05)) >= 3.0


def test_flag_text_names_the_side_and_the_limit():
    assert flag_text("low", 0.998) == "Below the 99.8% limit"
    assert flag_text("high", 0.95) == "Above the 95% limit"
    assert flag_text("within", None) == "Within the limits"
    assert flag_text(None, None) == "no value"


@pytest.mark.parametrize("version", [None, "5.21"])
def test_both_specs_render_to_svg_on_the_server(version):
    """vl-convert draws what the report embeds: the default (newest) Vega-Lite and a v5 like
    the browser's."""
    for spec in (funnel_spec(funnel_result()), ratings_spec(summary())):
        svg = vlc.vegalite_to_svg(spec, vl_version=version)
        assert svg.lstrip().startswith("<svg")
        title = spec["title"]["text"]
        assert title in svg
        assert re.search(r"<path|<rect|<line", svg)
