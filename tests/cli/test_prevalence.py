"""`openpcn prevalence summary | records | compare` on the small ICS of tests/prevalence."""

import json

import pytest
from tests.conftest import run_in_process
from tests.prevalence.conftest import small_ics_tables


@pytest.fixture
def home(tmp_path, build):
    build(tmp_path / "warehouse.duckdb", **small_ics_tables()).disconnect()
    return tmp_path


def test_compare_json_flags_the_planted_under_recording(home, monkeypatch, capsys):
    code, stdout, _ = run_in_process(
        home, monkeypatch, capsys, "prevalence", "compare", "--ics", "11J", "--json"
    )
    assert code == 0
    result = json.loads(stdout)
    assert result["year"] == "2018/19"
    flagged = [r["practice_code"] for r in result["practices"] if r["status"] == "flag"]
    assert flagged == ["X2"]
    assert result["summary"]["by_condition"]["HYP"]["recorded_pct"] == pytest.approx(12.5)


def test_records_json_lists_practice_condition_register_and_list_size(home, monkeypatch, capsys):
    code, stdout, _ = run_in_process(
        home, monkeypatch, capsys, "prevalence", "records", "--date", "2020-03-31", "--json"
    )
    assert code == 0
    rows = json.loads(stdout)["practices"]
    assert set(rows[0]) == {"practice_code", "condition", "register", "list_size"}
    x2 = next(r for r in rows if r["practice_code"] == "X2" and r["condition"] == "HYP")
    assert (x2["register"], x2["list_size"]) == (100, 1000)


def test_summary_table_names_the_condition_and_england(home, monkeypatch, capsys):
    code, stdout, _ = run_in_process(home, monkeypatch, capsys, "prevalence", "summary")
    assert code == 0
    assert "HYP" in stdout and "18.8%" in stdout  # England: 750 / 4000
    assert "15.0%" in stdout  # the ICS: 450 / 3000


def test_a_bad_year_is_a_usage_error(home, monkeypatch, capsys):
    code, _, stderr = run_in_process(
        home, monkeypatch, capsys, "prevalence", "compare", "--year", "2018/20"
    )
    assert code == 2
    assert "QOF year" in stderr
    assert "Traceback" not in stderr


def test_the_shipped_publication_gives_dorsets_published_figures(tmp_path, monkeypatch, capsys):
    """On the shipped reference data (no patients): Dorset's 2018/19 hypertension register is
    15.87% of its list and England's 13.98% (SOURCES.md, qof_prevalence_2018-19.csv)."""
    from openpcn.store.reference import reference_tables
    from openpcn.store.warehouse import write_tables

    write_tables(tmp_path / "warehouse.duckdb", reference_tables())
    code, stdout, _ = run_in_process(
        tmp_path, monkeypatch, capsys, "prevalence", "summary", "--ics", "11J", "--json"
    )
    assert code == 0
    result = json.loads(stdout)
    hyp = next(c for c in result["conditions"] if c["condition"] == "HYP")
    assert hyp["ics"]["prevalence_pct"] == pytest.approx(15.87, abs=0.005)
    assert hyp["england"]["prevalence_pct"] == pytest.approx(13.98, abs=0.005)
    assert hyp["ics"]["vs_england"] == "higher"
    assert result["practices"] == 84  # the QOF organisation reference's 11J practices
