"""GP Patient Survey practice results, in the layout of the gp_takeovers extract.

Columns Practice_Code, appointment_good (Q18, % good experience of making an appointment),
overall_good (Q28, % good overall experience), year. "NA" means not published (too few
answers); those measures are left out. The extract has no response counts.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from openpcn.sources.common import (
    PRACTICE_CODE,
    check_pattern,
    check_unique,
    fail_at,
    parse_numbers,
    read_csv_text,
)

MEASURES = ("overall_good", "appointment_good")
REQUIRED = ["Practice_Code", "year", *MEASURES]
SOURCE = "GP Patient Survey"


def read(path: Path) -> pd.DataFrame:
    """`gpps` rows: practice_code, year, measure, value_pct, responses (empty), source."""
    name = path.name
    frame = read_csv_text(path, columns=REQUIRED)
    check_pattern(frame, "Practice_Code", PRACTICE_CODE, file=name, what="practice code")
    year = parse_numbers(frame, "year", file=name, minimum=2007)
    check_unique(frame, ["Practice_Code", "year"], file=name, what="practice and year")
    parts = []
    for measure in MEASURES:
        values = frame[measure].mask(frame[measure] == "NA")
        pct = parse_numbers(frame.assign(**{measure: values}), measure, file=name, nullable=True)
        fail_at(
            pct > 100,
            "a percentage above 100",
            file=name,
            column=measure,
            fix="values are percentages from 0 to 100",
        )
        parts.append(
            pd.DataFrame(
                {
                    "practice_code": frame["Practice_Code"],
                    "year": year.astype("Int64"),
                    "measure": pd.Series(measure, index=frame.index, dtype="string"),
                    "value_pct": pct,
                    "responses": pd.Series(pd.NA, index=frame.index, dtype="Int64"),
                    "source": pd.Series(SOURCE, index=frame.index, dtype="string"),
                }
            )[pct.notna()]
        )
    return pd.concat(parts, ignore_index=True)
