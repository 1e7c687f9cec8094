"""The workforce risk chart's Vega-Lite spec: % of GPs aged 55+ per PCN and the ICS line."""

from __future__ import annotations

import vl_convert as vlc

from openpcn.workforce.charts import gp_55_spec

RESULT = {
    "ics": {"gp_55_plus_pct": 50.0},
    "pcns": [
        {"code": "U00001", "name": "NORTH PCN", "gp_55_plus_pct": 66.7, "gp_headcount": 3},
        {"code": "U00002", "name": "SOUTH PCN", "gp_55_plus_pct": 0.0, "gp_headcount": 1},
        {"code": "U00003", "name": "EMPTY PCN", "gp_55_plus_pct": None, "gp_headcount": 0},
    ],
}


def test_bars_highest_first_and_a_rule_at_the_ics_share() -> None:
    spec = gp_55_spec(RESULT, title="GPs aged 55+")
    bars, line = spec["layer"]
    assert [b["pcn"] for b in bars["data"]["values"]] == [
        "NORTH PCN (U00001)",
        "SOUTH PCN (U00002)",
    ]
    assert bars["data"]["values"][0] == {"pcn": "NORTH PCN (U00001)", "pct": 66.7, "gps": 3}
    assert line["mark"]["type"] == "rule" and line["data"]["values"] == [
        {"pct": 50.0, "label": "ICS"}
    ]
    assert "the ICS share, 50.0%" in spec["description"]


def test_no_ics_share_means_no_line_and_it_still_renders() -> None:
    spec = gp_55_spec({"ics": {"gp_55_plus_pct": None}, "pcns": []}, title="GPs", width=300)
    assert len(spec["layer"]) == 1
    assert vlc.vegalite_to_svg(spec).lstrip().startswith("<svg")


def test_the_spec_renders_to_svg_with_its_title() -> None:
    svg = vlc.vegalite_to_svg(gp_55_spec(RESULT, title="GPs aged 55+ in Dorset", width=400))
    assert "GPs aged 55+ in Dorset" in svg
    assert svg.count("<path") >= 2  # two bars (and the rule)
