"""Reconciling a PCN's payments with its entitlements: every month and stream where either is
non-zero is a line; a penny or more apart is a difference named with the rule behind it; a
payment for a month outside the year is refused with its row."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

from openpcn.exceptions import InputError
from openpcn.funding.reconcile import reconcile
from openpcn.sources.received_payments import Received

START, END = dt.date(2019, 4, 1), dt.date(2020, 3, 1)
JULY, AUGUST = dt.date(2019, 7, 1), dt.date(2019, 8, 1)
CORE_RULE = "£1.50 per registered patient per year from 2019-04-01"


@dataclass(frozen=True)
class Owed:
    month: dt.date
    stream: str
    amount: Decimal
    rule: str


def owed(month, stream, pounds, rule=CORE_RULE):
    return Owed(month, stream, Decimal(pounds), rule)


def paid(month, stream, pounds, row=2):
    return Received(month, stream, Decimal(pounds), row)


def test_matching_months_are_lines_without_differences():
    # a PCN of 35,775 patients: 35,775 x £1.50 / 12 = £4,471.875 -> £4,471.88 a month
    result = reconcile(
        [owed(JULY, "core", "4471.88"), owed(AUGUST, "core", "4471.88")],
        [
            paid(JULY, "core", "4471.88"),
            paid(AUGUST, "core", "4471.87"),
            paid(AUGUST, "core", "0.01"),
        ],
        start=START,
        end=END,
        file="received.csv",
    )
    assert [line["status"] for line in result["lines"]] == ["matches", "matches"]
    assert result["differences"] == []
    assert result["expected"] == result["received"] == 8943.76


def test_a_short_payment_and_an_unexpected_one_are_differences_with_their_rules():
    result = reconcile(
        [owed(JULY, "core", "4471.88"), owed(JULY, "extended_hours", "0", "from 2019-07-01")],
        [paid(JULY, "core", "4000.00"), paid(AUGUST, "care_home_premium", "60.00", row=3)],
        start=START,
        end=END,
        file="received.csv",
    )
    short, extra = result["differences"]
    assert (short["month"], short["stream"], short["status"]) == ("2019-07", "core", "underpaid")
    assert short["difference"] == -471.88 and short["rule"] == CORE_RULE
    assert (extra["stream"], extra["status"], extra["difference"]) == (
        "care_home_premium",
        "overpaid",
        60.0,
    )
    assert extra["rule"] == "no entitlement to this stream that month"
    assert len(result["lines"]) == 2  # the zero extended-hours month is not a line
    assert {s["stream"]: s["difference"] for s in result["streams"]} == {
        "core": -471.88,
        "care_home_premium": 60.0,
    }


def test_a_payment_outside_the_year_is_refused_with_its_row():
    with pytest.raises(InputError) as refused:
        reconcile([], [paid(dt.date(2020, 4, 1), "core", "1.00", row=7)], start=START, end=END,
                  file="received.csv")  # fmt: skip
    assert (refused.value.where.row, refused.value.where.column) == (7, "month")
    assert "April 2020 is outside April 2019 to March 2020" in refused.value.what
