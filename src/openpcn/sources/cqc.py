"""CQC overall ratings per GP practice, as republished by the Health Equity Evidence Centre.

One row per practice and year the rating was issued. Rows whose code is not a practice code
are skipped on purpose: "NA" (locations HEEC could not join to a practice) and 9-character
branch-site codes (practice code + 3-digit site number). Duplicates among kept rows are errors.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from openpcn.sources.common import (
    PRACTICE_CODE,
    check_unique,
    fail_at,
    matches,
    parse_numbers,
    read_csv_text,
)

REQUIRED = ["Practice.Code", "Year", "domain", "latest_rating"]
RATINGS = ("Outstanding", "Good", "Requires improvement", "Inadequate")
SOURCE = "CQC via HEEC"


def read(path: Path) -> pd.DataFrame:
    """`cqc_ratings` rows (practice_code, rating, rating_year, source), overall domain only."""
    name = path.name
    frame = read_csv_text(path, columns=REQUIRED)
    year = parse_numbers(frame, "Year", file=name, minimum=2010)
    fail_at(
        ~frame["latest_rating"].isin(list(RATINGS)),
        "not a CQC rating",
        file=name,
        column="latest_rating",
        fix=f"use one of: {', '.join(RATINGS)}",
    )
    kept = matches(frame["Practice.Code"], PRACTICE_CODE) & frame["domain"].eq("Overall")
    rows = frame.assign(_year=year)
    dup = rows[kept].duplicated(["Practice.Code", "_year"]).reindex(frame.index, fill_value=False)
    fail_at(
        dup,
        "duplicate practice and year",
        file=name,
        column="Practice.Code",
        fix="one overall rating per practice per year",
    )
    out = pd.DataFrame(
        {
            "practice_code": frame["Practice.Code"],
            "rating": frame["latest_rating"],
            "rating_year": year.astype("Int64"),
            "source": pd.Series(SOURCE, index=frame.index, dtype="string"),
        }
    )
    check_unique(out[kept], ["practice_code", "rating_year"], file=name)
    return out[kept].reset_index(drop=True)
