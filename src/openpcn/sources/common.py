"""Strict parsing shared by every reader: encodings, field counts, codes, dates and numbers.

Row numbers in errors are 1-based lines of the file as a person sees it in an editor (the
header, when there is one, is line 1). Errors name the column and the fix, never the value of
a patient-level field.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from openpcn.codes import Code
from openpcn.exceptions import InputError


def read_csv_text(
    path: Path,
    *,
    encoding: str = "utf-8-sig",
    header: bool = True,
    columns: int | Sequence[str] | None = None,
    fallback: str | None = None,
) -> pd.DataFrame:
    """Read a CSV as strings, checking the encoding and that every row has the same field count.

    `columns` is either the exact number of fields (headerless files) or the header names that
    must be present (extra columns are allowed and ignored by callers). `fallback` is the
    encoding tried when the file is not valid `encoding` (NHS Digital publishes some files in
    Windows-1252, e.g. the QOF indicator mappings with their curly quotes and dashes).
    """
    name = path.name
    if not path.exists():
        raise InputError("file not found", file=str(path), fix="check the path")
    raw = path.read_bytes()
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        text = _decode_fallback(raw, fallback)
        if text is None:
            also = f" or {fallback}" if fallback else ""
            raise InputError(
                f"the file is not valid {encoding}{also} text (byte {exc.start})",
                file=name,
                row=line,
                fix=f"save the file as {encoding} (NHS Digital CSVs are UTF-8 or latin-1)",
            ) from None
    if not text.strip():
        raise InputError("the file is empty", file=name, fix="supply the whole published file")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    while rows and not any(cell.strip() for cell in rows[-1]):
        rows.pop()
    if header:
        head, body, first = [c.strip() for c in rows[0]], rows[1:], 2
    else:
        head, body, first = [f"col{i}" for i in range(len(rows[0]))], rows, 1
    width = len(head)
    if isinstance(columns, int) and width != columns:
        raise InputError(
            f"expected {columns} columns, found {width}",
            file=name,
            row=1,
            fix="check this is the right file (and export) for this kind of import",
        )
    if header and columns is not None and not isinstance(columns, int):
        refuse_columns(
            "missing column(s)",
            [c for c in columns if c not in head],
            file=name,
            fix="use the published layout; the header must name these columns",
        )
    for offset, row in enumerate(body):
        if len(row) != width:
            raise InputError(
                f"expected {width} fields, found {len(row)} (truncated or mis-quoted line?)",
                file=name,
                row=first + offset,
                fix="re-export the file; every line must have the same number of fields",
            )
    frame = pd.DataFrame(body, columns=head, dtype="string")
    return frame.apply(lambda s: s.str.strip()).replace({"": pd.NA})


def _decode_fallback(raw: bytes, fallback: str | None) -> str | None:
    if fallback is None:
        return None
    try:
        return raw.decode(fallback)
    except UnicodeDecodeError:
        return None


def refuse_columns(
    what: str, columns: Sequence[str], *, file: str, fix: str, row: int | None = 1
) -> None:
    """Raise InputError naming `columns` (missing or unexpected), if there are any.

    The error points at the first of them on the header line (`row` None: a format without one).
    """
    if columns:
        raise InputError(
            f"{what}: {', '.join(columns)}", file=file, row=row, column=columns[0], fix=fix
        )


def first_bad(mask: pd.Series) -> int | None:
    """Position (0-based) of the first True in a boolean mask, or None."""
    hits = mask.to_numpy().nonzero()[0]
    return int(hits[0]) if len(hits) else None


def check_required(
    frame: pd.DataFrame, column: str, *, file: str, first_row: int = 2, fix: str | None = None
) -> None:
    fail_at(
        frame[column].isna(),
        "a required value is empty",
        file=file,
        column=column,
        fix=fix or f"fill in {column} on every row",
        first_row=first_row,
    )


def check_pattern(
    frame: pd.DataFrame,
    column: str,
    pattern: Code | re.Pattern[str],
    *,
    file: str,
    what: str,
    first_row: int = 2,
    nullable: bool = False,
) -> None:
    """Every value matches `pattern` (e.g. an ODS practice code)."""
    values = frame[column]
    present = values.notna()
    if not nullable:
        check_required(frame, column, file=file, first_row=first_row)
    ok = values.fillna("").str.fullmatch(pattern.pattern).fillna(False).astype(bool)
    fail_at(
        present & ~ok,
        f"not a valid {what}",
        file=file,
        column=column,
        fix=f"{what}s look like {_example(pattern)}",
        first_row=first_row,
    )


def _example(pattern: Code | re.Pattern[str]) -> str:
    return pattern.example if isinstance(pattern, Code) else pattern.pattern


def parse_dates(
    frame: pd.DataFrame,
    column: str,
    fmt: str,
    *,
    file: str,
    first_row: int = 2,
    nullable: bool = True,
) -> pd.Series:
    """Parse a date column with an exact format; an unparseable value names its row."""
    values = frame[column]
    if not nullable:
        check_required(frame, column, file=file, first_row=first_row)
    parsed = pd.to_datetime(values, format=fmt, errors="coerce")
    fail_at(
        values.notna() & parsed.isna(),
        "not a valid date",
        file=file,
        column=column,
        fix=f"write dates as {_human(fmt)}",
        first_row=first_row,
    )
    return parsed.dt.date.astype("object").where(parsed.notna(), None)


def _human(fmt: str) -> str:
    return fmt.replace("%Y", "YYYY").replace("%m", "MM").replace("%d", "DD")


def parse_numbers(
    frame: pd.DataFrame,
    column: str,
    *,
    file: str,
    first_row: int = 2,
    nullable: bool = False,
    minimum: float | None = 0.0,
) -> pd.Series:
    """Parse a numeric column (commas allowed as thousands separators), checking a minimum."""
    values = frame[column]
    if not nullable:
        check_required(frame, column, file=file, first_row=first_row)
    parsed = pd.to_numeric(values.str.replace(",", "", regex=False), errors="coerce")
    bad = first_bad(values.notna() & parsed.isna())
    if bad is not None:
        raise InputError(
            "not a number", file=file, row=first_row + bad, column=column, fix="use digits only"
        )
    if minimum is not None:
        fail_at(
            parsed.notna() & (parsed < minimum),
            f"must be at least {minimum:g}",
            file=file,
            column=column,
            fix="list sizes, counts and FTE cannot be negative",
            first_row=first_row,
        )
    return parsed.astype("float64")


def check_unique(
    frame: pd.DataFrame, columns: Sequence[str], *, file: str, first_row: int = 2, what: str = ""
) -> None:
    """No two rows share the key `columns`."""
    dup = frame.duplicated(list(columns), keep="first")
    fail_at(
        dup,
        f"duplicate {what or ' + '.join(columns)}",
        file=file,
        column=columns[0],
        fix="each key may appear once; remove or merge the repeated row",
        first_row=first_row,
    )


def check_references(
    frame: pd.DataFrame,
    column: str,
    known: set[str],
    *,
    file: str,
    what: str,
    first_row: int = 2,
    fix: str | None = None,
) -> None:
    """Every non-empty value in `column` is one of `known` (referential integrity)."""
    values = frame[column]
    fail_at(
        values.notna() & ~values.isin(list(known)),
        f"unknown {what}",
        file=file,
        column=column,
        fix=fix or f"load the {what}s first, or correct the code",
        first_row=first_row,
    )


def fail_at(
    bad: pd.Series,
    what: str,
    *,
    file: str,
    column: str | None,
    fix: str,
    first_row: int = 2,
) -> None:
    """Raise InputError at the first True of `bad`, a mask over the rows as read.

    For checks that apply to some rows only (e.g. codes of the rows a reader keeps), so that
    the row named is still the line in the file.
    """
    hit = first_bad(bad.fillna(False).astype(bool))
    if hit is not None:
        raise InputError(what, file=file, row=first_row + hit, column=column, fix=fix)


def matches(values: pd.Series, pattern: Code | re.Pattern[str]) -> pd.Series:
    """Boolean mask: the value is present and matches `pattern` in full."""
    return values.fillna("").str.fullmatch(pattern.pattern).fillna(False).astype(bool)


def normalise_postcode(values: pd.Series) -> pd.Series:
    """Upper case, one space before the inward code ("BH9  2XF", "BH92XF" -> "BH9 2XF")."""
    squashed = values.astype("string").str.upper().str.replace(r"\s+", "", regex=True)
    out = squashed.str[:-3] + " " + squashed.str[-3:]
    return out.where(squashed.str.len() >= 5, squashed).replace({"": pd.NA})
