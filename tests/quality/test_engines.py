"""The quality results are the same on Spark as on DuckDB: `quality_summary` (CQC ratings in
force and the weighted survey values) and `variation` (funnel limits and flags), on the small
warehouse whose values tests/quality/test_summary.py works by hand."""

import pytest
from tests.quality.test_summary import small_tables

from openpcn.quality.summary import quality_summary
from openpcn.quality.variation import variation

DAY = "2019-12-01"


@pytest.mark.spark
def test_the_summary_and_the_variation_are_the_same_on_both_engines(both_engines):
    duck, spark = both_engines(**small_tables())
    got = quality_summary(spark, "11J", DAY)
    assert got == quality_summary(duck, "11J", DAY)
    # (80 x 100 + 90 x 300 + 60 x 50 + 70 x 150) / 600 responses = 48,500 / 600
    assert got["gpps"]["overall_good"]["value_pct"] == pytest.approx(80.833333, abs=1e-6)
    # A1 Good (2017) and B1 Outstanding (2016) are in force; A2, B2 and B3 are not rated
    assert (got["cqc"]["good"], got["cqc"]["outstanding"], got["cqc"]["not_rated"]) == (1, 1, 3)
    funnel = variation(spark, "11J", DAY, "overall_good")
    assert funnel == variation(duck, "11J", DAY, "overall_good")
    # p = 0.808333, limits p ± z·sqrt(p(1-p)/n): A2's 90% on 300 is above the 99.8% limit
    # 87.86; B2's 70% on 150 below 70.90 and B1's 60% on 50 below 63.63
    assert funnel["flagged"] == {"high": ["A2"], "low": ["B2", "B1"]}
