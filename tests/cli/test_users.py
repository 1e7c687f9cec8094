"""`openpcn users ...` and `openpcn tokens ...` (and the first-run admin `openpcn serve` makes),
on the shared home with an app database of the test's own."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from openpcn.cli.users import tokens_app, users_app
from openpcn.cli.web import first_admin
from openpcn.exceptions import UserError
from openpcn.store import appdb


@pytest.fixture
def cli_home(dorset_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("OPENPCN_HOME", str(dorset_home))
    monkeypatch.setenv("OPENPCN_APPDB_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    return tmp_path


def test_users_add_with_a_password_file_and_list(cli_home: Path) -> None:
    secret = cli_home / "pw.txt"
    secret.write_text("a long enough password\n")
    runner = CliRunner()
    added = runner.invoke(
        users_app,
        ["add", "dora", "--role", "pcn_manager", "--pcn", "U42510", "--password-file", str(secret)],
    )
    assert added.exit_code == 0, added.output
    assert "Created dora (pcn_manager, U42510)" in added.output
    listed = runner.invoke(users_app, ["list"])
    assert "dora" in listed.output and "U42510" in listed.output
    db = appdb.open_appdb(os.environ["OPENPCN_APPDB_URL"])
    assert appdb.authenticate(db, "dora", "a long enough password") is not None


def test_users_add_prompts_twice_and_checks_the_scope_first(cli_home: Path) -> None:
    runner = CliRunner()
    prompted = runner.invoke(
        users_app,
        ["add", "ann", "--role", "ics_analyst"],
        input="a long enough password\na long enough password\n",
    )
    assert prompted.exit_code == 0, prompted.output
    assert prompted.output.count("Password") == 1 and "Repeat" in prompted.output
    bad = runner.invoke(users_app, ["add", "bob", "--role", "pcn_manager"])
    assert bad.exit_code != 0
    assert isinstance(bad.exception, UserError)
    assert "--pcn" in (bad.exception.fix or "")


def test_tokens_create_prints_a_working_token_once(cli_home: Path) -> None:
    db = appdb.open_appdb(os.environ["OPENPCN_APPDB_URL"])
    appdb.add_user(db, "api-client", "a long enough password", "ics_analyst")
    made = CliRunner().invoke(tokens_app, ["create", "api-client", "--label", "bench"])
    assert made.exit_code == 0, made.output
    token = next(line for line in made.output.splitlines() if line.startswith("opcn_"))
    user = appdb.user_for_token(db, token)
    assert user is not None and user.username == "api-client"


def test_the_first_run_makes_an_admin_with_a_random_password(cli_home: Path) -> None:
    db = appdb.open_appdb(os.environ["OPENPCN_APPDB_URL"])
    password = first_admin(db)
    assert password is not None and len(password) >= 20
    assert appdb.authenticate(db, "admin", password) is not None
    assert first_admin(db) is None  # never again once accounts exist
