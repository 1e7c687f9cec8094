"""Write the tiny ePCN workbooks used by the tests (good sample and bad corpus).

    .venv/bin/python tests/data/make_bad_workbooks.py

Layout as in the published ePCN file: "PCN Details" and "PCN Core Partner Details", where the
partner sheet's PCN Name is a VLOOKUP formula. The generated .xlsx files are committed.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent
DETAILS = [
    "PCN Code",
    "PCN Name",
    "Current Clinical Commissioning Group Code",
    "Clinical Commissioning Group Name",
    "Open Date (YYYYMMDD)",
    "Close Date",
    "Address Line 1",
    "Address Line 2",
    "Address Line 3",
    "Address Line 4",
    "Address Line 5",
    "Postcode",
]
PARTNERS = [
    "Partner Organisation Code",
    "Partner Name",
    "Practice Parent CCG Code",
    "Practice Parent CCG Name",
    "PCN Code",
    "PCN Name",
    "PCN Parent CCG Code",
    "PCN Parent CCG Name",
    "Practice to PCN Relationship Start Date",
    "Practice to PCN Relationship End Date",
    "Practice CCG and PCN CCG match?",
]
DORSET = ("11J", "NHS DORSET CCG")
WILTS = ("99N", "NHS WILTSHIRE CCG")
PCNS = [
    ("U02749", "CENTRAL BOURNEMOUTH PCN", *DORSET, 20191001, None, "", "", "", "", "", "BH9  2XF"),
    ("U42510", "BLANDFORD PCN", *DORSET, 20191001, None, "", "", "", "", "", "DT11 7DQ"),
    ("U55979", "SARUM WEST PCN", *WILTS, 20191001, None, "", "", "", "", "", "SP5 5PA"),
]
PRACTICE_ROWS = [
    ("J81039", "MOORDOWN MEDICAL CENTRE", *DORSET, "U02749", 20191001, None),
    ("J81047", "JAMES FISHER MEDICAL CENTRE", *DORSET, "U02749", 20191001, None),
    ("J81031", "EAGLE HOUSE SURGERY", *DORSET, "U42510", 20191001, None),
    ("J81083", "SIXPENNY HANDLEY PRACTICE", *WILTS, "U55979", 20191201, None),
]


def partner(row: int, code, name, ccg, ccg_name, pcn, start, end) -> list:
    return [
        code,
        name,
        ccg,
        ccg_name,
        pcn,
        f"=VLOOKUP(E{row},'PCN Details'!A:B,2,FALSE)",
        ccg,
        ccg_name,
        start,
        end,
        f"=G{row}=C{row}",
    ]


def write(name: str, pcns: list, practices: list, *, sheets=("details", "partners")) -> None:
    book = Workbook()
    book.remove(book.active)
    if "details" in sheets:
        sheet = book.create_sheet("PCN Details")
        sheet.append(DETAILS)
        for row in pcns:
            sheet.append(list(row))
    if "partners" in sheets:
        sheet = book.create_sheet("PCN Core Partner Details")
        sheet.append(PARTNERS)
        for i, row in enumerate(practices, start=2):
            sheet.append(partner(i, *row))
    stamp = dt.datetime(2019, 12, 4)
    book.properties.created = book.properties.modified = stamp
    target = HERE / name
    book.save(target)
    _freeze(target, stamp)


def _freeze(path: Path, stamp: dt.datetime) -> None:
    """Rewrite the zip with fixed timestamps so that re-running gives identical bytes."""
    with zipfile.ZipFile(path) as source:
        members = [(info.filename, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for filename, data in members:
            if filename == "docProps/core.xml":
                data = _fixed_dates(data.decode("utf-8"), stamp).encode("utf-8")
            target.writestr(zipfile.ZipInfo(filename, stamp.timetuple()[:6]), data)


def _fixed_dates(xml: str, stamp: dt.datetime) -> str:
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    return re.sub(r"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rf"\g<1>{iso}", xml)


def main() -> None:
    write("good/epcn_sample.xlsx", PCNS, PRACTICE_ROWS)
    # Row 5 (J81039 again): a second open membership of another PCN.
    two = [
        *PRACTICE_ROWS[:3],
        ("J81039", "MOORDOWN MEDICAL CENTRE", *DORSET, "U42510", 20191001, None),
    ]
    write("bad/epcn_practice_in_two_pcns.xlsx", PCNS, two)
    # Row 3: PCN U99999 is not in PCN Details.
    unknown = [PRACTICE_ROWS[0], ("J81047", "JAMES FISHER", *DORSET, "U99999", 20191001, None)]
    write("bad/epcn_unknown_pcn.xlsx", PCNS, unknown)
    # Row 4: practice code J8103 (five characters).
    malformed = [
        *PRACTICE_ROWS[:2],
        ("J8103", "EAGLE HOUSE SURGERY", *DORSET, "U42510", 20191001, None),
    ]
    write("bad/epcn_malformed_ods_code.xlsx", PCNS, malformed)
    write("bad/epcn_missing_sheet.xlsx", PCNS, PRACTICE_ROWS, sheets=("details",))


if __name__ == "__main__":
    main()
