"""Dates the user types: parsed once, refused outside 1900-01-01..2100-12-31 with the range in
words, written back as ISO strings; financial years April to March."""

import datetime as dt

import pandas as pd
import pytest

from openpcn.exceptions import InputError
from openpcn.orgs.dates import as_date, checked_date, financial_year, iso, normalise_year


def test_the_first_and_last_day_of_the_range_are_answered():
    assert checked_date("1900-01-01") == dt.date(1900, 1, 1)
    assert checked_date("2100-12-31") == dt.date(2100, 12, 31)


@pytest.mark.parametrize("day", ["1899-12-31", "2101-01-01"])
def test_a_day_outside_the_range_is_refused_with_the_range_in_words(day):
    with pytest.raises(InputError) as refused:
        checked_date(day)
    assert refused.value.what == f"the date {day} is outside the dates OpenPCN answers for"
    assert refused.value.fix == "use a date from 1900-01-01 to 2100-12-31"


def test_the_refusal_names_what_the_date_was_for():
    with pytest.raises(InputError) as refused:
        checked_date("1800-01-01", "--from")
    assert refused.value.what.startswith("--from 1800-01-01 is outside")


def test_a_date_a_datetime_or_an_iso_string_with_spaces_is_a_date():
    day = dt.date(2019, 12, 1)
    assert as_date(day) == as_date(dt.datetime(2019, 12, 1, 13, 5)) == as_date(" 2019-12-01 ")
    with pytest.raises(InputError) as refused:
        as_date("01/12/2019")
    assert refused.value.what == "'01/12/2019' is not a date"
    assert refused.value.fix == "write dates as YYYY-MM-DD, e.g. 2019-12-01"


def test_iso_writes_dates_and_timestamps_and_leaves_missing_as_none():
    assert iso(dt.date(2019, 12, 1)) == iso(pd.Timestamp("2019-12-01 10:00")) == "2019-12-01"
    assert iso(None) is None and iso(pd.NaT) is None and iso(float("nan")) is None
    assert iso("2019-12") == "2019-12"  # a string is already written


def test_financial_years_run_april_to_march():
    # 31 March 2020 is the last day of 2019/20, 1 April 2020 the first of 2020/21; 1999/00 wraps.
    assert financial_year(dt.date(2020, 3, 31)) == "2019/20"
    assert financial_year(dt.date(2020, 4, 1)) == "2020/21"
    assert financial_year(dt.date(1999, 4, 1)) == "1999/00"
    assert normalise_year(" 2020-21 ") == "2020/21" and normalise_year("1999/00") == "1999/00"
    for bad in ["2020/22", "2020", "20/21"]:
        with pytest.raises(InputError) as refused:
            normalise_year(bad)
        assert refused.value.what == f"{bad!r} is not a financial year"
        assert refused.value.fix == "write the year as 2020/21 (or 2020-21): April to March"
