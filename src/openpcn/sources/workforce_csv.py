"""NHS Digital GP Workforce practice-level CSV (the gp_takeovers extract layout).

We use PRAC_CODE and TOTAL_PATIENTS (registered patients at the census date); "ND" means
no data and gives an empty value.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from openpcn.codes import PRACTICE_CODE
from openpcn.sources.common import check_pattern, check_unique, parse_numbers, read_csv_text

REQUIRED = ["PRAC_CODE", "TOTAL_PATIENTS"]


def read(path: Path) -> pd.DataFrame:
    """practice_code, total_patients (float, empty where the file says ND)."""
    name = path.name
    frame = read_csv_text(path, columns=REQUIRED)
    check_pattern(frame, "PRAC_CODE", PRACTICE_CODE, file=name, what="practice code")
    check_unique(frame, ["PRAC_CODE"], file=name, what="practice")
    total = frame["TOTAL_PATIENTS"].mask(frame["TOTAL_PATIENTS"] == "ND")
    patients = parse_numbers(
        frame.assign(TOTAL_PATIENTS=total), "TOTAL_PATIENTS", file=name, nullable=True
    )
    return pd.DataFrame({"practice_code": frame["PRAC_CODE"], "total_patients": patients})
