"""The study page's Vega-Lite specs from a hand-made summary: the love plot's points and 0.1
line, the overlap as each group's share (a redacted bin drawn as zero), the monthly lines."""

from __future__ import annotations

import pytest

from openpcn.evaluation import charts

SUMMARY = {
    "method": "psm",
    "balance": [
        {"covariate": "age", "label": "age", "smd_before": 1.09, "smd_after": -0.02},
        {"covariate": "male", "label": "male", "smd_before": -0.12, "smd_after": 0.08},
    ],
    "overlap": {"bins": [0.0, 0.5, 1.0], "treated": [1, 3], "controls": [90, None]},
    "monthly": [
        {
            "month_offset": -1,
            "arm": "treated",
            "outcome": "ae",
            "rate_per_1000_person_months": 50.0,
        },
        {"month_offset": 0, "arm": "control", "outcome": "ae", "rate_per_1000_person_months": None},
        {"month_offset": 0, "arm": "treated", "outcome": "death", "rate_per_1000_person_months": 9},
    ],
}


def test_the_love_plot_has_both_points_per_covariate_sorted_by_imbalance_and_the_line():
    spec = charts.chart_spec(SUMMARY, "love")
    points = spec["layer"][0]["data"]["values"]
    assert [(p["covariate"], p["when"], p["smd"]) for p in points] == [
        ("age", "Before matching", 1.09),
        ("age", "After matching", 0.02),
        ("male", "Before matching", 0.12),
        ("male", "After matching", 0.08),
    ]
    assert spec["layer"][0]["encoding"]["y"]["sort"] == ["age", "male"]
    assert spec["layer"][1]["data"]["values"] == [{"target": 0.1}]
    assert "0 of them are at or over the 0.1 target" in spec["description"]


def test_the_overlap_is_each_groups_share_mirrored_with_redacted_bins_at_zero():
    values = charts.chart_spec(SUMMARY, "overlap")["data"]["values"]
    treated = [v for v in values if v["group"] == "Treated"]
    controls = [v for v in values if v["group"] == "Eligible controls"]
    assert [v["share"] for v in treated] == [0.25, 0.75]
    assert [(v["low"], v["high"]) for v in treated] == [(0.0, 0.5), (0.5, 1.0)]
    assert [v["share"] for v in controls] == [-1.0, 0.0]
    assert controls[1]["shown"] == "redacted"


@pytest.mark.parametrize(("outcome", "months"), [("ae", [-1, 0]), ("death", [0])])
def test_the_monthly_chart_keeps_one_outcome(outcome, months):
    spec = charts.chart_spec(SUMMARY, "monthly", outcome)
    assert [v["month"] for v in spec["layer"][0]["data"]["values"]] == months
    assert spec["layer"][1]["data"]["values"] == [{"month": 0}]


def test_the_overlap_of_coarsened_exact_matching_is_shares_by_kind_of_stratum():
    summary = {
        "method": "cem",
        "overlap": {
            "bins": ["strata with both groups", "strata with treated only",
                     "strata with controls only"],
            "treated": [60, 20, 0],
            "controls": [400, 0, None],
        },
    }  # fmt: skip
    spec = charts.chart_spec(summary, "overlap")
    shares = {(v["group"], v["stratum"]): v["share"] for v in spec["data"]["values"]}
    assert shares[("Treated", "strata with treated only")] == 0.25
    assert shares[("Eligible controls", "strata with both groups")] == 1.0
    assert shares[("Eligible controls", "strata with controls only")] == 0.0
    assert spec["encoding"]["x"]["type"] == "nominal"
