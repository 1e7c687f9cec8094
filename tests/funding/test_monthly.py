"""Month by month: each stream's rows for a PCN, the rule behind each, and how they add up.

The small warehouse of conftest.py: P1 in 2019/20 has 9,000 registered and 9,000 weighted
patients (A1 5,200, A2 2,800, X1 1,000 weighted); from 2020/21 10,000 / 10,200 and 40 beds.
"""

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openpcn.funding.entitlements import (
    STREAMS,
    MonthlyAmount,
    entitlements,
    monthly_entitlements,
    practice_participation,
    spread,
    stream_months,
    stream_pennies,
)
from openpcn.funding.rules import financial_years, rules_for
from openpcn.funding.split import largest_remainder


def _by_stream(rows: list[MonthlyAmount]) -> dict[str, list[tuple[dt.date, Decimal]]]:
    out: dict[str, list[tuple[dt.date, Decimal]]] = {}
    for row in rows:
        out.setdefault(row.stream, []).append((row.month, row.amount))
    return out


def test_2019_20_month_by_month(con):
    rows = monthly_entitlements(con, "2019/20", "P1")
    streams = _by_stream(rows)
    assert set(streams) == {
        "core",
        "clinical_director",
        "network_participation",
        "extended_hours",
        "arrs_sum",
    }
    # core: 1.50 / 12 x 9,000 = 1,125.00 in each of the 12 months (backdated to April)
    assert streams["core"] == [
        (dt.date(2019 + (m < 4), m, 1), Decimal("1125.00")) for m in (*range(4, 13), 1, 2, 3)
    ]
    # clinical director: the Jul-Mar amount 0.514 / 9 x 9,000 = 514.00 a month from July
    assert streams["clinical_director"][0] == (dt.date(2019, 7, 1), Decimal("514.00"))
    assert {a for _, a in streams["clinical_director"]} == {Decimal("514.00")}
    # extended hours: 1.45 / 12 x 9,000 = 1,087.50 from July
    assert len(streams["extended_hours"]) == 9
    assert {a for _, a in streams["extended_hours"]} == {Decimal("1087.50")}
    # network participation: 1.761 / 12 x 9,000 = 1,320.75 a month, summed over the practices
    assert {a for _, a in streams["network_participation"]} == {Decimal("1320.75")}
    # ARRS: 53,942.25 / 9 = 5,993.5833..: the pennies fall where the running total crosses them
    arrs = [a for _, a in streams["arrs_sum"]]
    assert sum(arrs) == Decimal("53942.25")
    assert set(arrs) == {Decimal("5993.58"), Decimal("5993.59")}


def test_each_row_names_its_rule_and_source(con):
    rows = monthly_entitlements(con, "2019/20", "P1")
    core = next(r for r in rows if r.stream == "core")
    assert core.month == dt.date(2019, 4, 1)
    assert core.rule.startswith("£1.50 per registered patient per year from 2019-04-01")
    assert "Parliamentary answer 257552" in core.rule and "FACTS" not in core.rule
    cd = next(r for r in rows if r.stream == "clinical_director")
    assert "£0.514 per registered patient for the 9 months from 2019-07-01" in cd.rule
    arrs = next(r for r in rows if r.stream == "arrs_sum")
    assert "assumption" in arrs.rule
    with pytest.raises(AttributeError):
        core.amount = Decimal(0)  # type: ignore[misc]


def test_2022_23_extended_hours_to_september_then_enhanced_access(con):
    streams = _by_stream(monthly_entitlements(con, "2022/23", "P1"))
    hours = streams["extended_hours"]
    # 1.44 / 12 x 10,000 = 1,200.00 for Apr-Sep: 7,200 = 0.720 x 10,000
    assert [m for m, _ in hours] == [dt.date(2022, m, 1) for m in range(4, 10)]
    assert {a for _, a in hours} == {Decimal("1200.00")}
    enhanced = streams["enhanced_access"]
    # 7.46 / 12 x 10,200 = 6,341.00 for Oct-Mar
    assert enhanced[0] == (dt.date(2022, 10, 1), Decimal("6341.00")) and len(enhanced) == 6


def test_2020_21_care_home_premium_from_august_and_support_to_september(con):
    streams = _by_stream(monthly_entitlements(con, "2020/21", "P1"))
    # 7.50 a bed a month x 40 beds = 300.00, Aug 2020-Mar 2021
    assert streams["care_home_premium"][0] == (dt.date(2020, 8, 1), Decimal("300.00"))
    assert len(streams["care_home_premium"]) == 8
    # PCN support: 0.27 for Apr-Sep / 6 x 10,200 = 459.00 a month
    support = [(dt.date(2020, m, 1), Decimal("459.00")) for m in range(4, 10)]
    assert streams["pcn_support"] == support
    assert streams["iif_max"][0][0] == dt.date(2020, 10, 1)


@pytest.mark.parametrize("year", financial_years())
@pytest.mark.parametrize("code", ["P1", "P2"])
def test_the_months_add_up_to_the_yearly_figures(con, year, code):
    (row,) = entitlements(con, year, pcn=code)
    months = monthly_entitlements(con, year, code)
    for stream in STREAMS:
        got = sum((m.amount for m in months if m.stream == stream), Decimal(0))
        assert got == Decimal(str(row[stream])).quantize(Decimal("0.01")), stream
    assert sum(m.amount for m in months) == Decimal(str(row["total"])).quantize(Decimal("0.01"))
    assert all(m.month.day == 1 and m.amount.as_tuple().exponent == -2 for m in months)


def test_spread_keeps_the_year_rounded_once():
    thirds = [Fraction(1, 300)] * 3  # a third of a penny a month: 1p for the year
    assert spread(thirds) == [0, 1, 0]
    assert spread([Fraction("0.005")]) == [1]  # half a penny rounds up


_lists = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=60_000),
        st.floats(min_value=0, max_value=70_000, allow_nan=False).map(lambda x: round(x, 2)),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=40, deadline=None)
@given(
    year=st.sampled_from(financial_years()),
    members=_lists,
    beds=st.integers(min_value=0, max_value=400),
)
def test_any_member_lists_add_up_to_the_penny(year, members, beds):
    rules = rules_for(year)
    registered = sum(r for r, _ in members)
    weighted_each = [w for _, w in members]
    weighted = sum(weighted_each)
    months = stream_months(rules, registered, weighted, beds, weighted_each)
    streams = stream_pennies(rules, registered, weighted, beds, weighted_each)
    # the monthly rows sum to the yearly figure
    assert {s: sum(v) for s, v in months.items()} == streams
    total = sum(streams.values())
    # the PCN total is the sum of its streams, and each stream is the exact amount rounded once
    assert total == sum(streams[s] for s in STREAMS)
    # the practice split adds up to the PCN, stream by stream (participation: own payments)
    registered_each = [float(r) for r, _ in members]
    shared = 0
    for stream in STREAMS:
        if stream == "network_participation":
            parts = [practice_participation(rules, w) for w in weighted_each]
        else:
            parts = largest_remainder(streams[stream], registered_each)
        assert sum(parts) == streams[stream], stream
        shared += sum(parts)
    assert shared == total
