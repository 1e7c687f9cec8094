"""Statuses against thresholds are judged on the exact counts, and shown next to disclosed
figures unless they would narrow a hidden count."""

from __future__ import annotations

import pytest

from openpcn.cohorts.definitions import YEARS
from openpcn.cohorts.indicators import fit_indicator, fit_indicators
from openpcn.cohorts.summary import disclosed_rate, judged_rate, rate

CAN01_BANDS = fit_indicator("2022/23").bands


@pytest.mark.parametrize(
    ("numerator", "denominator", "status"),
    [
        (98, 250, "below"),  # 39.2%: its disclosed counts (100 of 250) make 40.0%
        (40, 100, "between"),  # on the cut: the band above
        (79, 100, "between"),
        (80, 100, "above"),
        (0, 10, "below"),
        (0, 0, "unknown"),
        (None, 10, "unknown"),  # not counted
        (12, 10, "above"),  # a numerator over its denominator counts as all of it
    ],
)
def test_can01_is_judged_on_the_exact_share(numerator, denominator, status):
    assert CAN01_BANDS.judged(numerator, denominator) == status


def test_each_year_has_its_fit_indicator_and_thresholds():
    assert list(fit_indicators()) == list(YEARS)
    can02 = fit_indicator("2023/24")
    assert (can02.code, can02.lower_pct, can02.upper_pct) == ("CAN-02", 65, 80)
    assert can02.bands.judged(64, 100) == "below" and can02.bands.judged(65, 100) == "between"
    assert can02.bands.label("below") == "Below 65%"
    assert not can02.thresholds_confirmed  # no published source found: shown as unconfirmed
    can01 = fit_indicator("2022/23")
    assert can01.code == "CAN-01" and can01.thresholds_confirmed
    assert fit_indicator("2024/25").code == "CAN-04"


def test_the_disclosed_rate_keeps_the_exact_status():
    exact = judged_rate(CAN01_BANDS, 98, 250)
    assert exact == rate(98, 250) | {"status": "below"}
    assert disclosed_rate(CAN01_BANDS, exact) == rate(100, 250) | {"status": "below"}
    assert rate(100, 250)["pct"] == 40.0
    assert CAN01_BANDS.label("below") == "Below 40%"


@pytest.mark.parametrize(
    ("numerator", "denominator", "status"),
    [
        (3, 10, "suppressed"),  # hidden 1-7 of 8-12: below or above 40% would tell which
        (4, 10, "suppressed"),
        (5, 200, "below"),  # at most 7 of 198: below 40% whatever the hidden count is
        (9, 9, "above"),  # both shown (10 of 10): the exact status
        (6, 6, "suppressed"),  # both hidden
        (0, 5, "below"),  # 0 of a hidden 1-7 is 0% whatever the hidden count is
    ],
)
def test_a_status_that_would_narrow_a_hidden_count_is_suppressed(numerator, denominator, status):
    shown = disclosed_rate(CAN01_BANDS, judged_rate(CAN01_BANDS, numerator, denominator))
    assert shown["status"] == status
    assert CAN01_BANDS.label("suppressed") == "Not shown"
