"""NHS Digital registrations reader: practice totals from both header layouts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from tests.corpus import Refusal, assert_refused, refusals

from openpcn.exceptions import InputError
from openpcn.sources import registrations
from openpcn.store.schema import TABLES

DATA = Path(__file__).resolve().parents[1] / "data"


def test_keeps_the_all_sex_all_age_totals() -> None:
    lists = registrations.read(DATA / "good" / "gp-reg-pat-prac-all.csv")
    assert list(lists.columns) == TABLES["practice_lists"].column_names
    assert dict(zip(lists["practice_code"], lists["registered_patients"], strict=True)) == {
        "J81039": 9231.0,
        "J81609": 3047.0,
        "J81083": 3120.0,
    }
    assert set(lists["as_of"]) == {dt.date(2019, 7, 1)}
    assert set(lists["source"]) == {"NHS Digital registrations"}
    assert lists["weighted_patients"].isna().all()


def test_sub_icb_layout_and_iso_dates() -> None:
    lists = registrations.read(DATA / "good" / "gp-reg-pat-prac-all_sub_icb.csv")
    assert lists[["practice_code", "registered_patients"]].values.tolist() == [["J81039", 9805.0]]
    assert lists["as_of"].tolist() == [dt.date(2023, 5, 1)]


@pytest.mark.parametrize("case", refusals(kind="registrations"))
def test_bad_files_name_their_reason_row_column_and_fix(case: Refusal) -> None:
    with pytest.raises(InputError) as caught:
        registrations.read(case.path)
    assert_refused(caught.value, case)


def test_missing_column_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "gp-reg-pat-prac-all.csv"
    bad.write_text("PUBLICATION,EXTRACT_DATE,TYPE,CODE,SEX,AGE\nX,01JUL2019,GP,J81039,ALL,ALL\n")
    with pytest.raises(InputError) as caught:
        registrations.read(bad)
    assert (caught.value.where.row, caught.value.where.column) == (1, "POSTCODE")


def test_unparseable_extract_date(tmp_path: Path) -> None:
    text = (DATA / "good" / "gp-reg-pat-prac-all.csv").read_text().replace("01JUL2019", "July", 1)
    bad = tmp_path / "gp-reg-pat-prac-all.csv"
    bad.write_text(text)
    with pytest.raises(InputError) as caught:
        registrations.read(bad)
    assert (caught.value.where.row, caught.value.where.column) == (2, "EXTRACT_DATE")
