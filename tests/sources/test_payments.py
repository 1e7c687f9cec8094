"""NHS Payments reader: both yearly layouts, fractional lists, unknowns as empty values."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from tests.corpus import Refusal, assert_refused, refusals

from openpcn.exceptions import InputError
from openpcn.sources import payments

DATA = Path(__file__).resolve().parents[1] / "data"


def test_2019_20_layout_with_pcn_columns() -> None:
    frame = payments.read(DATA / "good" / "payments_2019-20_sample.csv").set_index("practice_code")
    moordown = frame.loc["J81039"]
    assert moordown["registered_patients"] == 9209.25  # an average: fractions are real
    assert moordown["weighted_patients"] == pytest.approx(8045.8)
    assert moordown["pcn_code"] == "U02749"
    assert moordown["postcode"] == "BH9 2XF"  # "BH9  2XF" normalised
    assert moordown["open_date"] == dt.date(1990, 8, 1)
    assert (moordown["contract_type"], moordown["rurality"]) == ("PMS", "Urban")
    assert not moordown["dispensing"]
    assert bool(frame.loc["J81609", "dispensing"]) is True
    walk_in = frame.loc["Y02080"]
    assert pd.isna(walk_in["pcn_code"])  # "Unknown or no PCN"
    assert pd.isna(walk_in["contract_type"]) and pd.isna(walk_in["dispensing"])  # UNKNOWN
    assert walk_in["practice_type"] == "Walk in centre"


def test_2018_19_layout_has_no_pcn() -> None:
    frame = payments.read(DATA / "good" / "payments_2018-19_sample.csv")
    assert frame["pcn_code"].isna().all()
    assert frame.set_index("practice_code").loc["J81039", "registered_patients"] == 8870.5


def test_latin1_file_is_read(tmp_path: Path) -> None:
    lines = (DATA / "good" / "payments_2018-19_sample.csv").read_text().splitlines()
    target = tmp_path / "payments_2018-19.csv"
    target.write_bytes(
        ("\n".join([lines[0], lines[1].replace("MOORDOWN", "MOORD\xc9WN")]) + "\n").encode(
            "latin-1"
        )
    )
    assert payments.read(target)["practice_name"].iloc[0].startswith("MOORD\xc9WN")


def test_practice_lists_are_dated_1_january() -> None:
    frame = payments.read(DATA / "good" / "payments_2019-20_sample.csv")
    lists = payments.practice_lists(frame, "2019-20")
    assert set(lists["as_of"]) == {dt.date(2020, 1, 1)}
    assert set(lists["source"]) == {"NHS Payments 2019-20 (last known figure)"}


def test_loader_needs_the_year_in_the_file_name(tmp_path: Path) -> None:
    loaded = payments.load(DATA / "good" / "payments_2019-20_sample.csv")
    assert loaded.merge_on["practices"] == ("practice_code",)
    assert list(loaded.frames["practices"].columns) == [
        "practice_code",
        "rurality",
        "dispensing",
        "contract_type",
    ]
    # The walk-in centre Y02080 is not a practice: left out, as in the reference build.
    assert loaded.frames["practices"]["practice_code"].tolist() == ["J81039", "J81609"]
    unnamed = tmp_path / "payments.csv"
    unnamed.write_bytes((DATA / "good" / "payments_2019-20_sample.csv").read_bytes())
    with pytest.raises(InputError, match="financial year"):
        payments.load(unnamed)


@pytest.mark.parametrize("case", refusals(kind="payments"))
def test_bad_files_name_their_reason_row_column_and_fix(case: Refusal) -> None:
    with pytest.raises(InputError) as caught:
        payments.read(case.path)
    assert_refused(caught.value, case)
