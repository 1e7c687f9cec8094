"""CQC ratings reader: CQC's own latest-ratings layout and the HEEC republication, told apart by
their header; `openpcn import cqc FILE` upserts by practice and year, all or nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from tests.conftest import fingerprint, run_in_process
from tests.corpus import Refusal, assert_cli_refused, assert_refused, refusals

from openpcn.build import available_loaders
from openpcn.exceptions import InputError
from openpcn.sources import cqc
from openpcn.store.importer import conform
from openpcn.store.schema import TABLES
from openpcn.store.warehouse import write_tables

DATA = Path(__file__).resolve().parents[1] / "data"
SAMPLE = DATA / "good" / "cqc_latest_ratings_synthetic_sample.csv"


def test_the_published_layout_keeps_overall_practice_ratings_with_their_day() -> None:
    ratings = cqc.read(SAMPLE)
    assert list(ratings.columns) == TABLES["cqc_ratings"].column_names
    assert ratings.to_dict("records") == [
        {
            "practice_code": "J81002",
            "rating": "Good",
            "rating_year": 2019,
            "source": "CQC latest ratings",
            "rating_date": dt.date(2019, 3, 14),
        },
        {
            "practice_code": "J81003",
            "rating": "Outstanding",
            "rating_year": 2019,
            "source": "CQC latest ratings",
            "rating_date": dt.date(2019, 12, 2),
        },
        {
            "practice_code": "J81004",
            "rating": "Requires improvement",  # written in lower case in the file
            "rating_year": 2017,
            "source": "CQC latest ratings",
            "rating_date": dt.date(2017, 6, 30),
        },
        {
            "practice_code": "J81006",
            "rating": "Inadequate",
            "rating_year": 2018,
            "source": "CQC latest ratings",
            "rating_date": dt.date(2018, 11, 5),
        },
    ]
    assert ratings.attrs["row_numbers"] == [2, 5, 6, 8]


def test_the_note_counts_what_was_skipped() -> None:
    _, note = cqc.read_with_note(SAMPLE)
    assert note == (
        "4 practice ratings from the CQC latest ratings file; 2 rows of other locations skipped; "
        "2 domain or population-group rows skipped; 1 practices without a rating skipped"
    )


def test_headers_match_in_any_case_and_older_files_say_key_question(tmp_path: Path) -> None:
    text = SAMPLE.read_text().splitlines()
    header = text[0].upper().replace("DOMAIN", "Key Question")
    path = tmp_path / "ratings.csv"
    path.write_text("\n".join([header, *text[1:]]) + "\n")
    assert cqc.read(path)["practice_code"].tolist() == ["J81002", "J81003", "J81004", "J81006"]


def test_the_heec_layout_has_the_year_only() -> None:
    ratings = cqc.read(DATA / "good" / "cqc_sample.csv")
    assert ratings[["practice_code", "rating", "rating_year"]].values.tolist() == [
        ["J81039", "Good", 2016]
    ]
    assert ratings["rating_date"].isna().all()
    assert ratings["source"].tolist() == ["CQC via HEEC"]


@pytest.mark.parametrize("case", refusals(kind="cqc"))
def test_each_bad_file_names_its_reason_row_column_and_fix(case: Refusal) -> None:
    with pytest.raises(InputError) as caught:
        cqc.read(case.path)
    assert_refused(caught.value, case)


def test_an_unknown_header_lists_what_each_layout_needs() -> None:
    with pytest.raises(InputError) as caught:
        cqc.read(DATA / "bad" / "cqc_unknown_header.csv")
    assert "Location ODS Code" in caught.value.fix and "Practice.Code" in caught.value.fix


def test_the_loader_is_registered_and_upserts_by_practice_and_year() -> None:
    loaded = available_loaders()["cqc"](SAMPLE)
    assert loaded.merge_on == {"cqc_ratings": ("practice_code", "rating_year")}
    assert len(loaded.frames["cqc_ratings"]) == 4


# -- end to end through the command ---------------------------------------------------------------


def _warehouse(path: Path) -> None:
    """Two Dorset practices in one PCN; J81010 has a stored 2016 rating (year only)."""
    frames = {
        "commissioners": {"code": ["11J"], "name": ["NHS Dorset CCG"], "tier": ["CCG"]},
        "practices": {
            "practice_code": ["J81002", "J81003"],
            "name": ["Practice A", "Practice B"],
            "commissioner_code": ["11J", "11J"],
            "status": ["active", "active"],
        },
        "cqc_ratings": {
            "practice_code": ["J81010", "J81002"],
            "rating": ["Good", "Inadequate"],
            "rating_year": [2016, 2019],
            "source": ["CQC via HEEC"] * 2,
        },
    }
    write_tables(
        path, {name: conform(pd.DataFrame(data), TABLES[name]) for name, data in frames.items()}
    )


def test_import_refuses_a_bad_file_unchanged_then_upserts_a_good_one(
    tmp_path, monkeypatch, capsys
) -> None:
    _warehouse(tmp_path / "warehouse.duckdb")
    before = fingerprint(tmp_path)

    bad = Refusal(DATA / "bad" / "cqc_unknown_rating.csv", "cqc", 3, "Latest Rating",
                  "not a CQC rating")  # fmt: skip
    code, _, err = run_in_process(tmp_path, monkeypatch, capsys, "import", "cqc", str(bad.path))
    assert_cli_refused(code, err, bad)
    assert fingerprint(tmp_path) == before

    code, out, err = run_in_process(tmp_path, monkeypatch, capsys, "import", "cqc", str(SAMPLE))
    assert code == 0, err
    assert "4 practice ratings" in out
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        rows = con.execute(
            "SELECT practice_code, rating, rating_year, rating_date FROM cqc_ratings ORDER BY 1"
        ).fetchall()
    assert rows == [
        ("J81002", "Good", 2019, dt.date(2019, 3, 14)),  # replaced the stored 2019 rating
        ("J81003", "Outstanding", 2019, dt.date(2019, 12, 2)),
        # practices the warehouse does not hold are kept, as for every national publication
        ("J81004", "Requires improvement", 2017, dt.date(2017, 6, 30)),
        ("J81006", "Inadequate", 2018, dt.date(2018, 11, 5)),
        ("J81010", "Good", 2016, None),  # not in the file: kept
    ]
