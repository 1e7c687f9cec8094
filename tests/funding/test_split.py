"""Sharing a PCN's money among its practices: largest remainder, pennies add up exactly."""

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.funding.conftest import small_tables

from openpcn.exceptions import InputError
from openpcn.funding.entitlements import STREAMS, entitlements
from openpcn.funding.rules import rules_for
from openpcn.funding.split import largest_remainder, split


def test_largest_remainder_gives_the_odd_penny_to_the_largest_fraction():
    assert largest_remainder(100, [1, 1, 1]) == [34, 33, 33]
    assert largest_remainder(1000, [6000, 4000]) == [600, 400]
    assert largest_remainder(10, [1, 2]) == [3, 7]  # 3.33 / 6.67: the 0.67 gets the penny
    assert largest_remainder(5, [0, 0]) == [3, 2]  # no weights: equal shares
    assert largest_remainder(7, []) == []


@given(
    total=st.integers(min_value=0, max_value=10**12),
    weights=st.lists(
        st.floats(min_value=0, max_value=1e7, allow_nan=False), min_size=1, max_size=40
    ),
)
def test_largest_remainder_always_adds_up_and_is_within_a_penny_of_exact(total, weights):
    shares = largest_remainder(total, weights)
    assert sum(shares) == total
    exact = [Fraction(str(w)) for w in weights]
    whole = sum(exact)
    if whole > 0:
        # exactly within one penny of the exact share, however large the total
        for share, w in zip(shares, exact, strict=True):
            assert abs(share - total * w / whole) < 1


def test_a_million_pounds_and_a_penny_shared_one_to_eleven_to_twenty_two_is_exact():
    # GBP 1,000,000.01 = 100,000,001 pennies over lists 0.1, 1.1, 2.2 (1 : 11 : 22, 34 parts).
    # 100,000,001 / 34 = 2,941,176 remainder 17, so one part = 2,941,176.5 pennies:
    #   0.1 -> 2,941,176.5;  1.1 -> 11 x = 32,352,941.5;  2.2 -> 22 x = 64,705,883 exactly.
    # Floors sum to 100,000,000, leaving 1 penny; the fractions .5, .5, 0 tie between the first
    # two, and a tie goes to the one listed first: 2,941,177 / 32,352,941 / 64,705,883.
    # (In floats 0.1 + 1.1 + 2.2 is 3.4000000000000004, and the tie breaks the other way.)
    assert largest_remainder(100_000_001, [0.1, 1.1, 2.2]) == [2_941_177, 32_352_941, 64_705_883]


def test_p1_2020_21_shared_by_registered_list(con):
    rows = split(con, "P1", "2020/21")
    a1, a2 = rows
    assert (a1["practice_code"], a1["share"]) == ("A1", 0.6)
    assert a1["core"] == 9000.00 and a2["core"] == 6000.00  # 15,000 x 6,000 / 10,000
    # network participation is each practice's own payment, not a share
    assert (a1["network_participation"], a2["network_participation"]) == (11446.50, 6515.70)
    # IIF 4,522.63 x 0.6 = 2,713.578 -> 2,713.58; A2 gets the rest, 1,809.05
    assert (a1["iif_max"], a2["iif_max"]) == (2713.58, 1809.05)


def test_each_row_says_whose_share_of_which_year_on_which_basis(con):
    # A1: 6,000 registered (6,500 weighted) of P1's 10,000 on 1 Jan 2020, the 2020/21 list date.
    a1 = split(con, "P1", "2020/21")[0]
    assert {k: a1[k] for k in list(a1)[:8]} == {
        "pcn_code": "P1",
        "practice_code": "A1",
        "name": "Practice A1",
        "year": "2020/21",
        "basis": "registered",
        "registered_patients": 6000,
        "weighted_patients": 6500,
        "share": 6000 / (6000 + 4000),
    }


def test_negative_weights_are_refused():
    with pytest.raises(ValueError) as refused:
        largest_remainder(100, [1, -1])
    assert str(refused.value) == "weights must not be negative"


def test_weighted_basis_uses_weighted_lists(con):
    a1, a2 = split(con, "P1", "2020/21", "weighted")
    # ARRS 72,736.20 x 6,500 / 10,200 = 46,351.50 (= 7.131 x 6,500); x 3,700 / 10,200 = 26,384.70
    assert (a1["arrs_sum"], a2["arrs_sum"]) == (46351.50, 26384.70)
    # IIF 4,522.63 x 6,500 / 10,200 = 2,882.0681 -> 2,882.07 (the larger remainder); A2 1,640.56
    assert (a1["iif_max"], a2["iif_max"]) == (2882.07, 1640.56)


@pytest.mark.parametrize("year", ["2019/20", "2020/21", "2022/23", "2024/25"])
@pytest.mark.parametrize("basis", ["registered", "weighted"])
def test_the_practices_add_up_to_the_pcn_to_the_penny(con, year, basis):
    (pcn,) = entitlements(con, year, pcn="P1")
    rows = split(con, "P1", year, basis)
    for stream in (*STREAMS, "total"):
        assert round(sum(r[stream] * 100 for r in rows)) == round(pcn[stream] * 100), stream


def test_an_unknown_basis_is_a_clear_error(con):
    with pytest.raises(InputError) as refused:
        split(con, "P1", "2020/21", "headcount")  # type: ignore[arg-type]
    assert refused.value.what == "unknown basis 'headcount'"
    assert refused.value.fix == "use registered or weighted"


def test_the_rules_given_are_the_rules_used(con):
    # A scenario passes its own rules: 2019/20's rules asked under the 2020/21 label give
    # 2019/20's money, row for row, not the label's year.
    asked = split(con, "P1", "2020/21", rules=rules_for("2019/20"))
    assert asked == split(con, "P1", "2019/20")
    assert asked != split(con, "P1", "2020/21")


def test_members_with_no_list_share_equally(tmp_path, build):
    # If every member's list on the list date is 0 there is no basis to weigh by: each of
    # P1's two practices gets half (1 / 2), not 0 / 0.
    tables = small_tables()
    for row in tables["practice_lists"]:
        if row["practice_code"] in ("A1", "A2"):
            row["registered_patients"] = 0
    con = build(tmp_path / "w.duckdb", **tables)
    assert [r["share"] for r in split(con, "P1", "2020/21")] == [1 / 2, 1 / 2]
