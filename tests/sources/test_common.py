import csv
import io
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openpcn.codes import PCN_CODE, PRACTICE_CODE
from openpcn.exceptions import InputError
from openpcn.sources.common import (
    check_pattern,
    check_references,
    check_unique,
    parse_dates,
    parse_numbers,
    read_csv_text,
)


def write(tmp_path: Path, text: str | bytes, name: str = "in.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def test_reads_every_field_as_stripped_text_with_empty_as_missing(tmp_path):
    frame = read_csv_text(write(tmp_path, "code,n\n J81002 ,5\nJ81003,\n"), columns=["code"])
    assert frame["code"].tolist() == ["J81002", "J81003"]
    assert pd.isna(frame.loc[1, "n"])


def test_a_short_line_names_its_line_number(tmp_path):
    with pytest.raises(InputError) as caught:
        read_csv_text(write(tmp_path, "a,b\n1,2\n3\n"))
    assert caught.value.where.row == 3 and "expected 2 fields, found 1" in caught.value.what


def test_wrong_encoding_names_the_line_and_the_encoding(tmp_path):
    with pytest.raises(InputError) as caught:
        read_csv_text(write(tmp_path, b"a,b\n1,2\n3,Caf\xe9\n"))
    assert caught.value.where.row == 3 and "utf-8" in caught.value.what


def test_a_windows_1252_file_reads_with_the_fallback_and_only_then(tmp_path):
    """The QOF indicator mappings are Windows-1252: an en dash is byte 0x96, not UTF-8."""
    path = tmp_path / "mappings.csv"
    path.write_bytes(
        "code,description\nCVDPP,Cardiovascular disease \u2013 primary\n".encode("cp1252")
    )
    frame = read_csv_text(path, fallback="cp1252")
    assert frame["description"].tolist() == ["Cardiovascular disease \u2013 primary"]
    with pytest.raises(InputError) as caught:
        read_csv_text(path)
    assert caught.value.where.row == 2
    undefined = tmp_path / "neither.csv"  # 0x81 is not a character in either encoding
    undefined.write_bytes(b"code\nA\x81\n")
    with pytest.raises(InputError, match="not valid utf-8-sig or cp1252"):
        read_csv_text(undefined, fallback="cp1252")


def test_a_headerless_file_must_have_the_published_column_count(tmp_path):
    with pytest.raises(InputError) as caught:
        read_csv_text(write(tmp_path, "a,b,c\n"), header=False, columns=27)
    assert "expected 27 columns, found 3" in caught.value.what


def test_missing_header_columns_are_named(tmp_path):
    with pytest.raises(InputError) as caught:
        read_csv_text(write(tmp_path, "code\nJ81002\n"), columns=["code", "patients"])
    assert caught.value.where.column == "patients"


def test_code_patterns_accept_real_codes_and_name_the_bad_row():
    frame = pd.DataFrame(
        {"p": ["J81002", "Y01234", "J8100"], "u": ["U02749", None, "U1"]}, dtype="string"
    )
    check_pattern(frame.iloc[:2], "p", PRACTICE_CODE, file="f", what="practice code")
    with pytest.raises(InputError) as caught:
        check_pattern(frame, "p", PRACTICE_CODE, file="f", what="practice code")
    assert caught.value.where.row == 4 and "J81002" in caught.value.fix
    with pytest.raises(InputError) as caught:
        check_pattern(frame, "u", PCN_CODE, file="f", what="PCN code", nullable=True)
    assert caught.value.where.row == 4


def test_numbers_must_parse_and_not_be_negative():
    frame = pd.DataFrame({"n": ["1,234.5", "7", "-3"]}, dtype="string")
    assert parse_numbers(frame.iloc[:2], "n", file="f").tolist() == [1234.5, 7.0]
    with pytest.raises(InputError) as caught:
        parse_numbers(frame, "n", file="f")
    assert caught.value.where.row == 4 and "at least 0" in caught.value.what


def test_dates_parse_with_the_exact_format_or_name_the_row():
    frame = pd.DataFrame({"d": ["20191001", None, "2019-10-01"]}, dtype="string")
    parsed = parse_dates(frame.iloc[:2], "d", "%Y%m%d", file="f")
    assert str(parsed.iloc[0]) == "2019-10-01" and parsed.iloc[1] is None
    with pytest.raises(InputError) as caught:
        parse_dates(frame, "d", "%Y%m%d", file="f")
    assert caught.value.where.row == 4 and "YYYYMMDD" in caught.value.fix


def test_duplicates_and_unknown_references_name_the_offending_row():
    frame = pd.DataFrame({"p": ["J81002", "J81003", "J81002"]}, dtype="string")
    with pytest.raises(InputError) as caught:
        check_unique(frame, ["p"], file="f", what="practice")
    assert caught.value.where.row == 4
    with pytest.raises(InputError) as caught:
        check_references(frame, "p", {"J81002"}, file="f", what="practice code")
    assert caught.value.where.row == 3


TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufeff"),
    max_size=12,
)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.tuples(TEXT, TEXT, TEXT), min_size=1, max_size=8))
def test_any_table_written_as_csv_reads_back_as_the_same_text(tmp_path, rows):
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(["a", "b", "c"])
    writer.writerows(rows)
    path = write(tmp_path, buffer.getvalue(), name="roundtrip.csv")
    frame = read_csv_text(path, columns=["a", "b", "c"])
    expected = [[cell.strip() or None for cell in row] for row in rows]
    while expected and expected[-1] == [None, None, None]:
        expected.pop()  # trailing blank lines are dropped, nothing else
    got = [[None if pd.isna(v) else v for v in record] for record in frame.itertuples(index=False)]
    assert got == expected
