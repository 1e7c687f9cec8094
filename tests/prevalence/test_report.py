"""The ICS report's "Disease prevalence" section on the small ICS of conftest.py."""

import pytest

from openpcn.prevalence.report import prevalence, report_year


def test_the_latest_qof_year_ended_by_the_date_is_reported(small_ics):
    assert report_year(small_ics, "2019-12-01") == "2018/19"
    assert report_year(small_ics, "2019-03-30") == "2017/18"
    assert report_year(small_ics, "2018-03-30") is None


def test_the_section_names_ics_and_england_figures_and_the_change(small_ics):
    data = prevalence(small_ics, "11J", "2019-12-01")
    figures = data["figures"]
    assert figures["prevalence.HYP.ics_pct"]["value"] == pytest.approx(15.0)  # 450 / 3000
    assert figures["prevalence.HYP.england_pct"]["value"] == pytest.approx(18.75)  # 750 / 4000
    assert figures["prevalence.HYP.change_pct_points"]["value"] == pytest.approx(1.0)
    assert figures["prevalence.HYP.pcn_min_pct"]["value"] == pytest.approx(15.0)
    assert [c["key"] for c in data["charts"]] == ["prevalence_HYP"]
    assert data["conditions"][0]["vs_england"] == "lower"


def test_no_qof_year_ended_leaves_the_section_out(small_ics):
    assert prevalence(small_ics, "11J", "2018-01-01") is None
