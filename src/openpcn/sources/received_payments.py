"""A PCN's own record of the Network Contract DES payments it received, as its finance lead
keeps it: one row per payment line, read whole or not at all.

The format (CSV, UTF-8, a header row; other columns are ignored):

    month,stream,amount
    2019-07,core,4471.88
    2019-07,clinical_director,"£1,531.52"
    2019-08,extended_hours,-120.00

- `month`: the month the payment is for, as YYYY-MM (2019-07 is July 2019);
- `stream`: the stream's key as `openpcn funding rules` prints it (core, clinical_director,
  network_participation, ...), or its label, in any case;
- `amount`: pounds and pence (a £ sign and thousands commas are fine); negative for a
  recovery. Several rows for one month and stream are added up.

A bad row is an `InputError` naming the file, the row (the line in the file), the column and
the fix; nothing is returned from a file with a bad row.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from openpcn.exceptions import InputError
from openpcn.sources.common import check_required, parse_dates, read_csv_text

COLUMNS = ("month", "stream", "amount")
_AMOUNT = re.compile(r"^-?\d+(\.\d{1,2})?$")


@dataclass(frozen=True)
class Received:
    """One payment line: the month it is for (its first day), the stream, the pounds."""

    month: dt.date
    stream: str
    amount: Decimal
    row: int  # the line in the file, for messages about it


def read_received(path: Path, streams: Mapping[str, str]) -> list[Received]:
    """The payment lines of `path`; `streams` maps each stream key to its label (either may
    be written in the file)."""
    frame = read_csv_text(path, columns=COLUMNS)
    name = path.name
    for column in COLUMNS:
        check_required(frame, column, file=name)
    months = parse_dates(frame, "month", "%Y-%m", file=name, nullable=False)
    known = {key.lower(): key for key in streams} | {
        label.lower(): key for key, label in streams.items()
    }
    lines = []
    for offset, (month, stream, amount) in enumerate(
        zip(months, frame["stream"], frame["amount"], strict=True)
    ):
        row = offset + 2
        lines.append(
            Received(
                month=month,
                stream=_stream(str(stream), known, streams, name, row),
                amount=_amount(str(amount), name, row),
                row=row,
            )
        )
    return lines


def _stream(
    value: str, known: Mapping[str, str], streams: Mapping[str, str], file: str, row: int
) -> str:
    key = known.get(value.strip().lower())
    if key is None:
        raise InputError(
            f"{value.strip()!r} is not a Network Contract DES stream",
            file=file,
            row=row,
            column="stream",
            fix=f"write one of: {', '.join(streams)} (see `openpcn funding rules`)",
        )
    return key


def _amount(value: str, file: str, row: int) -> Decimal:
    cleaned = value.strip().replace("£", "").replace(",", "").replace(" ", "")
    if not _AMOUNT.match(cleaned):
        raise InputError(
            f"{value.strip()!r} is not an amount in pounds and pence",
            file=file,
            row=row,
            column="amount",
            fix="write pounds and pence, e.g. 1234.56 or £1,234.56 (negative for a recovery)",
        )
    try:
        return Decimal(cleaned).quantize(Decimal("0.01"))
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        raise InputError("not a number", file=file, row=row, column="amount") from None
