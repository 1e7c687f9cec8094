"""NHS Digital "Appointments in General Practice" (AGP) CSVs: CCG, PCN or practice level.

`openpcn import appointments FILE` takes this publication or, as before, the patient-level
appointments table of an extract: a header naming COUNT_OF_APPOINTMENTS is the publication.

One reader for the publication's layouts, told apart by their header (any case):
- CCG level (the regional "CCG_CSV" files, e.g. Regional_CSV_Dorset.csv): CCG_CODE, CCG_NAME,
  Appointment_Month (MAR2019), APPT_STATUS, HCP_TYPE, APPT_MODE, TIME_BETWEEN_BOOK_AND_APPT,
  COUNT_OF_APPOINTMENTS (and STP / region columns, ignored);
- PCN level: PCN_CODE, PCN_NAME and the same month and dimension columns;
- practice level ("Practice_Level_Crosstab_<Mon>_<YY>.csv"): GP_CODE, GP_NAME, ...,
  APPOINTMENT_MONTH_START_DATE (01MAR2021 or 2021-03-01), the dimensions, and
  NATIONAL_CATEGORY, a dimension the warehouse does not hold: its rows are summed.
The level is the most detailed code column present (GP_CODE, else PCN_CODE, else CCG_CODE or
SUB_ICB_LOCATION_CODE). Category text is mapped to the schema's codes by `CATEGORIES` (the
published spellings, double spaces included, "Video/Online" before 2021 and "Video
Conference/Online" after); text not there is refused, naming the values allowed. Two rows with
the same month, organisation and categories are refused, not summed: a file that repeats a row
has been concatenated twice or cut from two releases.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from openpcn.codes import COMMISSIONER_CODE, PCN_CODE, PRACTICE_CODE
from openpcn.exceptions import InputError
from openpcn.sources import LOADERS, loader
from openpcn.sources import extract as _extract  # noqa: F401  (registers its loaders first)
from openpcn.sources.common import (
    check_pattern,
    fail_at,
    parse_numbers,
    read_csv_text,
)
from openpcn.store.importer import Loaded

SOURCE = "NHS Digital Appointments in General Practice"
KEY = ("month", "level", "org_code", "status", "hcp_type", "mode", "lead_time")
DIMENSIONS = {
    "status": "APPT_STATUS",
    "hcp_type": "HCP_TYPE",
    "mode": "APPT_MODE",
    "lead_time": "TIME_BETWEEN_BOOK_AND_APPT",
}
# Published text (compared with runs of spaces squashed, case ignored) -> schema code.
CATEGORIES: dict[str, dict[str, str]] = {
    "status": {"Attended": "attended", "DNA": "dna", "Unknown": "unknown"},
    "hcp_type": {"GP": "gp", "Other Practice staff": "other_practice_staff", "Unknown": "unknown"},
    "mode": {
        "Face-to-Face": "face_to_face",
        "Home Visit": "home_visit",
        "Telephone": "telephone",
        "Video/Online": "video_online",
        "Video Conference/Online": "video_online",
        "Unknown": "unknown",
    },
    "lead_time": {
        "Same Day": "same_day",
        "1 Day": "1_day",
        "2 to 7 Days": "2_7_days",
        "8 to 14 Days": "8_14_days",
        "15 to 21 Days": "15_21_days",
        "22 to 28 Days": "22_28_days",
        "More than 28 Days": "over_28_days",
        "Unknown / Data Issue": "unknown",
        "Unknown / Data Quality": "unknown",
    },
}
# (level, code column, name column, code pattern), most detailed first.
LEVELS = (
    ("practice", "GP_CODE", "GP_NAME", PRACTICE_CODE),
    ("pcn", "PCN_CODE", "PCN_NAME", PCN_CODE),
    ("ccg", "CCG_CODE", "CCG_NAME", COMMISSIONER_CODE),
    ("ccg", "SUB_ICB_LOCATION_CODE", "SUB_ICB_LOCATION_NAME", COMMISSIONER_CODE),
)
MONTH_COLUMNS = ("APPOINTMENT_MONTH", "APPOINTMENT_MONTH_START_DATE")
COUNT = "COUNT_OF_APPOINTMENTS"
MONTH_FORMATS = (
    (re.compile(r"^[A-Z]{3}\d{4}$"), "%b%Y"),  # MAR2019
    (re.compile(r"^\d{2}[A-Z]{3}\d{4}$"), "%d%b%Y"),  # 01MAR2019
    (re.compile(r"^\d{4}-\d{2}-\d{2}$"), "%Y-%m-%d"),
)


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip()).lower()


LOOKUP = {key: {_squash(t): code for t, code in m.items()} for key, m in CATEGORIES.items()}


def read(path: Path) -> tuple[pd.DataFrame, str]:
    """`appointments_published` rows and a one-line account of what was read.

    Headers are matched in any case; errors name a column as the file spells it.
    """
    name = path.name
    frame = read_csv_text(path, fallback="cp1252")
    col = {str(c).upper(): str(c) for c in frame.columns}
    level = next((lv for lv in LEVELS if lv[1] in col), None)
    month_key = next((c for c in MONTH_COLUMNS if c in col), None)
    needed = [*DIMENSIONS.values(), COUNT]
    missing = [c for c in needed if c not in col]
    if level is None or month_key is None or missing:
        raise InputError(
            "not an Appointments in General Practice file this reader knows (header)",
            file=name,
            row=1,
            column=missing[0] if missing else None,
            fix="use the publication's CSV as published: a code column (GP_CODE, PCN_CODE or "
            f"CCG_CODE), Appointment_Month or APPOINTMENT_MONTH_START_DATE, {', '.join(needed)} "
            "(any case)",
        )
    kind, code_key, name_key, pattern = level
    code_col, month_col = col[code_key], col[month_key]
    check_pattern(frame, code_col, pattern, file=name, what=pattern.name)
    month = _months(frame, month_col, name)
    codes = {key: _categories(frame, key, col[column], name) for key, column in DIMENSIONS.items()}
    count = parse_numbers(frame, col[COUNT], file=name)
    fail_at(
        count % 1 != 0,
        "not a whole number",
        file=name,
        column=col[COUNT],
        fix="appointment counts are whole numbers",
    )
    source_dims = [month_col, code_col, *(col[c] for c in DIMENSIONS.values())]
    if "NATIONAL_CATEGORY" in col:
        source_dims.append(col["NATIONAL_CATEGORY"])
    fail_at(
        frame.duplicated(source_dims, keep="first"),
        "a second row for the same month, organisation and categories",
        file=name,
        column=code_col,
        fix="each combination appears once in a published file; remove the repeated row (was "
        "the file joined twice, or from two releases?)",
    )
    rows = pd.DataFrame(
        {
            "month": month,
            "level": kind,
            "org_code": frame[code_col],
            "org_name": frame[col[name_key]] if name_key in col else pd.NA,
            **codes,
            "count": count,
            "_row": frame.index + 2,
        }
    )
    summed = rows.groupby(list(KEY), sort=False, dropna=False).agg(
        org_name=("org_name", "first"), count=("count", "sum"), _row=("_row", "first")
    )
    out = summed.reset_index()
    out["source"] = SOURCE
    out["count"] = out["count"].astype("int64")
    row_numbers = out.pop("_row").astype(int).tolist()
    out = out[["month", "level", "org_code", "org_name", *DIMENSIONS, "count", "source"]]
    out.attrs["file"] = name
    out.attrs["row_numbers"] = row_numbers
    months = sorted(set(out["month"]))
    note = (
        f"{len(out):,} {kind}-level counts ({out['org_code'].nunique()} organisations, "
        f"{months[0]:%b %Y} to {months[-1]:%b %Y}): {int(out['count'].sum()):,} appointments"
    )
    if len(out) < len(rows):
        note += f"; {len(rows) - len(out):,} rows summed over NATIONAL_CATEGORY"
    return out, note


def _months(frame: pd.DataFrame, column: str, name: str) -> pd.Series:
    """First day of each row's month: MAR2019, 01MAR2019 or 2019-03-01."""
    text = frame[column].str.upper()
    parsed = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    for pattern, fmt in MONTH_FORMATS:
        hit = text.str.fullmatch(pattern.pattern).fillna(False).astype(bool)
        if hit.any():
            parsed[hit] = pd.to_datetime(text[hit], format=fmt, errors="coerce")
    fail_at(
        parsed.isna(),
        "not a month",
        file=name,
        column=column,
        fix="write months as published: MAR2019, 01MAR2019 or 2019-03-01",
    )
    return parsed.dt.to_period("M").dt.start_time.dt.date.astype("object")


def _categories(frame: pd.DataFrame, key: str, column: str, name: str) -> pd.Series:
    mapped = frame[column].fillna("").map(_squash).map(LOOKUP[key])
    fail_at(
        mapped.isna(),
        f"not a {column} this reader knows",
        file=name,
        column=column,
        fix=f"use one of: {'; '.join(CATEGORIES[key])}",
    )
    return mapped.astype("string")


def is_publication(path: Path) -> bool:
    """Whether the file is the AGP publication (its header names COUNT_OF_APPOINTMENTS) rather
    than the patient-level `appointments` table of an extract (CSV or Parquet)."""
    if path.suffix.lower() == ".parquet" or not path.is_file():
        return False
    with path.open("rb") as handle:
        first = handle.readline(64_000)
    return COUNT.encode() in first.upper()


# `openpcn import appointments` reads both: the publication here, an extract's appointments
# table through the extract loader it registered (imported first, so this registration wins).
_extract_appointments = LOADERS["appointments"]


@loader("appointments")
def load(path: Path) -> Loaded:
    """The publication: upsert by month, organisation and categories (a newer month or another
    level adds to what is stored; a re-published month replaces its counts). A patient-level
    appointments file of an extract goes to the extract loader."""
    if not is_publication(path):
        return _extract_appointments(path)
    rows, note = read(path)
    return Loaded(
        frames={"appointments_published": rows},
        merge_on={"appointments_published": KEY},
        note=note,
    )
