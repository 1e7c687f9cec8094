"""Patient-level extract files: typed when valid; refused with file, row, column and fix when not,
without ever quoting a patient-level value."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from openpcn.exceptions import InputError
from openpcn.sources import LOADERS
from openpcn.sources.extract import read_folder, read_table
from openpcn.store.schema import PATIENT_TABLES, TABLES

GOOD = Path(__file__).parents[1] / "data" / "good" / "extract"
PATIENTS = ",".join(TABLES["patients"].column_names)
WORKFORCE = ",".join(TABLES["workforce"].column_names)
ONE_PATIENT = "p-000001,J81002,F,1938-04-01,3,White,,1990-05-14,,"


def write(folder: Path, name: str, *lines: str) -> Path:
    path = folder / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def refusal(table: str, path: Path) -> InputError:
    with pytest.raises(InputError) as caught:
        read_table(table, path)
    return caught.value


def test_a_valid_patients_file_gives_typed_warehouse_columns():
    frame = read_table("patients", GOOD / "patients.csv")
    assert list(frame.columns) == TABLES["patients"].column_names
    assert frame["patient_id"].tolist() == ["p-000001", "p-000002", "p-000003", "p-000004"]
    assert frame["birth_month"].tolist()[0] == dt.date(1938, 4, 1)
    assert frame["imd_decile"].dtype == "Int64"
    assert frame["imd_decile"].isna().tolist() == [False, True, False, False]
    assert frame["deregistration_date"].tolist()[2] == dt.date(2020, 1, 31)
    assert frame["care_home_code"].isna().sum() == 3
    assert frame.attrs == {"file": "patients.csv", "first_row": 2}


def test_a_parquet_file_gives_the_same_types_as_csv():
    frame = read_table("medications", GOOD / "medications.parquet")
    assert frame["repeat"].dtype == "boolean"
    assert frame["repeat"].tolist() == [True, True, False]
    assert frame["date"].tolist()[0] == dt.date(2019, 9, 1)
    assert frame["bnf_code"].tolist()[0] == "0212000B0AAABAB"
    assert frame.attrs["first_row"] == 1


def test_csv_and_parquet_of_the_same_rows_read_identically(tmp_path):
    from_csv = read_table("patients", GOOD / "patients.csv")
    target = tmp_path / "patients.parquet"
    pq.write_table(pa.Table.from_pandas(from_csv, preserve_index=False), target)
    pd.testing.assert_frame_equal(read_table("patients", target), from_csv)


def test_parquet_integers_written_as_whole_floats_and_midnight_timestamps_are_accepted(tmp_path):
    target = tmp_path / "care_homes.parquet"
    data = {
        "care_home_code": ["1-101234567"],
        "name": ["Harbour View"],
        "beds": pa.array([42.0]),
        "lat": [50.7],
        "lon": [-1.9],
        "aligned_pcn_code": ["U83711"],
    }
    pq.write_table(pa.table(data), target)
    assert read_table("care_homes", target)["beds"].tolist() == [42]
    events = tmp_path / "events.parquet"
    stamps = pa.array([dt.datetime(2019, 10, 1)], pa.timestamp("us"))
    data = {"patient_id": ["p-000001"], "date": stamps, "snomed_code": ["38341003"]}
    pq.write_table(pa.table({**data, "value": pa.array([None], pa.float64())}), events)
    assert read_table("events", events)["date"].tolist() == [dt.date(2019, 10, 1)]


def test_a_whole_folder_reads_every_table_it_holds():
    frames = read_folder(GOOD)
    assert set(frames) == {t.name for t in PATIENT_TABLES}
    assert frames["events"].attrs["file"] == "extract/events.csv"
    assert frames["workforce"]["fte"].tolist() == [0.8, 1.0, 1.0]


def test_every_patient_table_and_the_folder_have_an_import_kind():
    assert {t.name for t in PATIENT_TABLES} | {"extract"} <= set(LOADERS)


@pytest.mark.parametrize("nhs_number", ["9434765919", "943 476 5919"])
def test_an_nhs_number_is_refused_without_being_repeated(tmp_path, nhs_number):
    row = ONE_PATIENT.replace("p-000001", nhs_number)
    error = refusal("patients", write(tmp_path, "p.csv", PATIENTS, ONE_PATIENT, row))
    assert (error.where.file, error.where.row, error.where.column) == ("p.csv", 3, "patient_id")
    assert "looks like an NHS number; extracts must be pseudonymised" in error.message
    assert "943" not in error.message


def test_parquet_rows_are_record_numbers_and_say_so(tmp_path):
    error = refusal("patients", GOOD.parents[1] / "bad" / "extract" / "nhs_number.parquet")
    assert (error.where.row, error.where.column) == (2, "patient_id")
    assert "Parquet record number" in error.message


@pytest.mark.parametrize(
    ("row", "column", "expected"),
    [
        (ONE_PATIENT.replace(",F,", ",X,"), "sex", "not an allowed value"),
        (ONE_PATIENT.replace(",White,", ",Purple,"), "ethnicity_group", "not an allowed value"),
        (ONE_PATIENT.replace(",3,", ",11,"), "imd_decile", "out of range"),
        (ONE_PATIENT.replace(",3,", ",2.5,"), "imd_decile", "not a whole number"),
        (ONE_PATIENT.replace("1938-04-01", "1938-04-17"), "birth_month", "first day of a month"),
        (ONE_PATIENT.replace("1938-04-01", "1899-12-01"), "birth_month", "date out of range"),
        (ONE_PATIENT.replace("1990-05-14", "2999-01-01"), "registration_date", "out of range"),
        (ONE_PATIENT.replace("1990-05-14", "14/05/1990"), "registration_date", "valid date"),
        (ONE_PATIENT.replace("1990-05-14", "1930-01-01"), "registration_date", "birth_month"),
        (ONE_PATIENT.replace("J81002", "J8100"), "practice_code", "not a valid practice code"),
        (ONE_PATIENT.replace(",F,", ",,"), "sex", "required value is empty"),
        (ONE_PATIENT.replace("p-000001", "p1"), "patient_id", "not a valid pseudonymous id"),
    ],
)
def test_a_bad_patient_value_names_its_line_and_column(tmp_path, row, column, expected):
    error = refusal("patients", write(tmp_path, "patients.csv", PATIENTS, row))
    assert (error.where.row, error.where.column) == (2, column)
    assert expected in error.message
    assert error.fix


@pytest.mark.parametrize(
    ("table", "header", "row", "column"),
    [
        ("events", "patient_id,date,snomed_code,value", "p-000001,2019-10-01,3834,", "snomed_code"),
        ("events", "patient_id,date,snomed_code,value", "p-000001,2019-10-01,38341003,1,5", None),
        (
            "medications",
            "patient_id,date,dmd_code,bnf_code,repeat",
            "p-000001,2019-09-01,320000009,ABC,true",
            "bnf_code",
        ),
        (
            "medications",
            "patient_id,date,dmd_code,bnf_code,repeat",
            "p-000001,2019-09-01,320000009,0212000B0AAABAB,yes",
            "repeat",
        ),
        (
            "hospital_activity",
            "patient_id,kind,start_date,end_date,los_days",
            "p-000001,ae,2019-12-01,2019-12-01,-1",
            "los_days",
        ),
        (
            "care_homes",
            "care_home_code,name,beds,lat,lon,aligned_pcn_code",
            "1-1,Home,10,40.0,-1.0,U83711",
            "lat",
        ),
        (
            "care_homes",
            "care_home_code,name,beds,lat,lon,aligned_pcn_code",
            "1-1,Home,10,50.0,-1.0,83711",
            "aligned_pcn_code",
        ),
        ("workforce", WORKFORCE, "S1,,,GP,1.0,,", "practice_code"),
        ("workforce", WORKFORCE, "S1,J81002,,GP,0,5,,", None),
        ("workforce", WORKFORCE, "S1,J81002,,GP,1.0,fifty,", "age_band"),
    ],
)
def test_other_tables_check_codes_values_and_ranges(tmp_path, table, header, row, column):
    error = refusal(table, write(tmp_path, f"{table}.csv", header, row))
    assert error.where.row == 2
    if column:
        assert error.where.column == column


def test_a_european_decimal_comma_is_not_silently_read_as_a_thousands_separator(tmp_path):
    path = write(tmp_path, "workforce.csv", WORKFORCE, 'S1,J81002,,GP,"0,5",,')
    error = refusal("workforce", path)
    assert (error.where.row, error.where.column) == (2, "fte")
    assert "decimal point" in error.fix


def test_a_header_with_an_extra_or_repeated_column_is_refused(tmp_path):
    error = refusal(
        "patients", write(tmp_path, "p.csv", PATIENTS + ",nhs_number", ONE_PATIENT + ",")
    )
    assert (error.where.row, error.where.column) == (1, "nhs_number")
    error = refusal("patients", write(tmp_path, "p.csv", PATIENTS + ",sex", ONE_PATIENT + ",F"))
    assert (error.where.row, error.where.column) == (1, "sex")


def test_columns_may_come_in_any_order(tmp_path):
    header = "value,snomed_code,date,patient_id"
    frame = read_table(
        "events", write(tmp_path, "e.csv", header, "140,271649006,2019-10-01,p-01abc")
    )
    assert list(frame.columns) == ["patient_id", "date", "snomed_code", "value"]
    assert frame["value"].tolist() == [140.0]


def test_a_header_only_file_is_a_valid_empty_table(tmp_path):
    frame = read_table("events", write(tmp_path, "e.csv", "patient_id,date,snomed_code,value"))
    assert frame.empty and list(frame.columns) == TABLES["events"].column_names


def test_a_parquet_column_of_the_wrong_type_names_the_first_record_with_a_value(tmp_path):
    target = tmp_path / "events.parquet"
    data = {
        "patient_id": ["p-000001", "p-000002"],
        "date": ["2019-10-01", "2019-10-02"],  # text, not a date column
        "snomed_code": ["38341003", "38341003"],
        "value": pa.array([None, None], pa.float64()),
    }
    pq.write_table(pa.table(data), target)
    error = refusal("events", target)
    assert (error.where.row, error.where.column) == (1, "date")
    assert "Parquet type string" in error.message


def test_a_file_that_is_not_parquet_is_refused(tmp_path):
    target = tmp_path / "events.parquet"
    target.write_bytes(b"not parquet at all")
    assert "not a readable Parquet file" in refusal("events", target).message


def test_only_csv_and_parquet_are_read(tmp_path):
    assert ".xlsx" in refusal("events", write(tmp_path, "events.xlsx", "x")).message


def test_a_folder_with_a_misnamed_or_doubled_table_is_refused(tmp_path):
    write(tmp_path, "patient.csv", PATIENTS, ONE_PATIENT)
    with pytest.raises(InputError, match="not the name of a patient-level table"):
        read_folder(tmp_path)
    (tmp_path / "patient.csv").rename(tmp_path / "patients.csv")
    pq.write_table(pa.table({"x": [1]}), tmp_path / "patients.parquet")
    with pytest.raises(InputError, match="given twice"):
        read_folder(tmp_path)


def test_an_empty_folder_is_refused(tmp_path):
    with pytest.raises(InputError, match="no extract tables"):
        read_folder(tmp_path)


def test_a_value_with_a_line_break_is_refused_so_rows_stay_lines(tmp_path):
    header = "care_home_code,name,beds,lat,lon,aligned_pcn_code"
    path = write(
        tmp_path,
        "care_homes.csv",
        header,
        '1-1,"Harbour View,\nWest Wing",10,50.7,-1.9,U83711',
        "1-2,Cliff House,-3,50.7,-1.9,U83711",
    )
    error = refusal("care_homes", path)
    assert (error.where.row, error.where.column) == (2, "name")


def test_windows_line_endings_and_a_byte_order_mark_are_fine(tmp_path):
    path = tmp_path / "events.csv"
    text = "patient_id,date,snomed_code,value\r\np-000001,2019-10-01,38341003, 12.5 \r\n"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    frame = read_table("events", path)
    assert frame["value"].tolist() == [12.5]
    assert frame["patient_id"].tolist() == ["p-000001"]
