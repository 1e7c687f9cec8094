"""The funding figures are the same on Spark as on DuckDB: `entitlements` (what `funding
entitlements`, `funding arrs` and `funding monthly` read) and `split`, on the small warehouse
whose figures tests/funding/test_entitlements.py and test_split.py work by hand."""

import pytest
from tests.funding.conftest import small_tables

from openpcn.funding.entitlements import entitlements
from openpcn.funding.split import split


@pytest.mark.spark
def test_entitlements_and_the_split_are_the_same_on_both_engines(both_engines):
    duck, spark = both_engines(**small_tables())
    # 2019/20 is the year whose members are chosen with dates: X1 is a member on 1 Jul 2019
    # and left on 31 Mar 2020, A1 and A2 joined on 1 Oct 2019 (members_date, member_lists)
    got = entitlements(spark, "2019/20", ics="11J")
    assert got == entitlements(duck, "2019/20", ics="11J")
    p1 = got[0]
    # lists nearest 1 Jan 2019: A1 5,000 + A2 3,000 + X1 1,000 = 9,000; core 1.50 x 9,000
    assert (p1["pcn_code"], p1["practices"], p1["registered_patients"]) == ("P1", 3, 9000)
    assert (p1["core"], p1["list_as_of"]) == (13500.00, "2019-01-01")
    shares = split(spark, "P1", "2020/21", "weighted")
    assert shares == split(duck, "P1", "2020/21", "weighted")
    # ARRS 7.131 x 10,200 = 72,736.20, shared 6,500 : 3,700 -> 46,351.50 and 26,384.70
    assert [(r["practice_code"], r["arrs_sum"]) for r in shares] == [
        ("A1", 46351.50),
        ("A2", 26384.70),
    ]
    # the care home premium needs the beds aligned to P1 (30 + 10): 7.50 x 8 months x 40 beds
    assert sum(r["care_home_premium"] for r in shares) == pytest.approx(2400.00, abs=0.001)
