"""QOF raw prevalence, indicator mappings and organisation reference: what is kept, what is
refused (file, row, column, fix), and the year."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from tests.corpus import Refusal, assert_refused, refusals

from openpcn.exceptions import InputError, UserError
from openpcn.sources import qof_organisation, qof_prevalence
from openpcn.store.schema import TABLES

DATA = Path(__file__).resolve().parents[1] / "data"
SAMPLE = DATA / "good" / "qof_prevalence_sample.csv"
MAPPINGS = DATA / "good" / "qof_indicator_mappings_sample.csv"
ORGANISATIONS = DATA / "good" / "qof_organisation_reference_sample.csv"


@pytest.mark.parametrize("text", ["2018/19", " 2017/18 ", "1999/00"])
def test_a_qof_year_is_two_consecutive_years(text: str) -> None:
    assert qof_prevalence.qof_year(text) == text.strip()


@pytest.mark.parametrize("text", ["2018/20", "2018-19", "2018/2019", "18/19", "2018"])
def test_other_year_forms_are_refused_with_the_form_to_use(text: str) -> None:
    with pytest.raises(UserError) as caught:
        qof_prevalence.qof_year(text)
    assert caught.value.where.column == "--year"
    assert "YYYY/YY" in (caught.value.fix or "")


def test_every_row_is_kept_and_an_unpublished_register_is_empty() -> None:
    rows, note = qof_prevalence.read(SAMPLE, "2018/19")
    assert list(rows.columns) == TABLES["qof_prevalence"].column_names
    by_key = rows.set_index(["practice_code", "group_code"])
    assert len(rows) == 6
    assert by_key.loc[("J81002", "DM"), ["register", "list_type", "list_size"]].tolist() == [
        510,
        "17OV",
        8500,
    ]
    assert by_key.loc[("J81003", "HYP"), "register"] is pd.NA  # blank
    assert by_key.loc[("J81003", "DM"), "register"] is pd.NA  # NA
    assert by_key.loc[("J81003", "HYP"), "list_size"] == 5000
    assert set(rows["year"]) == {"2018/19"}
    assert set(rows["source"]) == {"NHS Digital QOF 2018/19 raw prevalence"}
    assert "2 not published" in note and "0 larger than their list" in note


def test_a_register_above_its_list_is_kept_and_counted(tmp_path: Path) -> None:
    """As in the 2018/19 publication (Y05750 LD: 141 on a list of 136)."""
    path = tmp_path / "prev.csv"
    path.write_text(
        "PRACTICE_CODE,INDICATOR_GROUP_CODE,REGISTER,PATIENT_LIST_TYPE,PATIENT_LIST_SIZE\n"
        "Y05750,LD,141,TOTAL,136\n"
    )
    rows, note = qof_prevalence.read(path, "2018/19")
    assert rows["register"].tolist() == [141]
    assert "1 larger than their list, kept as published" in note


def test_a_group_with_two_list_types_in_one_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "prev.csv"
    path.write_text(
        "PRACTICE_CODE,INDICATOR_GROUP_CODE,REGISTER,PATIENT_LIST_TYPE,PATIENT_LIST_SIZE\n"
        "J81002,DM,510,17OV,8500\nJ81003,DM,200,18OV,4000\n"
    )
    with pytest.raises(InputError) as caught:
        qof_prevalence.read(path, "2018/19")
    assert (caught.value.where.row, caught.value.where.column) == (3, "PATIENT_LIST_TYPE")


@pytest.mark.parametrize("case", refusals(kind="qof-prevalence"))
def test_each_bad_file_names_its_reason_row_column_and_fix(case: Refusal) -> None:
    with pytest.raises(InputError) as caught:
        qof_prevalence.read(case.path, "2018/19")
    assert_refused(caught.value, case)


def test_an_unknown_list_type_lists_the_types_allowed() -> None:
    with pytest.raises(InputError) as caught:
        qof_prevalence.read(DATA / "bad" / "qof_prevalence_unknown_list_type.csv", "2018/19")
    assert "TOTAL" in caught.value.fix and "50OV" in caught.value.fix


def test_the_mappings_give_one_row_per_group_from_a_windows_1252_file() -> None:
    MAPPINGS.read_bytes().decode("cp1252")  # the sample is cp1252, like the published file
    with pytest.raises(UnicodeDecodeError):
        MAPPINGS.read_bytes().decode("utf-8")
    groups = qof_prevalence.read_groups(MAPPINGS, "2018/19")
    assert list(groups.columns) == TABLES["qof_groups"].column_names
    assert groups.set_index("group_code")[["description", "list_type"]].to_dict("index") == {
        "HYP": {"description": "Hypertension", "list_type": "TOTAL"},
        "DM": {"description": "Diabetes mellitus", "list_type": "17OV"},
        "OST": {
            "description": "Osteoporosis: secondary prevention of fragility",
            "list_type": "50OV",
        },
        "CVDPP": {
            "description": "Cardiovascular disease – primary prevention",
            "list_type": "30_74",
        },
    }


def test_mappings_giving_a_group_two_list_types_are_refused() -> None:
    with pytest.raises(InputError) as caught:
        qof_prevalence.read_groups(
            DATA / "bad" / "qof_indicator_mappings_two_list_types.csv", "2018/19"
        )
    where = caught.value.where
    assert (where.row, where.column) == (3, "PATIENT_LIST_TYPE")


def test_the_organisation_reference_as_qof_practices() -> None:
    rows = qof_organisation.read_practices(ORGANISATIONS, "2018/19")
    assert list(rows.columns) == TABLES["qof_practices"].column_names
    assert rows.iloc[0].to_dict() == {
        "year": "2018/19",
        "practice_code": "J81002",
        "practice_name": "Practice A",
        "ccg_code": "11J",
        "stp_code": "E54000041",
        "region_code": "Y58",
        "source": "NHS Digital QOF 2018/19 organisation reference",
    }


def test_the_loader_needs_a_year_and_checks_the_files_agree(tmp_path: Path) -> None:
    with pytest.raises(UserError) as caught:
        qof_prevalence.load(SAMPLE)
    assert caught.value.where.column == "--year"
    loaded = qof_prevalence.load(
        SAMPLE, year="2018/19", organisations=ORGANISATIONS, indicators=MAPPINGS
    )
    assert set(loaded.frames) == {"qof_prevalence", "qof_groups", "qof_practices"}
    assert loaded.replace_by == {name: ("year",) for name in loaded.frames}
    other = tmp_path / "mappings.csv"
    other.write_text(
        "INDICATOR_GROUP_CODE,INDICATOR_GROUP_DESCRIPTION,PATIENT_LIST_TYPE\n"
        "DM,Diabetes mellitus,18OV\n"
    )
    with pytest.raises(InputError) as caught:
        qof_prevalence.load(SAMPLE, year="2018/19", indicators=other)
    where = caught.value.where
    assert (where.file, where.row, where.column) == (SAMPLE.name, 3, "PATIENT_LIST_TYPE")
