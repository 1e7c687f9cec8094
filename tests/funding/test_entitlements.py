"""Worked examples: every stream in every year, hand-computed on the small inline warehouse.

P1 in 2019/20 (members on 1 Jul 2019: X1; A1 and A2 join on 1 Oct 2019 and count too), lists
at 1 Jan 2019: A1 5,000 / 5,200 weighted, A2 3,000 / 2,800, X1 1,000 / 1,000 -> 9,000 / 9,000.
P1 from 2020/21 (X1 left on 31 Mar 2020), lists at 1 Jan 2020 (the nearest for every later
year): A1 6,000 / 6,500, A2 4,000 / 3,700 -> 10,000 registered / 10,200 weighted; 40 beds.
P2: one practice with 120,000 registered / 110,000 weighted (over 100k: two of each 2019/20 role).
"""

from decimal import Decimal

import pytest

from openpcn.exceptions import InputError, NotFoundError
from openpcn.funding.entitlements import STREAMS, arrs_sum, entitlements, pennies

# IIF list adjustment: PCN registered / 47,613.91 (average PCN list in England, rules file)
IIF_2020 = 4522.63  # 194 x 111 (the Oct-Mar amount) x 10,000 / 47,613.91 = 4,522.6279
IIF_2021 = 9451.02  # 225 x 200 x 10,000 / 47,613.91 = 9,451.0197
IIF_2023 = 9913.07  # GBP 59m / 1,250 = 47,200 (one notional point) x 10,000 / 47,613.91
IIF_2024 = 2411.90  # 58 x 198 x 10,000 / 47,613.91 = 2,411.9002
NOT_PAID = {
    "clinical_director": 0.0,
    "extended_hours": 0.0,
    "enhanced_access": 0.0,
    "care_home_premium": 0.0,
    "pcn_support": 0.0,
    "leadership_management": 0.0,
    "capacity_access": 0.0,
    "capacity_access_improvement": 0.0,
    "iif_max": 0.0,
    "arrs_gp": 0.0,
}

#: year -> P1's streams (GBP), each worked by hand (streams not paid that year are 0)
P1 = {
    "2019/20": NOT_PAID
    | {
        "core": 13500.00,  # 1.50 x 9,000, the whole year (backdated to 1 Apr 2019)
        "clinical_director": 4626.00,  # 0.514 (the Jul-Mar amount) x 9,000
        # 1.761 x each practice's weighted list, the whole year:
        # A1 5,200 -> 9,157.20; A2 2,800 -> 4,930.80; X1 1,000 -> 1,761.00
        "network_participation": 15849.00,
        "extended_hours": 9787.50,  # 1.45 x 9,000 x 9/12 (from 1 Jul 2019)
        "arrs_sum": 53942.25,  # (1 x 37,810 + 1 x 34,113) x 9/12
    },
    "2020/21": NOT_PAID
    | {
        "core": 15000.00,  # 1.50 x 10,000
        "clinical_director": 7220.00,  # 0.722 x 10,000
        "network_participation": 17962.20,  # 1.761 x 6,500 = 11,446.50 + 1.761 x 3,700 = 6,515.70
        "extended_hours": 14500.00,  # 1.45 x 10,000
        "care_home_premium": 2400.00,  # 7.50 a bed a month x 8 months (Aug-Mar) x 40 beds
        "pcn_support": 2754.00,  # 0.27 (the Apr-Sep amount) x 10,200 weighted
        "iif_max": IIF_2020,
        "arrs_sum": 72736.20,  # 7.131 (published) x 10,200
    },
    "2021/22": NOT_PAID
    | {
        "core": 15000.00,
        "clinical_director": 7220.00,  # 0.722 x 10,000
        "network_participation": 17962.20,
        "extended_hours": 14400.00,  # 1.44 x 10,000
        "care_home_premium": 4800.00,  # 120 x 40
        "iif_max": IIF_2021,
        "arrs_sum": 126153.60,  # 12.368 x 10,200 (derived: 746m / England weighted list)
    },
    "2022/23": NOT_PAID
    | {
        "core": 15000.00,
        "clinical_director": 7220.00,  # 0.722 carried forward
        "network_participation": 17962.20,
        "extended_hours": 7200.00,  # 1.44 x 10,000 x 6/12 (Apr-Sep) = 0.720 x 10,000
        "enhanced_access": 38046.00,  # 7.46 x 10,200 x 6/12 (Oct-Mar)
        "care_home_premium": 4800.00,
        "leadership_management": 7129.80,  # 0.699 x 10,200
        "capacity_access": 6252.60,  # 0.613 (the Oct-Mar amount) x 10,200
        "iif_max": IIF_2021,  # carried forward
        "arrs_sum": 173512.20,  # 17.011 x 10,200 (derived: 1,026m / England weighted list)
    },
    "2023/24": NOT_PAID
    | {
        "core": 15000.00,
        "clinical_director": 7290.00,  # 0.729 x 10,000
        "network_participation": 17962.20,
        "enhanced_access": 77295.60,  # 7.578 x 10,200
        "care_home_premium": 4800.00,
        "leadership_management": 6976.80,  # 0.684 x 10,200
        "capacity_access": 28203.00,  # 2.765 x 10,200
        "capacity_access_improvement": 12087.00,  # 1.185 x 10,200
        "iif_max": IIF_2023,
        "arrs_sum": 231244.20,  # 22.671 (published) x 10,200
    },
    "2024/25": NOT_PAID
    | {
        "core": 29812.00,  # merged: 2.257 x 10,000 = 22,570 + 0.710 x 10,200 = 7,242
        "network_participation": 17962.20,
        "enhanced_access": 81345.00,  # 7.975 (backdated) x 10,200
        "care_home_premium": 5088.00,  # 127.20 x 40
        "capacity_access": 33129.60,  # 3.248 x 10,200
        "capacity_access_improvement": 14198.40,  # 1.392 x 10,200
        "iif_max": IIF_2024,
        "arrs_sum": 233518.80,  # 22.894 (published) x 10,200
        "arrs_gp": 13290.60,  # 1.303 (the Oct-Mar amount, ring-fenced for GPs) x 10,200
    },
}


def _row(con, year, code):
    (row,) = [r for r in entitlements(con, year, ics="11J") if r["pcn_code"] == code]
    return row


@pytest.mark.parametrize("year", list(P1))
def test_every_stream_of_p1_matches_the_hand_computed_figure(con, year):
    row = _row(con, year, "P1")
    assert {s: row[s] for s in STREAMS} == pytest.approx(P1[year], abs=0.001)
    assert row["total"] == pytest.approx(sum(P1[year].values()), abs=0.001)


def test_2019_20_counts_the_practice_that_left_and_the_ones_that_joined_in_october(con):
    row = _row(con, "2019/20", "P1")
    assert row["practices"] == 3
    assert row["registered_patients"] == 9000
    assert row["list_as_of"] == "2019-01-01"
    assert row["members_on"] == "2019-07-01"
    later = _row(con, "2020/21", "P1")
    assert later["practices"] == 2 and later["list_as_of"] == "2020-01-01"


def test_a_pcn_over_100k_gets_two_of_each_2019_20_role(con):
    row = _row(con, "2019/20", "P2")
    # (2 x 37,810 + 2 x 34,113) x 9/12 = 143,846 x 0.75
    assert row["arrs_sum"] == 107884.50
    assert row["core"] == 180000.00  # 1.50 x 120,000, the whole year
    assert row["clinical_director"] == 61680.00  # 0.514 x 120,000
    assert row["network_participation"] == 193710.00  # 1.761 x 110,000
    assert row["extended_hours"] == 130500.00  # 1.45 x 120,000 x 9/12
    assert row["total"] == 673774.50  # 180,000 + 61,680 + 193,710 + 130,500 + 107,884.50


def test_extended_hours_and_enhanced_access_have_one_name_each(con):
    row = _row(con, "2022/23", "P1")
    assert (row["extended_hours"], row["enhanced_access"]) == (7200.00, 38046.00)
    assert "extended_access" not in row


def test_only_beds_aligned_to_the_pcn_count(con):
    assert _row(con, "2021/22", "P1")["care_home_beds"] == 40
    assert _row(con, "2021/22", "P2")["care_home_beds"] == 0


def test_the_total_is_the_sum_of_the_streams_to_the_penny(con):
    for year in P1:
        for row in entitlements(con, year, ics="11J"):
            assert round(sum(row[s] * 100 for s in STREAMS)) == round(row["total"] * 100)


def test_unconfirmed_streams_are_listed(con):
    assert "clinical_director" in _row(con, "2020/21", "P1")["unconfirmed"]
    assert "core" not in _row(con, "2020/21", "P1")["unconfirmed"]
    assert "arrs_sum" in _row(con, "2021/22", "P1")["unconfirmed"]  # derived from the pot
    assert "arrs_sum" not in _row(con, "2023/24", "P1")["unconfirmed"]  # published rate
    assert "enhanced_access" in _row(con, "2023/24", "P1")["unconfirmed"]  # adjusted population


def test_money_rounds_half_up_once():
    assert pennies(Decimal("1500.045")) == 150005  # banker's rounding would give 150004
    assert pennies(Decimal("586.99413")) == 58699


def test_arrs_sum_says_how_it_was_reached(con):
    result = arrs_sum(con, "P1", "2020/21")
    assert result["arrs_sum"] == 72736.20
    assert result["per_weighted_patient"] == 7.131
    assert result["weighted_patients"] == 10200
    assert "lentells" in result["source"] and not result["unconfirmed"]
    assert arrs_sum(con, "P1", "2019/20")["per_weighted_patient"] is None


def test_one_pcn_by_code(con):
    (row,) = entitlements(con, "2020-21", pcn="p1")
    assert row["pcn_code"] == "P1" and row["year"] == "2020/21"


def test_an_unknown_pcn_is_a_clear_error(con):
    with pytest.raises(NotFoundError, match="no PCN with code 'U99999'"):
        entitlements(con, "2020/21", pcn="U99999")


def test_an_unknown_year_is_a_clear_error(con):
    with pytest.raises(InputError, match="no funding rules for 2031/32") as err:
        entitlements(con, "2031/32", ics="11J")
    assert "2019/20" in err.value.fix


def test_dorset_2020_21_on_the_shipped_reference_data(dorset):
    import ibis

    con = ibis.duckdb.connect(str(dorset / "warehouse.duckdb"), read_only=True)
    rows = entitlements(con, "2020/21", ics="11J")
    assert len(rows) == 18
    assert sum(r["practices"] for r in rows) == 81
    central = next(r for r in rows if r["pcn_code"] == "U02749")
    # Central Bournemouth: 48,120 registered, 43,603.63 weighted at 1 Jan 2020
    assert central["registered_patients"] == 48120
    assert central["core"] == 72180.00  # 1.50 x 48,120
    assert central["clinical_director"] == 34742.64  # 0.722 x 48,120
    assert central["arrs_sum"] == 310937.49  # 7.131 x 43,603.63 = 310,937.4855
    assert central["iif_max"] == 21762.89  # 194 x 111 x 48,120 / 47,613.91 = 21,762.8857
    assert central["list_as_of"] == "2020-01-01"
    assert all(r["total"] > 0 for r in rows)
