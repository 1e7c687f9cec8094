"""Months as typed: YYYY-MM, within the dates OpenPCN answers for, and a range that runs forward."""

import datetime as dt

import pytest

from openpcn.access.months import checked_month, checked_range, month_text, next_month
from openpcn.exceptions import InputError


def test_a_month_is_its_first_day():
    assert checked_month("2019-05") == dt.date(2019, 5, 1)
    assert month_text(dt.date(2019, 5, 1)) == "2019-05"
    assert next_month(dt.date(2019, 12, 1)) == dt.date(2020, 1, 1)


@pytest.mark.parametrize("bad", ["2019-13", "2019-00", "MAR2019", "2019-5", "2019-05-01", ""])
def test_anything_else_is_refused_with_the_format(bad):
    with pytest.raises(InputError, match="not a month"):
        checked_month(bad)


def test_a_range_must_run_forward():
    assert checked_range("2019-03", "2019-03") == (dt.date(2019, 3, 1), dt.date(2019, 3, 1))
    assert checked_range(None, None) == (None, None)
    with pytest.raises(InputError, match="runs backwards"):
        checked_range("2020-06", "2019-03")
