"""`openpcn funding rules | entitlements | split` through Typer's runner."""

import csv
import json

from tests.funding import conftest as funding
from typer.testing import CliRunner

from openpcn.cli.funding import funding_app
from openpcn.exceptions import InputError, NotFoundError
from openpcn.funding.rules import financial_years

home = funding.home  # the fixture: an OPENPCN_HOME with the funding tests' small warehouse


def _env(monkeypatch, home):
    monkeypatch.setenv("OPENPCN_HOME", str(home))
    monkeypatch.setenv("OPENPCN_ENGINE", "duckdb")


def test_rules_lists_every_rate_with_its_source_and_flags_unconfirmed():
    run = CliRunner().invoke(funding_app, ["rules", "--year", "2020/21"], env={"COLUMNS": "250"})
    assert run.exit_code == 0, run.output
    assert "clinical_director (assumption)" in run.output
    assert "Parliamentary answer 257552" in run.output
    # each dated row: rate, basis, months, source; the assumption in words below the table
    assert "care_home_premium" in run.output and "Aug 2020 to Mar 2021 (8)" in run.output
    assert "per bed a year" in run.output and "£90.00" in run.output
    assert "pcn_support (assumption)" in run.output and "Apr 2020 to Sep 2020 (6)" in run.output
    assert "per weighted patient for the 6 months" in run.output
    assert "clinical_director from Apr 2020: assumption: GBP 0.722" in run.output
    assert "FACTS" not in run.output.split("ARRS ")[0]
    assert "nursing_associate" in run.output


def test_rules_json_covers_every_year():
    run = CliRunner().invoke(funding_app, ["rules", "--json"])
    years = json.loads(run.stdout)
    assert [y["year"] for y in years] == financial_years()


def test_entitlements_json_for_the_ics(monkeypatch, home):
    _env(monkeypatch, home)
    run = CliRunner().invoke(
        funding_app, ["entitlements", "--year", "2020/21", "--ics", "11J", "--json"]
    )
    assert run.exit_code == 0, run.output
    rows = json.loads(run.stdout)
    assert [r["pcn_code"] for r in rows] == ["P1", "P2"]
    p1 = rows[0]
    for key in (
        "core",
        "clinical_director",
        "network_participation",
        "extended_hours",
        "enhanced_access",
        "care_home_premium",
        "pcn_support",
        "iif_max",
        "arrs_sum",
        "total",
        "registered_patients",
        "weighted_patients",
    ):
        assert key in p1
    assert p1["arrs_sum"] == 72736.20  # 7.131 x 10,200
    assert "extended_access" not in p1


def test_entitlements_csv_and_table(monkeypatch, home, tmp_path):
    _env(monkeypatch, home)
    out = tmp_path / "e.csv"
    run = CliRunner().invoke(
        funding_app, ["entitlements", "--year", "2021-22", "--pcn", "P1", "--csv", str(out)]
    )
    assert run.exit_code == 0, run.output
    with out.open(encoding="utf-8") as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["pcn_code"] == "P1" and float(row["care_home_premium"]) == 4800.0
    table = CliRunner().invoke(
        funding_app, ["entitlements", "--year", "2021/22"], env={"COLUMNS": "250"}
    )
    assert "North PCN" in table.output and "UNCONFIRMED" in table.output


def test_split_json_adds_up(monkeypatch, home):
    _env(monkeypatch, home)
    run = CliRunner().invoke(
        funding_app, ["split", "--pcn", "P1", "--year", "2020/21", "--basis", "weighted", "--json"]
    )
    assert run.exit_code == 0, run.output
    rows = json.loads(run.stdout)
    assert [r["practice_code"] for r in rows] == ["A1", "A2"]
    # 15,000 + 7,220 + 17,962.20 + 14,500 + 2,400 + 2,754 + 4,522.63 + 72,736.20 (P1 2020/21)
    assert round(sum(r["total"] for r in rows), 2) == 137095.03


def test_with_a_rules_override(monkeypatch, home, tmp_path):
    _env(monkeypatch, home)
    mine = tmp_path / "mine.toml"
    mine.write_text("[rates.arrs]\nvalue = 8.0\n")
    run = CliRunner().invoke(
        funding_app,
        ["entitlements", "--year", "2020/21", "--pcn", "P1", "--rules", str(mine), "--json"],
    )
    assert json.loads(run.stdout)[0]["arrs_sum"] == 81600.00  # 8 x 10,200


def test_bad_input_raises_the_user_errors(monkeypatch, home):
    _env(monkeypatch, home)
    run = CliRunner().invoke(funding_app, ["entitlements", "--year", "1999/00"])
    assert isinstance(run.exception, InputError)
    run = CliRunner().invoke(funding_app, ["split", "--pcn", "U99999", "--year", "2020/21"])
    assert isinstance(run.exception, NotFoundError)


def test_iif_from_an_achievement_file(monkeypatch, home, tmp_path):
    _env(monkeypatch, home)
    path = tmp_path / "iif.csv"
    path.write_text("indicator,points_available,achieved_fraction\nSMR-01,100,0.5\n")
    args = ["iif", "--pcn", "P1", "--year", "2020/21", "--achievement", str(path), "--json"]
    result = json.loads(CliRunner().invoke(funding_app, args).stdout)
    # 50 points x GBP 111 x 10,000 / 47,613.91 = 1,165.6257
    assert (result["points_achieved"], result["payment"]) == (50, 1165.63)


def test_rules_with_an_override_needs_a_year(tmp_path):
    run = CliRunner().invoke(funding_app, ["rules", "--rules", str(tmp_path / "x.toml")])
    assert isinstance(run.exception, InputError)


def _received(tmp_path, lines):
    path = tmp_path / "received.csv"
    path.write_text("month,stream,amount\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_reconcile_lists_each_difference_with_the_rule_behind_it(monkeypatch, home, tmp_path):
    _env(monkeypatch, home)
    # P1 in 2020/21: 10,000 registered (A1 6,000 + A2 4,000 on 1 Jan 2020), so core is
    # £1.50 x 10,000 / 12 = £1,250.00 a month; June was paid £250 short, and an IIF payment
    # (a maximum paid on achievement) stands alone
    core = [f"2020-{m:02d},core,1250.00" for m in range(4, 13) if m != 6]
    core += ["2020-06,core,1000.00"] + [f"2021-{m:02d},Core,1250" for m in (1, 2, 3)]
    path = _received(tmp_path, [*core, "2021-03,iif max,500.00"])
    run = CliRunner().invoke(
        funding_app, ["reconcile", str(path), "--pcn", "P1", "--year", "2020/21", "--json"]
    )
    assert run.exit_code == 0, run.output
    result = json.loads(run.stdout)
    core_total = next(s for s in result["streams"] if s["stream"] == "core")
    assert (core_total["expected"], core_total["received"]) == (15_000.00, 14_750.00)
    short = next(d for d in result["differences"] if d["stream"] == "core")
    assert (short["month"], short["difference"], short["status"]) == (
        "2020-06",
        -250.0,
        "underpaid",
    )
    assert short["rule"].startswith("£1.50 per registered patient per year")
    iif = next(d for d in result["differences"] if d["stream"] == "iif_max")
    assert iif["rule"].startswith("a maximum paid on achievement or claims")
    # the streams not in the file are owed and not received: differences too
    assert {d["stream"] for d in result["differences"]} >= {"clinical_director", "pcn_support"}

    table = CliRunner().invoke(
        funding_app, ["reconcile", str(path), "--pcn", "P1", "--year", "2020/21"],
        env={"COLUMNS": "250"},
    )  # fmt: skip
    assert table.exit_code == 0, table.output
    assert "-£250.00" in table.output and "differences" in table.output


def test_reconcile_refuses_a_bad_file_whole(monkeypatch, home, tmp_path):
    _env(monkeypatch, home)
    for lines, where in (
        (["2020-04,core,1250.00", "2020-05,corr,1250.00"], "row 3, column 'stream'"),
        (["2021-04,core,1250.00"], "row 2, column 'month'"),
    ):
        run = CliRunner().invoke(
            funding_app,
            ["reconcile", str(_received(tmp_path, lines)), "--pcn", "P1", "--year", "2020/21"],
        )
        assert run.exit_code != 0
        assert isinstance(run.exception, InputError)
        assert where in str(run.exception) and run.exception.fix
