"""NHS Digital QOF organisation reference (2018/19): practice -> CCG -> STP -> NHS region.

The only published file we hold that places every CCG in its STP (the 2019 footprint of an
ICS) and NHS England region, so the reference build reads it to give every commissioner one
(`read`); `read_practices` gives the same file as the `qof_practices` table of a QOF year (the
organisations QOF counted that year), imported with `openpcn import qof-prevalence
--organisations`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from openpcn.codes import COMMISSIONER_CODE, PRACTICE_CODE, STP_CODE
from openpcn.sources.common import check_pattern, check_required, check_unique, read_csv_text

REQUIRED = ["PRACTICE_CODE", "CCG_CODE", "STP_ONS_CODE", "STP_NAME", "REGION_CODE", "REGION_NAME"]

COLUMNS = {
    "PRACTICE_CODE": "practice_code",
    "CCG_CODE": "commissioner_code",
    "STP_ONS_CODE": "stp_code",
    "STP_NAME": "stp_name",
    "REGION_CODE": "region_code",
    "REGION_NAME": "region_name",
}


def read(path: Path) -> pd.DataFrame:
    """practice_code, commissioner_code, stp_code, stp_name, region_code, region_name."""
    frame = _checked(path)
    return frame[list(COLUMNS)].rename(columns=COLUMNS).reset_index(drop=True)


def read_practices(path: Path, year: str) -> pd.DataFrame:
    """`qof_practices` rows of QOF `year` (e.g. "2018/19")."""
    frame = _checked(path, extra=["PRACTICE_NAME"])
    out = pd.DataFrame(
        {
            "year": year,
            "practice_code": frame["PRACTICE_CODE"],
            "practice_name": frame["PRACTICE_NAME"],
            "ccg_code": frame["CCG_CODE"],
            "stp_code": frame["STP_ONS_CODE"],
            "region_code": frame["REGION_CODE"],
            "source": f"NHS Digital QOF {year} organisation reference",
        }
    ).reset_index(drop=True)
    out.attrs["file"] = path.name
    out.attrs["first_row"] = 2
    return out


def _checked(path: Path, extra: list[str] | None = None) -> pd.DataFrame:
    name = path.name
    frame = read_csv_text(
        path, encoding="utf-8-sig", columns=[*REQUIRED, *(extra or [])], fallback="cp1252"
    )
    check_pattern(frame, "PRACTICE_CODE", PRACTICE_CODE, file=name, what="practice code")
    check_pattern(frame, "CCG_CODE", COMMISSIONER_CODE, file=name, what="commissioner code")
    check_pattern(frame, "STP_ONS_CODE", STP_CODE, file=name, what="STP code")
    check_pattern(frame, "REGION_CODE", COMMISSIONER_CODE, file=name, what="region code")
    for column in ("STP_NAME", "REGION_NAME"):
        check_required(frame, column, file=name)
    check_unique(frame, ["PRACTICE_CODE"], file=name, what="practice code")
    return frame
