"""Practice covariates of a financial year: list size, % of QOF points achieved, GP IT system,
IMD score, and the shares of the list female and aged 65+.

The layout is the extract the shipped default is built from
(`practice_covariates_2019-20_DERIVED.csv`: PRACTICE_CODE, LIST_SIZE, PERCENTAGE_SCORE,
SYSTEM_SUPPLIER, REGION_NAME, IMDScore, PERCENTAGE_FEMALE, PERCENTAGE_O65; see
data/reference/PROVENANCE.md). `NA` or blank is not published (null). Percentages must lie in
0-100; REGION_NAME is not kept (the QOF organisation reference holds regions by code).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from openpcn.codes import PRACTICE_CODE
from openpcn.exceptions import UserError
from openpcn.sources import loader
from openpcn.sources.common import (
    check_pattern,
    check_unique,
    fail_at,
    parse_numbers,
    read_csv_text,
)
from openpcn.store.importer import Loaded

REQUIRED = [
    "PRACTICE_CODE",
    "LIST_SIZE",
    "PERCENTAGE_SCORE",
    "SYSTEM_SUPPLIER",
    "IMDScore",
    "PERCENTAGE_FEMALE",
    "PERCENTAGE_O65",
]
PERCENTAGES = {
    "PERCENTAGE_SCORE": "qof_achievement_pct",
    "PERCENTAGE_FEMALE": "female_pct",
    "PERCENTAGE_O65": "over65_pct",
}
DEFAULT_YEAR = "2019/20"
YEAR = re.compile(r"^(\d{4})/(\d{2})$")
NOT_PUBLISHED = ("NA",)


def financial_year(text: str) -> str:
    """A financial year as written in the tables ("2019/20"): YYYY/YY, consecutive years."""
    found = YEAR.fullmatch(text.strip())
    if found is None or (int(found.group(1)) + 1) % 100 != int(found.group(2)):
        raise UserError(
            f"{text!r} is not a financial year",
            column="--year",
            fix="write the year as YYYY/YY of two consecutive years, e.g. --year 2019/20",
        )
    return text.strip()


def read(path: Path, year: str = DEFAULT_YEAR) -> tuple[pd.DataFrame, str]:
    """`practice_covariates` rows and a one-line account of what was read."""
    year = financial_year(year)
    name = path.name
    frame = read_csv_text(path, columns=REQUIRED, fallback="cp1252")
    frame = frame.mask(frame.isin(NOT_PUBLISHED))
    check_pattern(frame, "PRACTICE_CODE", PRACTICE_CODE, file=name, what="practice code")
    check_unique(frame, ["PRACTICE_CODE"], file=name, what="practice code")
    list_size = parse_numbers(frame, "LIST_SIZE", file=name, nullable=True)
    fail_at(
        list_size % 1 != 0,
        "not a whole number",
        file=name,
        column="LIST_SIZE",
        fix="a list size is a count of patients",
    )
    values = {}
    for column, target in PERCENTAGES.items():
        pct = parse_numbers(frame, column, file=name, nullable=True)
        fail_at(
            pct > 100,
            "a percentage above 100",
            file=name,
            column=column,
            fix="percentages run from 0 to 100; write NA where not published",
        )
        values[target] = pct
    imd = parse_numbers(frame, "IMDScore", file=name, nullable=True)
    out = pd.DataFrame(
        {
            "practice_code": frame["PRACTICE_CODE"],
            "year": year,
            "list_size": list_size.astype("Int64"),
            "qof_achievement_pct": values["qof_achievement_pct"],
            "system_supplier": frame["SYSTEM_SUPPLIER"].str.upper(),
            "imd_score": imd,
            "female_pct": values["female_pct"],
            "over65_pct": values["over65_pct"],
            "source": f"practice covariates {year} ({name})",
        }
    )
    out.attrs["file"] = name
    out.attrs["first_row"] = 2
    note = (
        f"{len(out):,} practices' covariates for {year}; "
        f"{int(out['over65_pct'].isna().sum())} without a published age/sex mix"
    )
    return out, note


@loader("practice-covariates", options=("year",))
def load(path: Path, *, year: str = DEFAULT_YEAR) -> Loaded:
    """Upsert by practice and year: another year's covariates are kept."""
    rows, note = read(path, year)
    return Loaded(
        frames={"practice_covariates": rows},
        merge_on={"practice_covariates": ("practice_code", "year")},
        note=note,
    )
