"""`openpcn formation ...` on the shared Dorset home: a short solve checked by its properties
(not by exact optimum values), saved scenarios end to end, usage errors, and England on two
small STPs with tiny time limits."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from tests.cli.conftest import run
from tests.conftest import run_in_process

from openpcn.exceptions import NotFoundError
from openpcn.formation import scenarios
from openpcn.store import appdb

CORNWALL, SHROPSHIRE = "E54000036", "E54000011"  # the two smallest STPs (48 and 50 practices)


@pytest.fixture(scope="module")
def proposed(dorset_home: Path) -> dict:
    """One 5-second fresh proposal for Dorset with a fixed practice, saved as `plan-a`."""
    done = run(
        dorset_home, "formation", "propose", "--ics", "11J", "--time-limit", "5",
        "--fix", "J81052=U80758", "--save", "plan-a", "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return json.loads(done.stdout)


def _saved(home: Path) -> list[str]:
    """The saved scenarios' names, read from the home's app database."""
    db = appdb.open_appdb(f"sqlite:///{home / 'app.db'}")
    try:
        return [row["name"] for row in scenarios.list_scenarios(db)]
    finally:
        db.dispose()


def test_propose_places_every_practice_once_in_contiguous_networks(proposed: dict) -> None:
    practices = [code for pcn in proposed["pcns"] for code in pcn["practices"]]
    assert len(practices) == len(set(practices)) == 86  # Dorset's placed practices
    metrics = proposed["metrics"]
    assert metrics["pcns_total"] == len(proposed["pcns"]) == 18  # today's number fits the band
    assert metrics["contiguous"] == metrics["pcns_total"]
    assert all(pcn["contiguous"] for pcn in proposed["pcns"])
    assert metrics["status"] in {"optimal", "feasible", "unknown"}
    assert metrics["status_reason"]
    inside = sum(30_000 <= pcn["patients"] <= 50_000 for pcn in proposed["pcns"])
    assert metrics["pcns_in_band"] == inside
    if metrics["status"] in {"optimal", "feasible"}:  # the exact solver's answer honours --fix
        fixed = next(pcn for pcn in proposed["pcns"] if "J81052" in pcn["practices"])
        assert fixed["code"] == "U80758"


def test_propose_echoes_its_parameters(proposed: dict) -> None:
    params = proposed["parameters"]
    assert (params["ics"], params["date"], params["min"], params["max"]) == (
        "11J",
        "2019-12-01",
        30000,
        50000,
    )
    assert (params["mode"], params["within"], params["time_limit"]) == ("fresh", "none", 5.0)
    assert params["fix"] == ["J81052=U80758"]
    assert proposed["saved"]["name"] == "plan-a" and proposed["saved"]["saved_by"] == "cli"


def test_a_saved_scenario_is_listed_shown_compared_and_deleted(
    dorset_home: Path, proposed: dict, monkeypatch, capsys
) -> None:
    def cli(*args: str) -> tuple[int, str, str]:
        return run_in_process(dorset_home, monkeypatch, capsys, "formation", *args)

    code, out, _ = cli("list", "--json")
    assert "plan-a" in [row["name"] for row in json.loads(out)]
    code, out, _ = cli("show", "plan-a", "--json")
    shown = json.loads(out)
    assert shown["pcns"] == proposed["pcns"]
    assert shown["metrics"] == proposed["metrics"]
    assert shown["scenario"]["saved_by"] == "cli"
    code, out, err = cli("compare", "current", "plan-a", "--json")
    assert code == 0, err
    compared = json.loads(out)
    assert compared["a"]["name"] == "current" and compared["b"]["name"] == "plan-a"
    moved = proposed["metrics"]["moved"]
    assert compared["metrics"]["moved"] == {"a": 0, "b": moved, "change": moved}
    assert compared["metrics"]["pcns_in_band"]["a"] == 10  # Dorset today
    changed = {c["practice_code"] for c in compared["changes"]}
    assert changed == {m["practice_code"] for m in proposed["moves"]}
    assert all(c["network_b"] != c["network_a"] for c in compared["changes"])
    code, out, _ = cli("list")
    assert "plan-a" in out
    code, out, err = cli("delete", "plan-a")
    assert code == 0, err
    assert "plan-a" not in _saved(dorset_home)
    code, _, err = cli("show", "plan-a")
    assert code == NotFoundError.exit_code
    assert "no saved scenario named 'plan-a'" in err


def test_propose_prints_metrics_networks_moves_and_status(
    dorset_home: Path, monkeypatch, capsys
) -> None:
    code, out, err = run_in_process(
        dorset_home, monkeypatch, capsys, "formation", "propose", "--time-limit", "2",
        "--mode", "least-change",
    )  # fmt: skip
    assert code == 0, err
    assert "NHS DORSET CCG (11J) on 2019-12-01" in out
    assert "networks in the band" in out and "current" in out
    assert "POOLE CENTRAL PCN" in out
    assert "status:" in out


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--fix", "J81052"], "is not PRACTICE=PCN"),
        (["--min", "60000", "--max", "50000"], "is not a range"),
        (["--keep-together", "J81002"], "fewer than two practices"),
        (["--mode", "greedy"], "greedy"),
        (["--date", "2019-13-01"], "--date"),
    ],
)
def test_usage_errors_exit_2_and_save_nothing(
    dorset_home: Path, monkeypatch, capsys, argv: list[str], says: str
) -> None:
    code, out, err = run_in_process(
        dorset_home, monkeypatch, capsys, "formation", "propose", *argv, "--save", "bad-plan"
    )
    assert code == 2, err
    assert err.startswith("Usage: openpcn formation propose")
    assert says in err and "Traceback" not in err
    assert out == ""
    assert "bad-plan" not in _saved(dorset_home)


def test_an_unknown_practice_is_named_and_nothing_is_saved(
    dorset_home: Path, monkeypatch, capsys
) -> None:
    code, _, err = run_in_process(
        dorset_home, monkeypatch, capsys, "formation", "propose",
        "--keep-together", "J81002,X99999", "--save", "bad-plan", "--time-limit", "1",
    )  # fmt: skip
    assert code == NotFoundError.exit_code
    assert "X99999" in err and "Traceback" not in err
    assert "bad-plan" not in _saved(dorset_home)


def test_current_is_a_reserved_name(dorset_home: Path, monkeypatch, capsys) -> None:
    code, _, err = run_in_process(
        dorset_home, monkeypatch, capsys, "formation", "propose", "--save", "current"
    )
    assert code == 2 and "reserved" in err and "Traceback" not in err


def test_compare_needs_a_saved_side(dorset_home: Path, monkeypatch, capsys) -> None:
    code, _, err = run_in_process(
        dorset_home, monkeypatch, capsys, "formation", "compare", "current", "current"
    )
    assert code == 2 and "saved scenario" in err


def test_england_on_two_stps(dorset_home: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    out_file = tmp_path / "england.csv"
    code, out, err = run_in_process(
        dorset_home, monkeypatch, capsys, "formation", "england", "--ics", CORNWALL,
        "--ics", SHROPSHIRE, "--time-limit-per-ics", "1", "--json", "--csv", str(out_file),
    )  # fmt: skip
    assert code == 0, err
    result = json.loads(out.split("\n", 1)[1])  # after "wrote 2 rows to ..."
    rows = {row["code"]: row for row in result["rows"]}
    assert list(rows) == [CORNWALL, SHROPSHIRE]  # region by region: South West, then Midlands
    assert rows[CORNWALL]["region"] == "South West"
    assert (rows[CORNWALL]["practices"], rows[SHROPSHIRE]["practices"]) == (48, 50)
    assert len(rows[CORNWALL]["unplaced"]) == 13  # listed, not dropped
    for row in rows.values():
        assert row["status"] in {"optimal", "feasible", "unknown"}
        assert row["pcns_total"] >= 1 and 0 <= row["pcns_in_band"] <= row["pcns_total"]
    summary = result["summary"]
    assert summary["icss"] == 2 and summary["practices"] == 98
    assert summary["unplaced_practices"] == 19
    assert summary["pcns_in_band_proposed"] == sum(r["pcns_in_band"] for r in rows.values())
    assert summary["pcns_in_band_today"] == sum(r["pcns_in_band_today"] for r in rows.values())
    with out_file.open(newline="", encoding="utf-8") as f:
        written = list(csv.DictReader(f))
    assert [r["code"] for r in written] == [CORNWALL, SHROPSHIRE]
    assert written[0]["unplaced"].split() == rows[CORNWALL]["unplaced"]


def test_england_refuses_an_unknown_stp(dorset_home: Path, monkeypatch, capsys) -> None:
    code, _, err = run_in_process(
        dorset_home, monkeypatch, capsys, "formation", "england", "--ics", "E54999999"
    )
    assert code == 2 and "E54999999" in err and "Traceback" not in err
