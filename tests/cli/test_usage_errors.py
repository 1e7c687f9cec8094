"""Usage errors in every command group: the usage line and the error on stderr, exit code 2 and
never a traceback (`main()` runs the app outside click's standalone mode, so it must say them)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import run_in_process

from openpcn.cli import app

#: (argv, the usage line's command, what the error names). Each group has at least one.
BAD = [
    (["evaluation"], "openpcn", "No such command 'evaluation'"),
    (["--bogus"], "openpcn", "No such option: --bogus"),
    (["orgs", "summary", "--ics"], "openpcn orgs summary", "'--ics' requires an argument"),
    (["orgs", "summary", "--bogus"], "openpcn orgs summary", "No such option: --bogus"),
    (["orgs", "show"], "openpcn orgs show", "Missing argument 'code'"),
    (["orgs", "show", "U1", "U2"], "openpcn orgs show", "unexpected extra argument"),
    (["orgs", "summary", "--band-min", "lots"], "openpcn orgs summary", "'--band-min'"),
    (["orgs", "nothing"], "openpcn orgs", "No such command 'nothing'"),
    (["formation", "propose", "--fix", "J81052"], "openpcn formation propose", "'--fix'"),
    (
        ["formation", "propose", "--min", "60000", "--max", "50000"],
        "openpcn formation propose",
        "is not a range",
    ),
    (
        ["formation", "propose", "--keep-apart", "J81002"],
        "openpcn formation propose",
        "'--keep-apart'",
    ),
    (["formation", "propose", "--mode", "x"], "openpcn formation propose", "'--mode'"),
    (["formation", "compare", "current"], "openpcn formation compare", "Missing argument 'b'"),
    (["formation", "show"], "openpcn formation show", "Missing argument 'name'"),
    (["formation", "england", "--csv"], "openpcn formation england", "'--csv' requires"),
    (["quality", "variation"], "openpcn quality variation", "Missing argument 'measure'"),
    (["prevalence", "compare", "--year", "2018/20"], "openpcn prevalence compare", "QOF year"),
    (["quality", "variation", "x", "--by", "ccg"], "openpcn quality variation", "'--by'"),
    (["funding", "split", "--pcn", "U1"], "openpcn funding split", "Missing option '--year'"),
    (
        ["funding", "split", "--pcn", "U1", "--year", "2020/21", "--basis", "x"],
        "openpcn funding split",
        "'--basis'",
    ),
    (["funding", "entitlements", "--year"], "openpcn funding entitlements", "'--year'"),
    (["workforce", "plan", "--pcn", "U1"], "openpcn workforce plan", "Missing option '--year'"),
    (["workforce", "risk", "--ics"], "openpcn workforce risk", "'--ics' requires an argument"),
    (["cohorts", "run"], "openpcn cohorts run", "Missing argument 'spec'"),
    (["cohorts", "run", "smr", "--engine", "x"], "openpcn cohorts run", "'--engine'"),
    (["cohorts", "list", "--csv", "x.csv"], "openpcn cohorts list", "No such option: --csv"),
    (["codelists", "show"], "openpcn codelists show", "Missing argument 'name'"),
    (["report", "ics", "--pdf"], "openpcn report ics", "'--pdf' requires an argument"),
    (["report", "html"], "openpcn report", "No such command 'html'"),
    (["access", "summary", "--from", "2019-13"], "openpcn access summary", "'--from'"),
    (
        ["access", "summary", "--from", "2020-06", "--to", "2019-03"],
        "openpcn access summary",
        "runs",
    ),
    (["evaluate", "new", "x"], "openpcn evaluate new", "give exactly one of --intervention"),
    (["evaluate", "run", "x", "--method", "x"], "openpcn evaluate run", "'--method'"),
    (["evaluate", "run", "x", "--ratio", "0"], "openpcn evaluate run", "'--ratio'"),
    (["evaluate", "show"], "openpcn evaluate show", "Missing argument 'name'"),
    (["users", "add", "bob"], "openpcn users add", "Missing option '--role'"),
    (["users", "list", "extra"], "openpcn users list", "unexpected extra argument"),
    (["users", "disable"], "openpcn users disable", "Missing argument 'username'"),
    (["users", "enable", "a", "b"], "openpcn users enable", "unexpected extra argument"),
    (["users", "remove", "a", "--force"], "openpcn users remove", "No such option: --force"),
    (["users", "reset-password"], "openpcn users reset-password", "Missing argument 'username'"),
    (
        ["users", "reset-password", "a", "--password-file"],
        "openpcn users reset-password",
        "'--password-file' requires an argument",
    ),
    (["users", "set-role", "ann"], "openpcn users set-role", "Missing option '--role'"),
    (["users", "set-role", "a", "--role"], "openpcn users set-role", "'--role' requires an"),
    (["tokens", "create"], "openpcn tokens create", "Missing argument 'username'"),
    (["tokens", "list", "a", "b"], "openpcn tokens list", "unexpected extra argument"),
    (["tokens", "list", "--csv", "x"], "openpcn tokens list", "No such option: --csv"),
    (["tokens", "revoke"], "openpcn tokens revoke", "Missing argument 'token'"),
    (["tokens", "revoke", "--label", "x"], "openpcn tokens revoke", "No such option: --label"),
    (["serve", "--port", "http"], "openpcn serve", "'--port'"),
    (["serve", "--workers", "0"], "openpcn serve", "'--workers'"),
    (["import", "extract"], "openpcn import", "Missing argument 'file'"),
    (["init", "--scale", "half"], "openpcn init", "'--scale'"),
    (["init", "--seed"], "openpcn init", "'--seed' requires an argument"),
]


@pytest.mark.parametrize(("argv", "command", "error"), BAD, ids=[" ".join(b[0]) for b in BAD])
def test_a_usage_error_prints_the_usage_and_the_error_and_exits_2(
    tmp_path, monkeypatch, capsys, argv, command, error
):
    code, out, err = run_in_process(tmp_path, monkeypatch, capsys, *argv)
    assert code == 2
    assert "Traceback" not in err
    usage, message = err.splitlines()
    assert usage.startswith(f"Usage: {command} ")
    assert message.startswith("Error: ") and error in message
    assert out == ""
    assert not (tmp_path / "warehouse.duckdb").exists()  # nothing ran


def test_the_groups_are_all_in_the_table():

    groups = {info.name for info in app.registered_groups}
    commands = {info.name for info in app.registered_commands}
    named = {argv[0] for argv, _, _ in BAD}
    assert groups | commands <= named


@pytest.mark.parametrize("argv", [[], ["orgs"], ["cohorts"], ["--help"], ["orgs", "--help"]])
def test_help_and_a_group_without_a_command_print_the_help_and_exit_0(
    tmp_path, monkeypatch, capsys, argv
):
    code, out, err = run_in_process(tmp_path, monkeypatch, capsys, *argv)
    assert code == 0
    assert "Usage: openpcn" in out and "Commands" in out
    assert err == ""


def test_user_errors_keep_their_message_and_exit_code(tmp_path, monkeypatch, capsys):
    code, _, err = run_in_process(tmp_path, monkeypatch, capsys, "orgs", "summary")
    assert code == 78  # EX_CONFIG: no warehouse yet
    assert "openpcn init" in err and "Usage:" not in err and "Traceback" not in err


def test_the_installed_command_prints_no_traceback(tmp_path):
    openpcn = Path(sys.executable).with_name("openpcn")
    env = {**os.environ, "OPENPCN_HOME": str(tmp_path), "COLUMNS": "200"}
    for argv in (["evaluation"], ["orgs", "summary", "--ics"], ["orgs", "summary", "--bogus"]):
        done = subprocess.run(
            [str(openpcn), *argv], env=env, capture_output=True, text=True, check=False
        )
        assert done.returncode == 2, done.stderr
        assert "Traceback" not in done.stderr
        assert done.stderr.startswith("Usage: openpcn") and "Error: " in done.stderr
        assert len(done.stderr.splitlines()) == 2
