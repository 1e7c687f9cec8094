"""A PCN's record of payments received is read whole or not at all: months as YYYY-MM, streams
by key or label, pounds and pence with or without a £ sign and commas; a bad row names the
file, row, column and fix."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from openpcn.exceptions import InputError
from openpcn.sources.received_payments import read_received

STREAMS = {"core": "Core PCN funding", "clinical_director": "Clinical director"}


def write(tmp_path, text):
    path = tmp_path / "received.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_rows_are_read_with_keys_or_labels_and_pounds_in_any_usual_spelling(tmp_path):
    path = write(
        tmp_path,
        'month,stream,amount,note\n2019-07,core,4471.88,x\n2019-07,Clinical Director,"£1,531.52",\n'
        "2019-08,CORE,-12.5,recovery\n",
    )
    rows = read_received(path, STREAMS)
    assert [(r.month, r.stream, r.amount, r.row) for r in rows] == [
        (dt.date(2019, 7, 1), "core", Decimal("4471.88"), 2),
        (dt.date(2019, 7, 1), "clinical_director", Decimal("1531.52"), 3),
        (dt.date(2019, 8, 1), "core", Decimal("-12.50"), 4),
    ]


@pytest.mark.parametrize(
    ("line", "column", "fix"),
    [
        ("July 2019,core,1.00", "month", "YYYY-MM"),
        ("2019-13,core,1.00", "month", "YYYY-MM"),
        ("2019-07,arrs_claims,1.00", "stream", "core, clinical_director"),
        ("2019-07,core,1.005", "amount", "pounds and pence"),
        ("2019-07,core,ten", "amount", "pounds and pence"),
        ("2019-07,core,", "amount", None),
    ],
)
def test_a_bad_row_names_the_file_row_column_and_fix(tmp_path, line, column, fix):
    path = write(tmp_path, f"month,stream,amount\n2019-07,core,1.00\n{line}\n")
    with pytest.raises(InputError) as refused:
        read_received(path, STREAMS)
    error = refused.value
    assert (error.where.file, error.where.row, error.where.column) == (
        "received.csv",
        3,
        column,
    )
    if fix:
        assert fix in error.fix


def test_a_file_without_the_columns_is_refused(tmp_path):
    with pytest.raises(InputError) as refused:
        read_received(write(tmp_path, "date,amount\n2019-07,1\n"), STREAMS)
    assert "stream" in str(refused.value) or "month" in str(refused.value)
