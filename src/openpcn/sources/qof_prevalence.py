"""NHS Digital QOF raw prevalence files (PREVALENCE_1819 layout), and the indicator mappings that
say what each indicator group is and which patient list is its denominator.

The raw prevalence layout: PRACTICE_CODE, INDICATOR_GROUP_CODE, REGISTER, PATIENT_LIST_TYPE,
PATIENT_LIST_SIZE, one row per practice and group. The files do not say their year, so the
import is told it (`--year 2018/19`). Quirks the published files have, and what is done:
- a blank (or `NA`) REGISTER: the register was not published (e.g. a practice that closed in the
  year); the row is kept with register null (2017/18: 252 rows, 2018/19: 399);
- a register larger than its list (2018/19: Y05750 LD, 141 on a list of 136): kept as published
  and counted in the import's note (a prevalence above 100% is the publication's, not ours);
- the mappings file is Windows-1252, not UTF-8 (curly quotes, en dashes): read as such;
- a duplicated practice and group, a negative or non-numeric count, or a list type not in
  `LIST_TYPES`: the file is refused (row, column, fix).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from openpcn.codes import PRACTICE_CODE
from openpcn.exceptions import InputError, UserError
from openpcn.sources import loader
from openpcn.sources.common import (
    check_pattern,
    check_required,
    check_unique,
    fail_at,
    parse_numbers,
    read_csv_text,
)
from openpcn.store.importer import Loaded

REQUIRED = [
    "PRACTICE_CODE",
    "INDICATOR_GROUP_CODE",
    "REGISTER",
    "PATIENT_LIST_TYPE",
    "PATIENT_LIST_SIZE",
]
MAPPING_REQUIRED = ["INDICATOR_GROUP_CODE", "INDICATOR_GROUP_DESCRIPTION", "PATIENT_LIST_TYPE"]
# The patient list types of QOF 2017/18-2018/19: those in the prevalence files (TOTAL, 16OV,
# 17OV, 18OV, 50OV, 30_74) and those the 2018/19 indicator mappings name for groups without a
# register (15OV smoking, 45OV blood pressure, 25_64_F cervical screening, 54UN_F contraception).
LIST_TYPES = ("TOTAL", "15OV", "16OV", "17OV", "18OV", "45OV", "50OV", "30_74", "25_64_F", "54UN_F")
NOT_PUBLISHED = ("NA",)  # and blank
GROUP_CODE = re.compile(r"^[A-Z][A-Z0-9]{0,7}$")
YEAR = re.compile(r"^(\d{4})/(\d{2})$")
ENCODING_FALLBACK = "cp1252"


def qof_year(text: str) -> str:
    """The QOF year as written in the tables ("2018/19"): YYYY/YY of consecutive years."""
    found = YEAR.fullmatch(text.strip())
    if found is None or (int(found.group(1)) + 1) % 100 != int(found.group(2)):
        raise UserError(
            f"{text!r} is not a QOF year",
            column="--year",
            fix="write the year as YYYY/YY of two consecutive years, e.g. --year 2018/19 (the "
            "registers at 31 March 2019)",
        )
    return f"{found.group(1)}/{found.group(2)}"


def source_of(year: str) -> str:
    return f"NHS Digital QOF {year} raw prevalence"


def read(path: Path, year: str) -> tuple[pd.DataFrame, str]:
    """`qof_prevalence` rows of one QOF year, and a one-line account of what was read."""
    year = qof_year(year)
    name = path.name
    frame = read_csv_text(path, columns=REQUIRED, fallback=ENCODING_FALLBACK)
    check_pattern(frame, "PRACTICE_CODE", PRACTICE_CODE, file=name, what="practice code")
    check_pattern(frame, "INDICATOR_GROUP_CODE", GROUP_CODE, file=name, what="QOF group code")
    check_list_types(frame, "PATIENT_LIST_TYPE", file=name)
    check_unique(
        frame, ["PRACTICE_CODE", "INDICATOR_GROUP_CODE"], file=name, what="practice and group"
    )
    _one_list_type_per_group(frame, name)
    register = _count(frame, "REGISTER", name)
    list_size = _count(frame, "PATIENT_LIST_SIZE", name)
    out = pd.DataFrame(
        {
            "practice_code": frame["PRACTICE_CODE"],
            "year": year,
            "group_code": frame["INDICATOR_GROUP_CODE"],
            "register": register.astype("Int64"),
            "list_type": frame["PATIENT_LIST_TYPE"],
            "list_size": list_size.astype("Int64"),
            "source": source_of(year),
        }
    )
    out.attrs["file"] = name
    out.attrs["first_row"] = 2
    over = int((register > list_size).sum())
    note = (
        f"QOF {year}: {len(out):,} registers ({out['practice_code'].nunique():,} practices, "
        f"{out['group_code'].nunique()} groups); {int(register.isna().sum())} not published "
        f"(register empty); {over} larger than their list, kept as published"
    )
    return out, note


def read_groups(path: Path, year: str) -> pd.DataFrame:
    """`qof_groups` rows: each indicator group of the mappings file with its description and
    denominator list type (the file has one row per indicator; a group's rows must agree)."""
    year = qof_year(year)
    name = path.name
    frame = read_csv_text(path, columns=MAPPING_REQUIRED, fallback=ENCODING_FALLBACK)
    check_pattern(frame, "INDICATOR_GROUP_CODE", GROUP_CODE, file=name, what="QOF group code")
    check_required(frame, "INDICATOR_GROUP_DESCRIPTION", file=name)
    check_list_types(frame, "PATIENT_LIST_TYPE", file=name)
    for column in ("INDICATOR_GROUP_DESCRIPTION", "PATIENT_LIST_TYPE"):
        first = frame.groupby("INDICATOR_GROUP_CODE")[column].transform("first")
        fail_at(
            frame[column].ne(first).fillna(True),
            f"a second {column} for this indicator group",
            file=name,
            column=column,
            fix="every indicator of a group must give the group's one description and list "
            "type; correct the row",
        )
    groups = frame.drop_duplicates("INDICATOR_GROUP_CODE")
    out = pd.DataFrame(
        {
            "year": year,
            "group_code": groups["INDICATOR_GROUP_CODE"],
            "description": groups["INDICATOR_GROUP_DESCRIPTION"],
            "list_type": groups["PATIENT_LIST_TYPE"],
            "source": f"NHS Digital QOF {year} indicator mappings",
        }
    ).reset_index(drop=True)
    out.attrs["file"] = name
    out.attrs["row_numbers"] = [int(i) + 2 for i in groups.index]
    return out


def check_list_types(frame: pd.DataFrame, column: str, *, file: str) -> None:
    check_required(frame, column, file=file)
    fail_at(
        ~frame[column].isin(LIST_TYPES),
        "not a QOF patient list type",
        file=file,
        column=column,
        fix=f"use one of {', '.join(LIST_TYPES)}",
    )


def _one_list_type_per_group(frame: pd.DataFrame, name: str) -> None:
    """A group's denominator is one list type in a year: a practice row naming another is wrong."""
    first = frame.groupby("INDICATOR_GROUP_CODE")["PATIENT_LIST_TYPE"].transform("first")
    fail_at(
        frame["PATIENT_LIST_TYPE"].ne(first),
        "a different list type from this group's earlier rows",
        file=name,
        column="PATIENT_LIST_TYPE",
        fix="each indicator group has one patient list type in a QOF year (e.g. DM 17OV); "
        "correct the row",
    )


def _count(frame: pd.DataFrame, column: str, name: str) -> pd.Series:
    """Whole, non-negative counts; blank or `NA` is not published (null)."""
    values = frame[column].mask(frame[column].isin(NOT_PUBLISHED))
    counts = parse_numbers(frame.assign(**{column: values}), column, file=name, nullable=True)
    fail_at(
        counts.notna() & (counts % 1 != 0),
        "not a whole number",
        file=name,
        column=column,
        fix="registers and list sizes are counts of patients",
    )
    return counts


@loader("qof-prevalence", options=("year", "organisations", "indicators"))
def load(
    path: Path,
    *,
    year: str | None = None,
    organisations: Path | None = None,
    indicators: Path | None = None,
) -> Loaded:
    """One QOF year: its registers, and optionally its organisation reference and indicator
    groups, each replacing the stored rows of that year. Every file is read and checked before
    anything is written (the importer writes once)."""
    from openpcn.sources import qof_organisation

    if year is None:
        raise UserError(
            "a QOF prevalence file does not say its year",
            column="--year",
            fix="add --year YYYY/YY, e.g. --year 2018/19 for the registers at 31 March 2019",
        )
    prevalence, note = read(path, year)
    frames = {"qof_prevalence": prevalence}
    if indicators is not None:
        groups = read_groups(indicators, year)
        _agree(prevalence, groups, path.name)
        frames["qof_groups"] = groups
        note += f"; {len(groups)} indicator groups"
    if organisations is not None:
        frames["qof_practices"] = qof_organisation.read_practices(organisations, year)
        note += f"; {len(frames['qof_practices']):,} practices in the organisation reference"
    keys = {
        "qof_prevalence": ("practice_code", "year", "group_code"),
        "qof_groups": ("year", "group_code"),
        "qof_practices": ("year", "practice_code"),
    }
    return Loaded(
        frames=frames,
        merge_on={name: keys[name] for name in frames},
        replace_by={name: ("year",) for name in frames},
        note=note,
    )


def _agree(prevalence: pd.DataFrame, groups: pd.DataFrame, name: str) -> None:
    """The prevalence file's list type of a group is the one the mappings give it."""
    expected = prevalence["group_code"].map(groups.set_index("group_code")["list_type"])
    bad = expected.notna() & expected.ne(prevalence["list_type"])
    hit = bad.to_numpy().nonzero()[0]
    if len(hit):
        row = int(hit[0])
        raise InputError(
            "the list type differs from the indicator mappings' list type for this group",
            file=name,
            row=row + 2,
            column="PATIENT_LIST_TYPE",
            fix=f"the mappings give {prevalence['group_code'].iloc[row]} the list type "
            f"{expected.iloc[row]}; check both files are of the same QOF year",
        )
