"""ODS epraccur reader: GP practices kept, non-England codes tolerated, errors located."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from tests.corpus import Refusal, assert_refused, refusals

from openpcn.exceptions import InputError
from openpcn.sources import epraccur

DATA = Path(__file__).resolve().parents[1] / "data"


def test_keeps_gp_practices_with_typed_fields() -> None:
    practices = epraccur.read(DATA / "good" / "epraccur_sample.csv")
    assert list(practices.columns) == epraccur.PRACTICE_COLUMNS
    # ALD200 (Alderney, setting 0) is dropped; the other four are setting-4 practices.
    assert practices["practice_code"].tolist() == ["J81003", "J81031", "J81039", "A81003"]
    row = practices.set_index("practice_code").loc["J81031"]
    assert row["status"] == "dormant"
    assert row["commissioner_code"] == "11J"
    assert row["postcode"] == "DT11 7DQ"
    assert row["open_date"] == dt.date(1974, 4, 1)
    assert row["close_date"] is None
    closed = practices.set_index("practice_code").loc["A81003"]
    assert (closed["status"], closed["close_date"]) == ("closed", dt.date(2017, 10, 31))


def test_read_all_keeps_other_organisations_with_their_setting() -> None:
    everything = epraccur.read_all(DATA / "good" / "epraccur_sample.csv")
    settings = dict(
        zip(everything["practice_code"], everything["prescribing_setting"], strict=True)
    )
    assert settings["ALD200"] == "0"
    assert settings["J81039"] == "4"


@pytest.mark.parametrize("case", refusals(kind="epraccur"))
def test_bad_files_name_their_reason_row_column_and_fix(case: Refusal) -> None:
    with pytest.raises(InputError) as caught:
        epraccur.read(case.path)
    assert_refused(caught.value, case)


def test_unknown_status_is_rejected(tmp_path: Path) -> None:
    good = (DATA / "good" / "epraccur_sample.csv").read_text().splitlines()
    bad = tmp_path / "epraccur.csv"
    bad.write_text("\n".join([good[0], good[1].replace('"D","B"', '"X","B"')]) + "\n")
    with pytest.raises(InputError) as caught:
        epraccur.read(bad)
    assert caught.value.where.row == 2
    assert caught.value.where.column == "field 13 (status code)"


def test_loader_updates_practices_by_code() -> None:
    loaded = epraccur.load(DATA / "good" / "epraccur_sample.csv")
    assert loaded.merge_on == {"practices": ("practice_code",)}
    assert len(loaded.frames["practices"]) == 4
