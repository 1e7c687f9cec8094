"""`openpcn access summary` through the real entry point: months checked at the surface (exit 2),
a clear message for an empty range or an ICS without published rows, JSON, table and CSV.

The warehouse is the shipped reference data with a hand-made published table for 11J: May 2019
(300 face to face of which 20 DNA, 100 telephone) and April 2020 (150 and 250).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.conftest import run_in_process, typed

from openpcn.store.reference import reference_tables
from openpcn.store.warehouse import write_tables

ROWS = [
    ("2019-05-01", "attended", "face_to_face", 280),
    ("2019-05-01", "dna", "face_to_face", 20),
    ("2019-05-01", "attended", "telephone", 100),
    ("2020-04-01", "attended", "face_to_face", 150),
    ("2020-04-01", "attended", "telephone", 250),
]


def _home(root: Path, rows: list[tuple]) -> Path:
    published = [
        {
            "month": month,
            "level": "ccg",
            "org_code": "11J",
            "status": status,
            "hcp_type": "gp",
            "mode": mode,
            "lead_time": "same_day",
            "count": count,
            "source": "test",
        }
        for month, status, mode, count in rows
    ]
    tables = reference_tables() | {
        "appointments_published": typed("appointments_published", published)
    }
    write_tables(root / "warehouse.duckdb", tables)
    return root


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    return _home(tmp_path_factory.mktemp("home"), ROWS)


def test_json_has_each_month_with_its_mode_shares_and_dna_rate(home, monkeypatch, capsys):
    code, out, err = run_in_process(home, monkeypatch, capsys, "access", "summary", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert (result["from"], result["to"]) == ("2019-05", "2020-04")
    may, april = result["published"]
    assert (may["appointments"], may["modes"]["face_to_face"], may["modes"]["telephone"]) == (
        400,
        300,
        100,
    )
    assert may["dna_rate_pct"] == pytest.approx(5.0)  # 20 / (380 + 20)
    assert april["face_to_face_share_pct"] == pytest.approx(37.5)  # 150 / 400
    # per 1,000 of the Dorset practices' lists nearest each month
    assert may["registered_patients"] > 700_000
    assert may["per_1000"] == pytest.approx(400_000 / may["registered_patients"])


def test_the_table_names_the_months_and_the_denominator(home, monkeypatch, capsys):
    code, out, _ = run_in_process(home, monkeypatch, capsys, "access", "summary", "--to", "2019-12")
    assert code == 0
    assert "2019-05" in out and "2020-04" not in out
    assert "practice_lists nearest" in out
    assert "unknown status" in out


def test_csv_writes_one_row_per_month(home, monkeypatch, capsys, tmp_path):
    target = tmp_path / "access.csv"
    code, out, _ = run_in_process(
        home, monkeypatch, capsys, "access", "summary", "--csv", str(target)
    )
    assert code == 0 and "wrote 2 rows" in out
    lines = target.read_text().splitlines()
    assert lines[0].startswith("kind,month,level,appointments")
    assert lines[1].startswith("published,2019-05,ccg,400,")


@pytest.mark.parametrize(
    "args",
    [
        ("--from", "2019-13"),
        ("--to", "MAR2019"),
        ("--from", "2020-06", "--to", "2019-03"),
    ],
)
def test_a_bad_month_or_a_backwards_range_is_a_usage_error(home, monkeypatch, capsys, args):
    code, _, err = run_in_process(home, monkeypatch, capsys, "access", "summary", *args)
    assert code == 2
    assert "Usage: openpcn access summary" in err
    assert "Traceback" not in err


def test_an_empty_range_says_which_months_are_loaded(home, monkeypatch, capsys):
    args = ("access", "summary", "--from", "2021-01", "--to", "2021-02")
    code, out, err = run_in_process(home, monkeypatch, capsys, *args)
    assert code == 66
    assert "no published appointments" in err
    assert "2019-05 to 2020-04" in err
    assert out == ""


def test_an_ics_without_published_rows_is_told_what_to_import(tmp_path, monkeypatch, capsys):
    home = _home(tmp_path, [])
    code, _, err = run_in_process(home, monkeypatch, capsys, "access", "summary")
    assert code == 66
    assert "openpcn import appointments" in err
