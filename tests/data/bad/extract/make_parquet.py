"""Write the Parquet files of the extract samples (run: .venv/bin/python <this file>).

The outputs are committed; this script says exactly how they were made.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).parent
GOOD = HERE.parent.parent / "good" / "extract"


def main() -> None:
    medications = pa.table(
        {
            "patient_id": ["p-000001", "p-000001", "p-000004"],
            "date": pa.array([dt.date(2019, 9, 1), dt.date(2019, 10, 1), dt.date(2018, 3, 3)]),
            "dmd_code": ["320000009", "317896006", "42097011000001103"],
            "bnf_code": ["0212000B0AAABAB", "0407010H0AAAMAM", "0601012V0BBAEAD"],
            "repeat": [True, True, False],
        }
    )
    pq.write_table(medications, GOOD / "medications.parquet")
    # workforce with fte stored as text: a wrong type (first value at record 1)
    wrong_type = pa.table(
        {
            "staff_id": ["S001", "S002"],
            "practice_code": ["J81002", "J81002"],
            "pcn_code": pa.array([None, None], pa.string()),
            "role": ["GP partner", "Practice nurse"],
            "fte": ["0.8", "1.0"],
            "age_band": ["45-49", "55-59"],
            "start_date": pa.array([dt.date(2010, 9, 1), None], pa.date32()),
        }
    )
    pq.write_table(wrong_type, HERE / "wrong_type.parquet")
    # patients where record 2 carries an NHS-number-like id (a made-up, invalid number)
    nhs_number = pa.table(
        {
            "patient_id": ["p-000001", "999 000 0000"],
            "practice_code": ["J81002", "J81002"],
            "sex": ["F", "M"],
            "birth_month": pa.array([dt.date(1938, 4, 1), dt.date(1961, 11, 1)]),
            "imd_decile": pa.array([3, None], pa.int64()),
            "ethnicity_group": ["White", "Asian"],
            "care_home_code": pa.array([None, None], pa.string()),
            "registration_date": pa.array([dt.date(1990, 5, 14), dt.date(2004, 2, 2)]),
            "deregistration_date": pa.array([None, None], pa.date32()),
            "death_date": pa.array([None, None], pa.date32()),
        }
    )
    pq.write_table(nhs_number, HERE / "nhs_number.parquet")


if __name__ == "__main__":
    main()
