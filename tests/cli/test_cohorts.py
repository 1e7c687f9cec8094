"""`openpcn cohorts list | run | summary` on a tiny warehouse."""

import json

import ibis
import pandas as pd
import pytest
from tests.spec.conftest import World
from typer.testing import CliRunner

from openpcn.cli.cohorts import cohorts_app
from openpcn.cohorts import compile as compiled
from openpcn.config import Settings
from openpcn.exceptions import NotFoundError
from openpcn.store.warehouse import write_tables

SYS = "271649006"


@pytest.fixture
def home(tmp_path, monkeypatch):
    w = World()
    for i in range(9):
        w.patient(f"p{i}", practice="J81001" if i < 6 else "J81002").event(f"p{i}", SYS, 30, 160)
    settings = Settings(home=tmp_path / "home")
    write_tables(settings.warehouse_path, w.frames())
    monkeypatch.setenv("OPENPCN_HOME", str(settings.home))
    monkeypatch.delenv("OPENPCN_ENGINE", raising=False)
    empty = ibis.memtable(pd.DataFrame({"patient_id": ["nobody"], "centile": [1]}))
    monkeypatch.setattr(compiled, "_risk_table", lambda con, date, at_least: empty)
    return settings.home


def test_list_shows_every_cohort_with_its_criteria():
    run = CliRunner().invoke(cohorts_app, ["list", "--json"])
    assert run.exit_code == 0, run.output
    cohorts = {d["id"]: d for d in json.loads(run.stdout)}
    assert cohorts["smr-01d-care-home"]["criteria"] == (
        "care home resident and aged >= 18 and no structured medication review in the last "
        "12 months"
    )
    assert cohorts["smr-01d-care-home"]["indicator"] == "SMR-01D"
    assert cohorts["anticipatory-top-risk-centile"]["local"].startswith("No national definition")
    assert "2019/20 is before the first year" in run.stderr
    assert cohorts["smr-01d-care-home"]["unverified_codelists"] == []
    assert cohorts["ehch-no-care-plan"]["unverified_codelists"] == ["openpcn-care-plan"]
    table = CliRunner().invoke(cohorts_app, ["list"], env={"COLUMNS": "250"})
    assert "unverified codelists: openpcn-bowel-screening-non-response" in table.output
    assert "local definition:" in table.output


def test_run_writes_the_worklist_as_json_and_csv(home, tmp_path):
    run = CliRunner().invoke(cohorts_app, ["run", "cvd", "--practice", "J81002", "--json"])
    assert run.exit_code == 0, run.output
    rows = json.loads(run.stdout)
    assert [r["patient_id"] for r in rows] == ["p6", "p7", "p8"]
    assert rows[0]["cohort"] == "cvd-01-raised-bp-undiagnosed"
    target = tmp_path / "worklist.csv"
    run = CliRunner().invoke(
        cohorts_app, ["run", "cvd-01-raised-bp-undiagnosed", "--csv", str(target)]
    )
    assert run.exit_code == 0, run.output
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "patient_id,practice_code,cohort,reason" and len(lines) == 10


def test_run_an_unknown_spec_says_what_exists(home):
    run = CliRunner().invoke(cohorts_app, ["run", "smrr"])
    assert isinstance(run.exception, NotFoundError)
    assert "cohorts list" in run.exception.fix


def test_summary_is_disclosure_controlled(home):
    run = CliRunner().invoke(cohorts_app, ["summary", "--ics", "11J", "--json"])
    assert run.exit_code == 0, run.output
    result = json.loads(run.stdout)
    assert result["cvd"]["U00001"]["cvd-01-raised-bp-undiagnosed"] == 10  # 9 -> nearest 5
    assert result["cvd"]["U00002"]["cvd-01-raised-bp-undiagnosed"] == 0
    assert set(result["efi"]) == {"U00001", "U00002"}
    assert result["year"] == "2022/23" and "before the first year" in result["year_note"]


def test_summary_reads_the_indicators_of_the_year_asked_for(home):
    run = CliRunner().invoke(cohorts_app, ["summary", "--year", "2023-24", "--json"])
    assert run.exit_code == 0, run.output
    result = json.loads(run.stdout)
    fit = result["indicators"]["can01_fit_share"]
    assert (result["year"], result["year_note"], fit["indicator"]) == ("2023/24", "", "CAN-02")
    assert fit["thresholds"] == {"lower_pct": 65.0, "upper_pct": 80.0, "confirmed": False}
    table = CliRunner().invoke(
        cohorts_app, ["summary", "--year", "2023/24"], env={"COLUMNS": "200"}
    )
    assert "Definitions of 2023/24." in table.output and "UNCONFIRMED" in table.output


@pytest.mark.parametrize("year", ["2021/22", "2023", "2023/25"])
def test_a_year_without_definitions_is_a_usage_error(year):
    run = CliRunner().invoke(cohorts_app, ["list", "--year", year])
    assert run.exit_code == 2
    assert "--year" in run.output and "Traceback" not in run.output


def test_a_worklist_from_the_cli_writes_an_audit_row(home):
    from openpcn.store import appdb
    from openpcn.web.audit import entries

    run = CliRunner().invoke(cohorts_app, ["run", "cvd", "--pcn", "U00001", "--json"])
    assert run.exit_code == 0, run.output
    db = appdb.open_appdb(f"sqlite:///{home / 'app.db'}")
    try:
        (row,) = entries(db)
    finally:
        db.dispose()
    assert (row.route, row.scope, row.action) == ("openpcn cohorts run", "U00001:cvd", "view")
    assert row.rows == len(json.loads(run.stdout)) and row.username.startswith("cli:")
