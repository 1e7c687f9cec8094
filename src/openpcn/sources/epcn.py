"""ODS ePCN workbook: the register of PCNs and of each practice's core membership.

Two sheets: "PCN Details" (one row per PCN) and "PCN Core Partner Details" (practice -> PCN
with relationship dates). In the published file the partner sheet's "PCN Name" is an Excel
formula (a VLOOKUP into PCN Details), so names are taken from PCN Details only. Rows are
numbered as in Excel (header = row 1).
"""

from __future__ import annotations

import datetime as dt
import zipfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pandas as pd

from openpcn.codes import COMMISSIONER_CODE, PCN_CODE, PRACTICE_CODE
from openpcn.exceptions import InputError
from openpcn.sources import loader
from openpcn.sources.common import (
    check_pattern,
    check_references,
    check_required,
    check_unique,
    fail_at,
    normalise_postcode,
    parse_dates,
)
from openpcn.store.importer import Loaded

DETAILS = "PCN Details"
PARTNERS = "PCN Core Partner Details"
DETAIL_COLUMNS = [
    "PCN Code",
    "PCN Name",
    "Current Clinical Commissioning Group Code",
    "Clinical Commissioning Group Name",
    "Open Date (YYYYMMDD)",
    "Close Date",
    "Postcode",
]
PARTNER_COLUMNS = [
    "Partner Organisation Code",
    "Partner Name",
    "Practice Parent CCG Code",
    "Practice Parent CCG Name",
    "PCN Code",
    "Practice to PCN Relationship Start Date",
    "Practice to PCN Relationship End Date",
]


@dataclass
class Epcn:
    """The workbook as warehouse frames, plus the partner rows' own commissioner columns."""

    pcns: pd.DataFrame  # warehouse `pcns` columns
    memberships: pd.DataFrame  # warehouse `memberships` columns
    partners: pd.DataFrame  # practice_code, practice_name, practice_commissioner_code/_name,
    # pcn_code (one row per partner row, as in the file)
    commissioner_names: dict[str, str]


def _cell(value: object) -> str | None:
    """A workbook cell as text: dates as YYYYMMDD, whole numbers without '.0'."""
    if value is None:
        return None
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%Y%m%d")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _sheet(book: openpyxl.Workbook, sheet: str, columns: list[str], where: str) -> pd.DataFrame:
    if sheet not in book.sheetnames:
        raise InputError(
            f"the workbook has no sheet named {sheet!r} (found: {', '.join(book.sheetnames)})",
            file=where,
            fix="use the ePCN workbook as published by NHS Digital (ODS), with both sheets",
        )
    rows = book[sheet].iter_rows(values_only=True)
    header = [_cell(v) or "" for v in next(rows, ())]
    missing = [c for c in columns if c not in header]
    if missing:
        raise InputError(
            f"missing column(s): {', '.join(missing)}",
            file=f"{where} [{sheet}]",
            row=1,
            column=missing[0],
            fix="use the published ePCN layout; the header row must name these columns",
        )
    index = [header.index(c) for c in columns]
    body = []
    for row in rows:
        cells = [_cell(row[i]) if i < len(row) else None for i in index]
        body.append(cells)
    while body and all(c is None for c in body[-1]):
        body.pop()
    # Columns keep the sheet's own header names, so errors name what the user sees.
    return pd.DataFrame(body, columns=list(columns), dtype="string")


def read(path: Path, *, source: str | None = None) -> Epcn:
    """PCNs and dated core memberships; `source` labels memberships (default: the file name)."""
    name = path.name
    if not path.exists():
        raise InputError("file not found", file=str(path), fix="check the path")
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputError(
            "not a readable Excel workbook (.xlsx)",
            file=name,
            fix="supply the ePCN .xlsx as downloaded from NHS Digital",
        ) from exc
    try:
        details = _sheet(book, DETAILS, DETAIL_COLUMNS, name)
        partners = _sheet(book, PARTNERS, PARTNER_COLUMNS, name)
    finally:
        book.close()

    where = f"{name} [{DETAILS}]"
    code, ccg = "PCN Code", "Current Clinical Commissioning Group Code"
    check_pattern(details, code, PCN_CODE, file=where, what="PCN code")
    check_unique(details, [code], file=where, what="PCN code")
    check_required(details, "PCN Name", file=where)
    check_pattern(details, ccg, COMMISSIONER_CODE, file=where, what="commissioner code")
    pcns = pd.DataFrame(
        {
            "pcn_code": details[code],
            "name": details["PCN Name"],
            "commissioner_code": details[ccg],
            "open_date": parse_dates(details, "Open Date (YYYYMMDD)", "%Y%m%d", file=where),
            "close_date": parse_dates(details, "Close Date", "%Y%m%d", file=where),
            "postcode": normalise_postcode(details["Postcode"]),
        }
    )

    where = f"{name} [{PARTNERS}]"
    practice, parent = "Partner Organisation Code", "Practice Parent CCG Code"
    starts, ends = (
        "Practice to PCN Relationship Start Date",
        "Practice to PCN Relationship End Date",
    )
    check_pattern(partners, practice, PRACTICE_CODE, file=where, what="practice code")
    check_pattern(partners, code, PCN_CODE, file=where, what="PCN code")
    check_references(
        partners,
        code,
        set(pcns["pcn_code"]),
        file=where,
        what="PCN code",
        fix=f"every PCN in the partner sheet must be listed in the {DETAILS!r} sheet",
    )
    check_pattern(
        partners, parent, COMMISSIONER_CODE, file=where, what="commissioner code", nullable=True
    )
    start = parse_dates(partners, starts, "%Y%m%d", file=where, nullable=False)
    end = parse_dates(partners, ends, "%Y%m%d", file=where)
    fail_at(
        pd.Series([e is not None and e < s for s, e in zip(start, end, strict=True)]),
        "the relationship ends before it starts",
        file=where,
        column=ends,
        fix="check the start and end dates of this practice's membership",
    )
    memberships = pd.DataFrame(
        {
            "practice_code": partners[practice],
            "pcn_code": partners[code],
            "start_date": start,
            "end_date": end,
            "source": pd.Series(source or name, index=partners.index, dtype="string"),
        }
    )
    check_unique(
        memberships.rename(columns={"practice_code": practice}),
        [practice, "pcn_code", "start_date"],
        file=where,
        what="membership (practice, PCN and start date)",
    )
    _check_one_open(memberships, where, practice)

    names: dict[str, str] = {}
    for pairs in (
        zip(partners[parent], partners["Practice Parent CCG Name"], strict=True),
        zip(details[ccg], details["Clinical Commissioning Group Name"], strict=True),
    ):
        for key, label in pairs:
            if isinstance(key, str) and isinstance(label, str):
                names.setdefault(key, label)
    return Epcn(
        pcns=pcns,
        memberships=memberships,
        partners=pd.DataFrame(
            {
                "practice_code": partners[practice],
                "practice_name": partners["Partner Name"],
                "practice_commissioner_code": partners[parent],
                "practice_commissioner_name": partners["Practice Parent CCG Name"],
                "pcn_code": partners[code],
            }
        ),
        commissioner_names=dict(sorted(names.items())),
    )


def _check_one_open(memberships: pd.DataFrame, where: str, column: str) -> None:
    """A practice is a core member of one PCN at a time: no two open or overlapping spells."""
    far = dt.date.max
    spells = memberships.assign(
        _row=range(len(memberships)),
        _end=[e if e is not None else far for e in memberships["end_date"]],
    ).sort_values(["practice_code", "start_date", "_row"])
    prev_code, prev_end = None, far
    clashes = []
    for code, start, end, row in zip(
        spells["practice_code"], spells["start_date"], spells["_end"], spells["_row"], strict=True
    ):
        if code != prev_code:
            prev_code, prev_end = code, end
            continue
        if start <= prev_end:
            clashes.append(row)
        prev_end = max(prev_end, end)
    if clashes:
        raise InputError(
            "this practice is already a core member of another PCN over the same dates",
            file=where,
            row=2 + min(clashes),
            column=column,
            fix="a practice belongs to one PCN at a time: end its other membership first",
        )


@loader("epcn")
def load(path: Path) -> Loaded:
    """Replace the PCN register and the memberships with the workbook's."""
    data = read(path)
    return Loaded(
        frames={"pcns": data.pcns, "memberships": data.memberships},
        note=f"{len(data.pcns)} PCNs, {len(data.memberships)} memberships",
    )
