"""PHE/OHID Fingertips indicator 93553, "Deprivation score (IMD)" by GP practice.

UTF-8 with a byte-order mark; one row per practice and IMD edition (Year 2010, 2015, 2019).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from openpcn.codes import PRACTICE_CODE
from openpcn.sources.common import check_pattern, check_unique, parse_numbers, read_csv_text

REQUIRED = ["IndicatorID", "Year", "AreaCode", "Value"]


def read(path: Path, *, year: int = 2019) -> pd.DataFrame:
    """practice_code, imd_score for one IMD edition (default IMD 2019)."""
    name = path.name
    frame = read_csv_text(path, encoding="utf-8-sig", columns=REQUIRED)
    years = parse_numbers(frame, "Year", file=name)
    check_pattern(frame, "AreaCode", PRACTICE_CODE, file=name, what="practice code")
    check_unique(frame, ["AreaCode", "Year"], file=name, what="practice and year")
    score = parse_numbers(frame, "Value", file=name, nullable=True)
    kept = (years == year).to_numpy()
    return pd.DataFrame({"practice_code": frame["AreaCode"], "imd_score": score})[kept].reset_index(
        drop=True
    )
