"""`prevalence_summary`: published prevalence of the ICS, PCNs and practices against England."""

import pytest

from openpcn.prevalence.summary import interval_pct, prevalence_summary, versus


def test_wilson_interval_of_150_in_1000():
    # Wilson: (2x + z² ± z·sqrt(z² + 4x(n-x)/n)) / 2(n + z²), x=150, n=1000, z=1.959964
    # = (303.8415 ± 44.4285) / 2007.6829 -> 12.92% to 17.35%
    lower, upper = interval_pct(150, 1000)
    assert lower == pytest.approx(12.9210, abs=1e-3)
    assert upper == pytest.approx(17.3471, abs=1e-3)


def test_comparison_to_england_uses_the_interval():
    assert versus(12.9, 17.3, 20.0) == "lower"
    assert versus(12.9, 17.3, 15.0) == "similar"
    assert versus(12.9, 17.3, 10.0) == "higher"


def test_england_sums_every_practice_and_the_ics_its_own(small_ics):
    result = prevalence_summary(small_ics, "11J", "2018/19")
    hyp = next(c for c in result["conditions"] if c["condition"] == "HYP")
    # England: (150 * 3 + 300) / 4000 = 18.75%; ICS: 450 / 3000 = 15%
    assert hyp["england"]["prevalence_pct"] == pytest.approx(18.75)
    assert hyp["ics"]["prevalence_pct"] == pytest.approx(15.0)
    assert hyp["ics"]["vs_england"] == "lower"
    assert [p["pcn_code"] for p in hyp["pcns"]] == ["N1", "N2"]
    assert hyp["pcns"][0]["register"] == 300 and hyp["pcns"][0]["list_size"] == 2000


def test_the_change_from_the_previous_year(small_ics):
    result = prevalence_summary(small_ics, "11J", "2018/19")
    hyp = next(c for c in result["conditions"] if c["condition"] == "HYP")
    # 2017/18: X1 and X2 140/1000 each, X3 not published -> ICS 280/2000 = 14%
    assert hyp["ics"]["previous"]["prevalence_pct"] == pytest.approx(14.0)
    assert hyp["ics"]["change_pct_points"] == pytest.approx(1.0)
    x1 = next(p for p in hyp["practices"] if p["practice_code"] == "X1")
    assert x1["change_pct_points"] == pytest.approx(1.0)
    x3 = next(p for p in hyp["practices"] if p["practice_code"] == "X3")
    assert x3["previous_pct"] is None
    assert result["date"] == "2019-03-31" and result["pcn_date"] == "2019-07-01"


def test_practices_sit_on_a_funnel_around_the_ics(small_ics):
    hyp = prevalence_summary(small_ics, "11J", "2018/19")["conditions"][0]
    x1 = hyp["practices"][0]
    assert x1["flag"] == "within"  # 15% against the ICS's 15%
    assert x1["ci_lower_pct"] == pytest.approx(12.9210, abs=1e-3)
