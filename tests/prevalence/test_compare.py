"""`prevalence_compare`: recorded against published registers, flagged on a funnel."""

import pytest

from openpcn.prevalence.compare import prevalence_compare, status_of


def _row(result, practice, condition="HYP"):
    return next(
        r
        for r in result["practices"]
        if r["practice_code"] == practice and r["condition"] == condition
    )


def test_records_equal_to_the_publication_are_not_flagged(small_ics):
    result = prevalence_compare(small_ics, "11J", "2018/19")
    x1 = _row(result, "X1")
    assert (x1["recorded_register"], x1["recorded_list_size"]) == (150, 1000)
    assert (x1["published_register"], x1["published_list_size"]) == (150, 1000)
    assert x1["difference_pct_points"] == pytest.approx(0.0)
    assert x1["status"] == "ok"


def test_planted_under_recording_is_flagged_low(small_ics):
    # 100/1000 = 10% recorded against 15% published: the 99.8% lower limit at n=1000 is
    # 15 - 3.0902 * sqrt(0.15 * 0.85 / 1000) * 100 = 11.51%, so 10% is outside it.
    x2 = _row(prevalence_compare(small_ics, "11J", "2018/19"), "X2")
    assert x2["recorded_pct"] == pytest.approx(10.0)
    assert x2["difference_pct_points"] == pytest.approx(-5.0)
    assert x2["limit998_lower_pct"] == pytest.approx(11.5106, abs=1e-3)
    assert (x2["flag"], x2["flag_level"], x2["status"]) == ("low", 0.998, "flag")


def test_between_the_95_and_998_limits_is_a_warning(small_ics):
    # 12.5% lies between the 99.8% (11.51%) and 95% (12.79%) lower limits.
    x3 = _row(prevalence_compare(small_ics, "11J", "2018/19"), "X3")
    assert x3["limit95_lower_pct"] == pytest.approx(12.7869, abs=1e-3)
    assert (x3["flag"], x3["status"]) == ("low", "warning")


def test_conditions_not_published_are_not_compared(small_ics):
    dm = _row(prevalence_compare(small_ics, "11J", "2018/19"), "X1", "DM")
    assert dm["published_pct"] is None
    assert dm["status"] == "not_published"
    assert dm["recorded_register"] == 0


def test_the_summary_counts_flags_and_the_ics_recorded_against_published(small_ics):
    summary = prevalence_compare(small_ics, "11J", "2018/19")["summary"]
    assert summary["practices_compared"] == 3
    hyp = summary["by_condition"]["HYP"]
    assert (hyp["flags_low"], hyp["flags_high"], hyp["warnings"]) == (1, 0, 1)
    # recorded 375/3000 = 12.5%; published 450/3000 = 15%
    assert hyp["recorded_pct"] == pytest.approx(12.5)
    assert hyp["published_pct"] == pytest.approx(15.0)
    assert summary["flags"] == 1 and summary["warnings"] == 1
    assert summary["by_condition"]["DM"]["practices"] == 0  # published for none


def test_a_flag_needs_the_998_limit_and_a_warning_only_the_95():
    assert status_of("low", 0.998) == "flag"
    assert status_of("high", 0.95) == "warning"
    assert status_of("within", None) == "ok"
