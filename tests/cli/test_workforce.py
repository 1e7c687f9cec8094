"""`openpcn workforce import | plan | risk` through Typer's runner, on a small warehouse."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.workforce.conftest import DATA, org_tables
from typer.testing import CliRunner

from openpcn.cli.workforce import workforce_app
from openpcn.exceptions import InputError, NotFoundError
from openpcn.store.warehouse import write_tables

GOOD = DATA / "good" / "workforce_register.csv"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write_tables(tmp_path / "warehouse.duckdb", org_tables())
    monkeypatch.setenv("OPENPCN_HOME", str(tmp_path))
    monkeypatch.setenv("OPENPCN_ENGINE", "duckdb")
    monkeypatch.delenv("OPENPCN_APPDB_URL", raising=False)
    return tmp_path


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(workforce_app, list(args))


def test_import_then_risk_reads_the_register(home: Path) -> None:
    done = invoke("import", str(GOOD))
    assert done.exit_code == 0, done.output
    assert "imported 8 posts" in done.stdout
    done = invoke("risk", "--ics", "11J", "--json")
    assert done.exit_code == 0, done.output
    result = json.loads(done.stdout)
    assert result["source"]["kind"] == "register"
    assert (result["ics"]["gp_headcount"], result["ics"]["gp_fte_per_10k"]) == (4, 1.32)
    table = invoke("risk")
    assert "NORTH PCN" in table.stdout and "66.7%" in table.stdout


def test_a_bad_register_is_refused_and_nothing_changes(home: Path) -> None:
    invoke("import", str(GOOD))
    done = invoke("import", str(DATA / "bad" / "workforce" / "register_negative_fte.csv"))
    assert isinstance(done.exception, InputError) and done.exception.exit_code == 65
    result = json.loads(invoke("risk", "--json").stdout)
    assert result["ics"]["gp_headcount"] == 4


def test_plan_counts_the_staff_in_post_against_the_arr_sum(home: Path) -> None:
    invoke("import", str(GOOD))
    done = invoke("plan", "--pcn", "U00001", "--year", "2019/20", "--json")
    assert done.exit_code == 0, done.output
    result = json.loads(done.stdout)
    assert (result["pcn_code"], result["year"], result["on"]) == ("U00001", "2019/20", "2019-07-01")
    roles = {r["key"]: r for r in result["roles"]}
    pharmacist = roles["clinical_pharmacist"]  # one in post, the cap for a 15,000-patient PCN
    assert (pharmacist["existing_fte"], pharmacist["fte"], pharmacist["max_wte"]) == (1.0, 0.0, 1)
    # 2019/20's ARR sum covers July to March, so posts cost 9/12 of 70% of £37,810 a year.
    assert (result["year_fraction"], result["existing_spend"]) == (0.75, 19_850.25)
    assert result["arrs_sum"] == result["arrs"]["arrs_sum"]
    assert result["spend"] + result["remainder"] == pytest.approx(result["arrs_sum"])
    assert roles["social_prescribing_link_worker"]["fte"] <= 1.0


def test_plan_priorities_must_be_role_equals_weight(home: Path) -> None:
    done = invoke("plan", "--pcn", "U00001", "--year", "2020/21", "--priority", "pharmacist")
    assert isinstance(done.exception, InputError) and "ROLE=WEIGHT" in done.exception.what
    done = invoke(
        "plan", "--pcn", "U00001", "--year", "2020/21", "--priority", "pharmacy_technician=2"
    )
    assert done.exit_code == 0, done.output
    assert "money lost" in done.stdout and "Pharmacy" in done.stdout


def test_plan_names_an_unknown_pcn_or_year(home: Path) -> None:
    done = invoke("plan", "--pcn", "U99999", "--year", "2020/21")
    assert isinstance(done.exception, NotFoundError) and "U99999" in done.exception.what
    done = invoke("plan", "--pcn", "U00001", "--year", "2031/32")
    assert isinstance(done.exception, InputError)


@pytest.mark.parametrize("weight", ["1e16", "1e30", "1e308", "-1", "nan", "inf"])
def test_plan_refuses_a_weight_out_of_range_before_any_work(
    home: Path, monkeypatch: pytest.MonkeyPatch, weight: str
) -> None:
    monkeypatch.setenv("OPENPCN_HOME", str(home / "no-warehouse-here"))  # never opened
    weighted = f"clinical_pharmacist={weight}"
    done = invoke("plan", "--pcn", "U00001", "--year", "2020/21", "--priority", weighted)
    assert isinstance(done.exception, InputError) and done.exception.exit_code == 65
    assert "must be a number from 0 to 100" in done.exception.what


@pytest.mark.parametrize("date", ["1899-12-31", "2101-01-01", "2019-13-40"])
def test_dates_outside_the_range_are_usage_errors(home: Path, date: str) -> None:
    risk = invoke("risk", "--date", date)
    assert risk.exit_code == 2 and "1900-01-01 to 2100-12-31" in risk.output
    plan = invoke("plan", "--pcn", "U00001", "--year", "2020/21", "--on", date)
    assert plan.exit_code == 2 and "--on" in plan.output
