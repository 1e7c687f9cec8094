"""NHS Digital "NHS Payments to General Practice, England" (one CSV per financial year).

Published as latin-1 (older years) with a header row; 2019-20 onwards adds "PCN Code" and
"PCN Name". Registered and weighted patients are the "last known figure", often averages of
quarterly lists, so fractional values (.25, .5, .75) are genuine and kept as floats.
"UNKNOWN" / "MISSING" categories and "Unknown or no PCN" become empty values.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd

from openpcn.codes import COMMISSIONER_CODE, PCN_CODE, PRACTICE_CODE
from openpcn.exceptions import InputError
from openpcn.sources import loader
from openpcn.sources.common import (
    check_pattern,
    check_required,
    check_unique,
    fail_at,
    normalise_postcode,
    parse_dates,
    parse_numbers,
    read_csv_text,
)
from openpcn.store.importer import Loaded

REGISTERED = "Number of Registered Patients (Last Known Figure)"
WEIGHTED = "Number of Weighted Patients (Last Known Figure)"
REQUIRED = [
    "CCG Code",
    "CCG NAME",
    "Practice Code",
    "Practice Name",
    "Practice Postcode",
    "Practice Open Date",
    "Practice Close Date",
    "Contract Type",
    "Dispensing Practice",
    "Practice Rurality",
    REGISTERED,
    WEIGHTED,
]
NO_PCN = "Unknown or no PCN"
CONTRACTS = {"GMS", "PMS", "APMS"}
RURALITY = {"Urban", "Rural"}
DISPENSING = {"Yes": True, "No": False}
UNKNOWN = {"UNKNOWN", "MISSING"}
YEAR_IN_NAME = re.compile(r"(20\d\d)-(\d\d)")


def _encoding(path: Path) -> str:
    """UTF-8 when the bytes are valid UTF-8 (newer files), else latin-1 (as published)."""
    raw = path.read_bytes() if path.exists() else b""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return "latin-1"
    return "utf-8-sig"


def _category(frame: pd.DataFrame, column: str, allowed: set[str], file: str) -> pd.Series:
    values = frame[column].mask(frame[column].isin(list(UNKNOWN)))
    fail_at(
        values.notna() & ~values.isin(list(allowed)),
        f"unexpected value in {column}",
        file=file,
        column=column,
        fix=f"use one of: {', '.join(sorted(allowed))} (or UNKNOWN)",
    )
    return values.astype("string")


def read(path: Path) -> pd.DataFrame:
    """One typed row per practice.

    Columns: practice_code, practice_name, commissioner_code, commissioner_name, pcn_code,
    pcn_name, postcode, open_date, close_date, practice_type ("GP practice", "Walk in centre",
    ...), contract_type, dispensing, rurality,
    registered_patients, weighted_patients. PCN columns are empty for years before 2019-20.
    """
    name = path.name
    frame = read_csv_text(path, encoding=_encoding(path), columns=REQUIRED)
    check_pattern(frame, "Practice Code", PRACTICE_CODE, file=name, what="practice code")
    check_unique(frame, ["Practice Code"], file=name, what="practice")
    check_required(frame, "Practice Name", file=name)
    check_pattern(frame, "CCG Code", COMMISSIONER_CODE, file=name, what="commissioner code")
    if "PCN Code" in frame:
        pcn = frame["PCN Code"].mask(frame["PCN Code"] == NO_PCN)
        check_pattern(
            frame.assign(**{"PCN Code": pcn}),
            "PCN Code",
            PCN_CODE,
            file=name,
            what="PCN code",
            nullable=True,
        )
        pcn_name = frame.get("PCN Name", pcn).mask(pcn.isna())
    else:
        pcn = pcn_name = pd.Series(pd.NA, index=frame.index, dtype="string")
    dispensing = _category(frame, "Dispensing Practice", set(DISPENSING), name)
    return pd.DataFrame(
        {
            "practice_code": frame["Practice Code"],
            "practice_name": frame["Practice Name"],
            "commissioner_code": frame["CCG Code"],
            "commissioner_name": frame["CCG NAME"],
            "pcn_code": pcn.astype("string"),
            "pcn_name": pcn_name.astype("string"),
            "postcode": normalise_postcode(frame["Practice Postcode"]),
            "open_date": parse_dates(frame, "Practice Open Date", "%d/%m/%Y", file=name),
            "close_date": parse_dates(frame, "Practice Close Date", "%d/%m/%Y", file=name),
            "practice_type": frame.get("Practice Type", pd.Series(pd.NA, index=frame.index)).astype(
                "string"
            ),
            "contract_type": _category(frame, "Contract Type", CONTRACTS, name),
            "dispensing": dispensing.map(DISPENSING).astype("boolean"),
            "rurality": _category(frame, "Practice Rurality", RURALITY, name),
            "registered_patients": parse_numbers(frame, REGISTERED, file=name),
            "weighted_patients": parse_numbers(frame, WEIGHTED, file=name),
        }
    )


def year_of(path: Path) -> str:
    """The financial year ("2019-20") in the file name; the file itself does not say."""
    found = YEAR_IN_NAME.search(path.name)
    if not found or int(found.group(2)) != (int(found.group(1)) + 1) % 100:
        raise InputError(
            "cannot tell the financial year of this payments file from its name",
            file=path.name,
            fix="name the file with its year as published, e.g. payments_2019-20.csv",
        )
    return found.group(0)


def practice_lists(payments: pd.DataFrame, year: str) -> pd.DataFrame:
    """List sizes as `practice_lists` rows, dated 1 January of the financial year."""
    as_of = dt.date(int(year[:4]) + 1, 1, 1)
    return pd.DataFrame(
        {
            "practice_code": payments["practice_code"],
            "as_of": pd.Series([as_of] * len(payments), index=payments.index, dtype="object"),
            "registered_patients": payments["registered_patients"],
            "weighted_patients": payments["weighted_patients"],
            "source": pd.Series(
                f"NHS Payments {year} (last known figure)", index=payments.index, dtype="string"
            ),
        }
    )


@loader("payments")
def load(path: Path) -> Loaded:
    """Add the year's list sizes; update practices' rurality, dispensing and contract type."""
    year = year_of(path)
    payments = read(path)
    # Walk-in and out-of-hours centres (0 patients) are not practices in the warehouse.
    payments = payments[payments["practice_type"].fillna("GP practice").eq("GP practice")]
    attributes = payments[["practice_code", "rurality", "dispensing", "contract_type"]]
    return Loaded(
        frames={"practice_lists": practice_lists(payments, year), "practices": attributes},
        merge_on={
            "practice_lists": ("practice_code", "as_of", "source"),
            "practices": ("practice_code",),
        },
        note=f"{len(payments)} practices from NHS Payments {year}",
    )
