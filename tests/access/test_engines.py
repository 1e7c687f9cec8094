"""The access summary is the same on Spark as on DuckDB: published appointments per month with
their denominators, and the recorded ones beside them, on the small warehouse whose figures
tests/access/test_summary.py works by hand."""

import pytest
from tests.access.test_summary import CCG_ROWS, _row, access_tables

from openpcn.access.summary import access_summary


@pytest.mark.spark
def test_the_access_summary_is_the_same_on_both_engines(both_engines):
    duck, spark = both_engines(**access_tables([_row("ccg", "11J", r) for r in CCG_ROWS]))
    got = access_summary(spark, "11J")
    assert got == access_summary(duck, "11J")
    april, november = got["published"]
    assert april["per_1000"] == pytest.approx(100.0)  # 400 / (1,000 + 3,000) x 1,000
    # A2's December list (5,000) is nearer the 1st of November than its January one (3,000)
    assert november["registered_patients"] == 6000
    # recorded in April at A1: five (the cancelled one left out) over ten registered patients
    (recorded,) = got["recorded"]
    assert (recorded["appointments"], recorded["registered_patients"]) == (5, 10)
