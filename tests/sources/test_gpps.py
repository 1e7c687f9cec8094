"""GP Patient Survey reader: the published practice-level CSV (columns per year from
gpps_measures.toml, year from a column or the file name, the survey's own suppression) and the
gp_takeovers extract; `openpcn import gpps FILE` upserts by practice, year and measure."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest
from tests.conftest import fingerprint, run_in_process
from tests.corpus import Refusal, assert_cli_refused, assert_refused, refusals

from openpcn.build import available_loaders
from openpcn.exceptions import InputError
from openpcn.sources import gpps
from openpcn.store.importer import conform
from openpcn.store.schema import TABLES
from openpcn.store.warehouse import write_tables

DATA = Path(__file__).resolve().parents[1] / "data"
SAMPLE = DATA / "good" / "GPPS_2019_Practice_data_synthetic_sample.csv"
HEADER = "Practice_Code,Practice_Name,Q18base,Q18_12pct,Q28base,Q28_12pct"


def _records(frame: pd.DataFrame) -> list[tuple]:
    rows = frame.sort_values(["practice_code", "measure"])
    return [
        (r.practice_code, r.year, r.measure, round(r.value_pct, 6), r.responses)
        for r in rows.itertuples()
    ]


def test_the_published_layout_gives_percentages_with_rounded_response_counts() -> None:
    survey = gpps.read(SAMPLE)
    assert list(survey.columns) == TABLES["gpps"].column_names
    assert _records(survey) == [
        ("J81002", 2019, "appointment_good", 81.73, 111),  # base 110.6 rounds to 111
        ("J81002", 2019, "overall_good", 93.32, 118),
        ("J81003", 2019, "appointment_good", 63.67, 94),
        ("J81003", 2019, "overall_good", 84.95, 95),
        # J81004 appointment_good: base 8.7 (9 responses) is under 10, so the value is dropped
        ("J81004", 2019, "overall_good", 88.62, 12),
        # J81005: both cells suppressed ("*" and -97)
        ("J81006", 2019, "appointment_good", 80.0, 100),  # base 99.5 rounds to 100
        ("J81006", 2019, "overall_good", 100.0, 100),
    ]
    assert set(survey["source"]) == {"GP Patient Survey 2019"}


def test_the_note_counts_suppressed_and_dropped_values() -> None:
    _, note = gpps.read_with_note(SAMPLE)
    assert note == (
        "7 practice results (4 practices, survey 2019) from the published survey file; "
        "percentages read as proportions (0-1); 2 cells suppressed or not published; "
        "1 values dropped (base under 10)"
    )


def test_percentages_on_0_to_100_are_read_as_they_are(tmp_path: Path) -> None:
    path = tmp_path / "GPPS_2020_Practice_data_(weighted)_(csv)_PUBLIC.csv"
    path.write_text(f"{HEADER}\nJ81002,A,50,81.5,60,93.25\nJ81003,B,40,NA,40,\n")
    assert _records(gpps.read(path)) == [
        ("J81002", 2020, "appointment_good", 81.5, 50),
        ("J81002", 2020, "overall_good", 93.25, 60),
    ]


def test_a_year_column_wins_over_the_file_name_and_headers_match_in_any_case(
    tmp_path: Path,
) -> None:
    path = tmp_path / "GPPS_2019_Practice_data_(weighted)_(csv)_PUBLIC.csv"
    path.write_text(
        f"{HEADER.lower()},year\nJ81002,A,50,0.8,60,0.9,2021\nJ81003,B,40,0.7,40,0.75,2022\n"
    )
    survey = gpps.read(path)
    assert sorted(set(zip(survey["practice_code"], survey["year"], strict=True))) == [
        ("J81002", 2021),
        ("J81003", 2022),
    ]
    assert set(survey["source"]) == {"GP Patient Survey 2021", "GP Patient Survey 2022"}


def test_the_2018_published_name_with_spaces_gives_the_year(tmp_path: Path) -> None:
    path = tmp_path / "GPPS 2018 Practice data (weighted) (csv) PUBLIC.csv"
    path.write_text(f"{HEADER}\nJ81002,A,50,0.8,60,0.9\n")
    assert set(gpps.read(path)["year"]) == {2018}


def test_the_gp_takeovers_extract_has_no_response_counts() -> None:
    survey, note = gpps.read_with_note(DATA / "good" / "gpps_sample.csv")
    assert sorted(survey["measure"]) == ["appointment_good", "overall_good"]
    assert set(survey["practice_code"]) == {"J81039"}  # J81040 is NA (not published)
    assert survey["responses"].isna().all()
    assert "no response counts" in note


@pytest.mark.parametrize("case", refusals(kind="gpps"))
def test_each_bad_file_names_its_reason_row_column_and_fix(case: Refusal) -> None:
    with pytest.raises(InputError) as caught:
        gpps.read(case.path)
    assert_refused(caught.value, case)


def test_an_unmapped_year_names_the_years_known_and_no_year_says_how_to_name_the_file() -> None:
    with pytest.raises(InputError) as unmapped:
        gpps.read(DATA / "bad" / "GPPS_2012_Practice_data_unmapped_year.csv")
    assert "2018-2023" in unmapped.value.fix
    with pytest.raises(InputError) as nameless:
        gpps.read(DATA / "bad" / "gpps_practice_data_no_year.csv")
    assert "GPPS_2019_Practice_data_(weighted)_(csv)_PUBLIC.csv" in nameless.value.fix


def test_the_loader_is_registered_and_upserts_by_practice_year_and_measure() -> None:
    loaded = available_loaders()["gpps"](SAMPLE)
    assert loaded.merge_on == {"gpps": ("practice_code", "year", "measure")}
    assert len(loaded.frames["gpps"]) == 7


# -- end to end through the command ---------------------------------------------------------------


def _warehouse(path: Path) -> None:
    """Two practices; stored survey rows: J81002 2019 (percentage only) and 2018."""
    frames = {
        "commissioners": {"code": ["11J"], "name": ["NHS Dorset CCG"], "tier": ["CCG"]},
        "practices": {
            "practice_code": ["J81002", "J81003"],
            "name": ["Practice A", "Practice B"],
            "commissioner_code": ["11J", "11J"],
            "status": ["active", "active"],
        },
        "gpps": {
            "practice_code": ["J81002", "J81002"],
            "year": [2019, 2018],
            "measure": ["overall_good", "overall_good"],
            "value_pct": [96.5, 90.0],
            "source": ["GP Patient Survey 2019", "GP Patient Survey 2018"],
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

    bad = Refusal(DATA / "bad" / "GPPS_2019_Practice_data_pct_above_100.csv", "gpps", 3,
                  "Q28_12pct", "a percentage above 100")  # fmt: skip
    code, _, err = run_in_process(tmp_path, monkeypatch, capsys, "import", "gpps", str(bad.path))
    assert_cli_refused(code, err, bad)
    assert fingerprint(tmp_path) == before

    code, out, err = run_in_process(tmp_path, monkeypatch, capsys, "import", "gpps", str(SAMPLE))
    assert code == 0, err
    assert "7 practice results" in out
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        rows = con.execute(
            "SELECT practice_code, year, measure, round(value_pct, 2), responses FROM gpps "
            "WHERE practice_code = 'J81002' ORDER BY year, measure"
        ).fetchall()
        total = con.execute("SELECT count(*) FROM gpps").fetchone()[0]
    assert rows == [
        ("J81002", 2018, "overall_good", 90.0, None),  # another year: kept
        ("J81002", 2019, "appointment_good", 81.73, 111),
        ("J81002", 2019, "overall_good", 93.32, 118),  # replaced, now with its count
    ]
    assert total == 8


def test_a_response_count_that_is_not_a_number_is_refused_saying_so(tmp_path: Path) -> None:
    # Q28base (the number of responses) is "abc" on the first data row (file row 2): the file
    # must be refused at that file, row and column, and the reason must be that it is not a
    # number, not some later symptom (such as a percentage without its base).
    path = tmp_path / "GPPS_2019_Practice_data.csv"
    path.write_text(f"{HEADER}\nJ81002,SYNTHETIC PRACTICE,110,0.81,abc,0.93\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        gpps.read(path)
    error = caught.value
    assert (error.where.file, error.where.row, error.where.column) == (path.name, 2, "Q28base")
    assert error.what == "not a number"
