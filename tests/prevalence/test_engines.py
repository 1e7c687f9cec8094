"""The prevalence summary is the same on Spark as on DuckDB: published registers of the ICS,
its PCNs and practices against England and the year before, on the small ICS of
tests/prevalence/conftest.py, worked by hand there. (The recorded registers, which
`prevalence compare` sets against these, have their own parity test in test_records.py.)"""

import pytest
from tests.prevalence.conftest import small_ics_tables

from openpcn.prevalence.summary import prevalence_summary


@pytest.mark.spark
def test_the_prevalence_summary_is_the_same_on_both_engines(both_engines):
    duck, spark = both_engines(**small_ics_tables())
    got = prevalence_summary(spark, "11J", "2018/19")
    assert got == prevalence_summary(duck, "11J", "2018/19")
    hyp = next(c for c in got["conditions"] if c["condition"] == "HYP")
    # England (150 x 3 + 300) / 4,000 = 18.75%; the ICS 450 / 3,000 = 15%
    assert (hyp["england"]["prevalence_pct"], hyp["ics"]["prevalence_pct"]) == (18.75, 15.0)
    # 2017/18: X1 and X2 140 / 1,000 each, X3 not published -> 280 / 2,000 = 14%
    assert hyp["ics"]["previous"]["prevalence_pct"] == pytest.approx(14.0)
