"""What a PCN received against what it was owed, month by month and stream by stream.

The expected side is the entitlement of each month (`monthly_entitlements`: a stream's annual
rate in force that month / 12 x its units); the received side is the PCN's own record
(`openpcn.sources.received_payments`). Every month and stream where either is non-zero is a
line; a line whose amounts differ by a penny or more is a difference, named with the rule
behind the expected amount so a finance lead can take it up with the commissioner.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

import ibis

from openpcn.exceptions import InputError
from openpcn.funding.entitlements import STREAMS, monthly_entitlements
from openpcn.funding.rules import YearRules, rules_for
from openpcn.sources.received_payments import Received, read_received

PENNY = Decimal("0.01")
#: streams that are ceilings, paid on achievement (IIF, capacity and access improvement) or on
#: claims (ARRS): nothing is owed month by month, so received lines for them stand alone
MAXIMA = ("capacity_access_improvement", "iif_max", "arrs_sum", "arrs_gp")
MAXIMUM_RULE = "a maximum paid on achievement or claims: nothing is owed month by month"


class Expected(Protocol):
    """One month's entitlement of one stream (`funding.entitlements.MonthlyAmount`)."""

    @property
    def month(self) -> dt.date: ...
    @property
    def stream(self) -> str: ...
    @property
    def amount(self) -> Decimal: ...
    @property
    def rule(self) -> str: ...


@dataclass(frozen=True)
class Line:
    """One month and stream: owed, received and the rule behind what was owed."""

    month: dt.date
    stream: str
    expected: Decimal
    received: Decimal
    rule: str

    @property
    def difference(self) -> Decimal:
        return self.received - self.expected

    @property
    def status(self) -> str:
        if abs(self.difference) < PENNY:
            return "matches"
        return "underpaid" if self.difference < 0 else "overpaid"

    def as_dict(self) -> dict[str, Any]:
        return {
            "month": self.month.strftime("%Y-%m"),
            "stream": self.stream,
            "expected": float(self.expected),
            "received": float(self.received),
            "difference": float(self.difference),
            "status": self.status,
            "rule": self.rule,
        }


def reconcile(
    expected: Iterable[Expected],
    received: Iterable[Received],
    *,
    start: dt.date,
    end: dt.date,
    file: str,
) -> dict[str, Any]:
    """Lines (month, stream), totals per stream and overall, and the differences; a received
    row for a month outside the financial year `start`-`end` is refused (file, row, column)."""
    owed: dict[tuple[dt.date, str], Decimal] = defaultdict(Decimal)
    rules: dict[tuple[dt.date, str], list[str]] = defaultdict(list)
    for item in expected:
        owed[(item.month, item.stream)] += item.amount
        if item.rule not in rules[(item.month, item.stream)]:
            rules[(item.month, item.stream)].append(item.rule)
    paid: dict[tuple[dt.date, str], Decimal] = defaultdict(Decimal)
    for row in received:
        if not start <= row.month <= end:
            raise InputError(
                f"{row.month:%B %Y} is outside {start:%B %Y} to {end:%B %Y}",
                file=file,
                row=row.row,
                column="month",
                fix="keep only the payments for this financial year in the file, or ask "
                "for the year they belong to",
            )
        paid[(row.month, row.stream)] += row.amount
    lines = [
        Line(
            month,
            stream,
            owed.get((month, stream), Decimal(0)),
            paid.get((month, stream), Decimal(0)),
            "; ".join(rules.get((month, stream), []))
            or (MAXIMUM_RULE if stream in MAXIMA else "no entitlement to this stream that month"),
        )
        for month, stream in sorted(set(owed) | set(paid))
    ]
    lines = [x for x in lines if x.expected or x.received]
    by_stream: dict[str, list[Line]] = defaultdict(list)
    for line in lines:
        by_stream[line.stream].append(line)
    streams = [
        {
            "stream": stream,
            "expected": float(sum((x.expected for x in group), Decimal(0))),
            "received": float(sum((x.received for x in group), Decimal(0))),
            "difference": float(sum((x.difference for x in group), Decimal(0))),
        }
        for stream, group in by_stream.items()
    ]
    differences = [x for x in lines if x.status != "matches"]
    return {
        "lines": [x.as_dict() for x in lines],
        "streams": streams,
        "expected": float(sum((x.expected for x in lines), Decimal(0))),
        "received": float(sum((x.received for x in lines), Decimal(0))),
        "difference": float(sum((x.difference for x in lines), Decimal(0))),
        "differences": [x.as_dict() for x in differences],
    }


def reconcile_pcn(
    con: ibis.BaseBackend, pcn_code: str, year: str, path: Path, rules: YearRules | None = None
) -> dict[str, Any]:
    """The PCN's received payments in `path` (`openpcn.sources.received_payments`) against its
    monthly entitlements for the year; the file is read whole before anything is compared."""
    rules = rules or rules_for(year)
    streams = {key: key.replace("_", " ") for key in STREAMS}
    received = read_received(path, streams)
    owed = [m for m in monthly_entitlements(con, rules.year, pcn_code, rules)
            if m.stream not in MAXIMA]  # fmt: skip
    found = reconcile(owed, received, start=rules.start, end=rules.end, file=path.name)
    return {"pcn_code": pcn_code.strip().upper(), "year": rules.year, "file": path.name} | found
