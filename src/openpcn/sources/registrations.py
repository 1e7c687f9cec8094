"""NHS Digital "Patients Registered at a GP Practice": gp-reg-pat-prac-all.csv (totals).

Header PUBLICATION, EXTRACT_DATE, TYPE, <commissioner code columns>, CODE, POSTCODE, SEX, AGE,
NUMBER_OF_PATIENTS. 2019-2021 files name the commissioner CCG_CODE / ONS_CCG_CODE; later ones
SUB_ICB_LOCATION_CODE / ONS_SUB_ICB_LOCATION_CODE: both are accepted and neither is needed.
Rows with TYPE=GP, SEX=ALL, AGE=ALL are the practice totals we keep. EXTRACT_DATE is written
01JUL2019 in the published files; 2019-07-01 and 01/07/2019 are accepted too.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from openpcn.codes import PRACTICE_CODE
from openpcn.sources import loader
from openpcn.sources.common import check_required, fail_at, matches, parse_numbers, read_csv_text
from openpcn.store.importer import Loaded

REQUIRED = [
    "PUBLICATION",
    "EXTRACT_DATE",
    "TYPE",
    "CODE",
    "POSTCODE",
    "SEX",
    "AGE",
    "NUMBER_OF_PATIENTS",
]
SOURCE = "NHS Digital registrations"
DATE_FORMATS = ("%d%b%Y", "%Y-%m-%d", "%d/%m/%Y")


def _extract_dates(frame: pd.DataFrame, file: str) -> pd.Series:
    check_required(frame, "EXTRACT_DATE", file=file)
    text = frame["EXTRACT_DATE"].str.upper()
    parsed = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    for fmt in DATE_FORMATS:
        parsed = parsed.fillna(pd.to_datetime(text, format=fmt, errors="coerce"))
    fail_at(
        parsed.isna(),
        "not a valid date",
        file=file,
        column="EXTRACT_DATE",
        fix="write the extract date as published, e.g. 01JUL2019 (or 2019-07-01)",
    )
    return parsed.dt.date.astype("object")


def read(path: Path) -> pd.DataFrame:
    """Practice totals as `practice_lists` rows (as_of = the extract date, no weighted list)."""
    name = path.name
    frame = read_csv_text(path, columns=REQUIRED)
    as_of = _extract_dates(frame, name)
    patients = parse_numbers(frame, "NUMBER_OF_PATIENTS", file=name)
    fail_at(
        patients.notna() & (patients % 1 != 0),
        "not a whole number",
        file=name,
        column="NUMBER_OF_PATIENTS",
        fix="registered patient counts are whole numbers",
    )
    kept = (
        (frame["TYPE"].eq("GP") & frame["SEX"].eq("ALL") & frame["AGE"].eq("ALL"))
        .fillna(False)
        .astype(bool)
    )
    fail_at(
        kept & ~matches(frame["CODE"], PRACTICE_CODE),
        "not a valid practice code",
        file=name,
        column="CODE",
        fix="practice codes look like J81002 (a letter and five digits)",
    )
    fail_at(
        kept
        & frame.assign(_d=as_of)[kept]
        .duplicated(["CODE", "_d"])
        .reindex(frame.index, fill_value=False),
        "duplicate practice",
        file=name,
        column="CODE",
        fix="each practice has one total (TYPE=GP, SEX=ALL, AGE=ALL) per extract date",
    )
    out = pd.DataFrame(
        {
            "practice_code": frame["CODE"],
            "as_of": as_of,
            "registered_patients": patients,
            "weighted_patients": pd.Series(pd.NA, index=frame.index, dtype="Float64").astype(
                "float64"
            ),
            "source": pd.Series(SOURCE, index=frame.index, dtype="string"),
        }
    )
    return out[kept].reset_index(drop=True)


@loader("registrations")
def load(path: Path) -> Loaded:
    """Add (or replace) the list sizes of this extract date."""
    lists = read(path)
    return Loaded(
        frames={"practice_lists": lists},
        merge_on={"practice_lists": ("practice_code", "as_of", "source")},
        note=f"{len(lists)} practice totals",
    )
