"""The people a service worked with, as the service keeps them: a CSV of pseudonymous patient
ids and the date each joined (`patient_id,index_date`, ISO dates), for an evaluation study
(`openpcn evaluate new NAME --intervention FILE`).

Validated like every other reader, first failure wins: the header, the encoding and field
counts, no empty value, no NHS number (ids must be the warehouse's pseudonyms), a real ISO date
in range, each patient once; then (`check_known`) every id must be a patient of the warehouse.
Errors name the file, row and column and how to fix it, never an id: an unknown id is reported
by its row and the number of unknown ids, so a list of thousands prints none of them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import ibis
import pandas as pd

from openpcn.codes import NHS_NUMBER_LIKE, PSEUDONYM
from openpcn.exceptions import InputError
from openpcn.sources.common import (
    check_pattern,
    check_required,
    check_unique,
    fail_at,
    matches,
    parse_dates,
    read_csv_text,
)

COLUMNS = ("patient_id", "index_date")
EARLIEST = dt.date(1990, 1, 1)  # before any patient-level history a warehouse holds
FIRST_ROW = 2  # the header is row 1

People = tuple[tuple[str, dt.date], ...]


def read(path: Path) -> People:
    """(patient_id, index_date) pairs in file order, every rule above checked but the last."""
    name = path.name
    frame = read_csv_text(path, columns=COLUMNS)
    if frame.empty:
        raise InputError(
            "the file has a header but no patients",
            file=name,
            row=FIRST_ROW,
            fix="list one patient a line: patient_id,index_date (e.g. p-000123,2019-04-01)",
        )
    for column in COLUMNS:
        check_required(frame, column, file=name, fix=f"give a {column} on every line")
    fail_at(
        matches(frame["patient_id"], NHS_NUMBER_LIKE),
        "looks like an NHS number; the list must use the warehouse's pseudonymous ids",
        file=name,
        column="patient_id",
        fix="replace every NHS number with the patient's pseudonymous id before loading "
        "(6-64 letters, digits, '-' or '_', and not 10 digits)",
    )
    check_pattern(frame, "patient_id", PSEUDONYM, file=name, what="pseudonymous id")
    dates = parse_dates(frame, "index_date", "%Y-%m-%d", file=name, nullable=False)
    today = dt.date.today()
    fail_at(
        pd.Series([not EARLIEST <= d <= today for d in dates], index=frame.index, dtype=bool),
        "index date out of range",
        file=name,
        column="index_date",
        fix=f"index dates fall between {EARLIEST.isoformat()} and today",
    )
    check_unique(frame, ["patient_id"], file=name, what="patient (each patient once)")
    return tuple(zip(frame["patient_id"].astype(str), dates, strict=True))


def check_known(con: ibis.BaseBackend, people: People, file: str) -> None:
    """Every id is a patient of the warehouse; the first unknown one is named by its row."""
    ids = pd.DataFrame({"patient_id": [pid for pid, _ in people]})
    patients = con.table("patients").select("patient_id").distinct()
    asked = ibis.memtable(ids.drop_duplicates())
    known = con.execute(asked.semi_join(patients, "patient_id"))
    found = set(known["patient_id"].astype(str))
    unknown = ~ids["patient_id"].isin(found)
    count = int(unknown.sum())
    fail_at(
        unknown,
        f"not a patient of the warehouse ({count:,} of {len(ids):,} ids are unknown)",
        file=file,
        column="patient_id",
        fix="use the pseudonymous ids of the warehouse's extract (the same pseudonymisation "
        "key), or remove the patients who are not in it",
        first_row=FIRST_ROW,
    )


def read_checked(path: Path, con: ibis.BaseBackend) -> People:
    """`read`, then `check_known` against the warehouse."""
    people = read(path)
    check_known(con, people, path.name)
    return people
