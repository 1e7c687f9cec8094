"""`openpcn users ...` and `openpcn tokens ...` (and the first-run admin `openpcn serve` makes),
on the shared home with an app database of the test's own."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from sqlalchemy import select
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


PASSWORD = "a long enough password"


def _db_with(*accounts: tuple[str, str]) -> appdb.AppDB:
    db = appdb.open_appdb(os.environ["OPENPCN_APPDB_URL"])
    appdb.add_user(db, "root", PASSWORD, "admin")
    for username, role in accounts:
        appdb.add_user(db, username, PASSWORD, role)
    return db


def _actions(db: appdb.AppDB) -> list[tuple[str, str, str]]:
    with db.session() as session:
        rows = session.scalars(select(appdb.AuditLog).order_by(appdb.AuditLog.id))
        return [(r.action, r.username, r.route) for r in rows]


def test_disable_enable_and_remove_take_access_away_at_once(cli_home: Path) -> None:
    db = _db_with(("leaver", "ics_analyst"))
    token = appdb.create_token(db, "leaver")
    session_id = appdb.start_session(db, appdb.user_id_of(db, "leaver"))
    runner = CliRunner()
    disabled = runner.invoke(users_app, ["disable", "leaver"])
    assert disabled.exit_code == 0, disabled.output
    assert "Disabled leaver" in disabled.output
    assert appdb.user_for_token(db, token) is None
    assert appdb.user_for_session(db, session_id) is None
    listed = runner.invoke(users_app, ["list"])
    assert any("leaver" in line and " no " in line for line in listed.output.splitlines())
    again = runner.invoke(users_app, ["disable", "leaver"])
    assert again.exit_code != 0 and "already disabled" in str(again.exception)
    assert runner.invoke(users_app, ["enable", "leaver"]).exit_code == 0
    assert runner.invoke(users_app, ["remove", "leaver"], input="n\n").exit_code != 0  # kept
    assert appdb.user_id_of(db, "leaver")
    removed = runner.invoke(users_app, ["remove", "leaver"], input="y\n")
    assert removed.exit_code == 0, removed.output
    with pytest.raises(UserError, match="no user named"):
        appdb.user_id_of(db, "leaver")
    assert runner.invoke(users_app, ["remove", "root", "--yes"]).exit_code != 0  # last admin
    assert [a for a, _, _ in _actions(db)] == ["user.disable", "user.enable", "user.remove"]
    assert _actions(db)[0] == ("user.disable", "cli", "openpcn users disable")


def test_reset_password_from_a_file_prompted_or_generated(cli_home: Path) -> None:
    db = _db_with(("ann", "ics_analyst"))
    runner = CliRunner()
    secret = cli_home / "new.txt"
    secret.write_text("a brand new password\n")
    from_file = runner.invoke(users_app, ["reset-password", "ann", "--password-file", str(secret)])
    assert from_file.exit_code == 0, from_file.output
    assert appdb.authenticate(db, "ann", "a brand new password") is not None
    prompted = runner.invoke(
        users_app, ["reset-password", "ann"], input="prompted password\nprompted password\n"
    )
    assert prompted.exit_code == 0 and appdb.authenticate(db, "ann", "prompted password")
    generated = runner.invoke(users_app, ["reset-password", "ann", "--generate"])
    assert generated.exit_code == 0, generated.output
    password = generated.output.strip().splitlines()[-1]
    assert len(password) >= 20 and appdb.authenticate(db, "ann", password) is not None
    both = runner.invoke(
        users_app, ["reset-password", "ann", "--generate", "--password-file", str(secret)]
    )
    assert both.exit_code != 0 and isinstance(both.exception, UserError)
    assert [a for a, _, _ in _actions(db)] == ["user.password"] * 3


def test_set_role_checks_the_scope_and_ends_sessions(cli_home: Path) -> None:
    db = _db_with(("ann", "ics_analyst"))
    session_id = appdb.start_session(db, appdb.user_id_of(db, "ann"))
    runner = CliRunner()
    bad = runner.invoke(users_app, ["set-role", "ann", "--role", "pcn_manager"])
    assert bad.exit_code != 0 and "--pcn" in (bad.exception.fix or "")
    unknown = runner.invoke(
        users_app, ["set-role", "ann", "--role", "pcn_manager", "--pcn", "U99999"]
    )
    assert unknown.exit_code != 0 and "no PCN with code U99999" in str(unknown.exception)
    assert appdb.user_for_session(db, session_id) is not None
    done = runner.invoke(users_app, ["set-role", "ann", "--role", "pcn_manager", "--pcn", "U42510"])
    assert done.exit_code == 0, done.output
    assert "ann (pcn_manager, U42510)" in done.output
    assert appdb.user_for_session(db, session_id) is None
    assert _actions(db) == [("user.role", "cli", "openpcn users set-role")]


def test_tokens_list_and_revoke_by_id_or_token_once(cli_home: Path) -> None:
    db = _db_with(("bot", "ics_analyst"))
    first = appdb.create_token(db, "bot", "nightly")
    second = appdb.create_token(db, "root", "ops")
    runner = CliRunner()
    listed = runner.invoke(tokens_app, ["list"])
    assert listed.exit_code == 0, listed.output
    assert "nightly" in listed.output and "ops" in listed.output and "never" in listed.output
    assert first not in listed.output and second not in listed.output
    as_json = runner.invoke(tokens_app, ["list", "bot", "--json"])
    rows = json.loads(as_json.output)
    assert [(r["username"], r["label"], r["revoked"]) for r in rows] == [("bot", "nightly", False)]
    assert runner.invoke(tokens_app, ["list", "nobody"]).exit_code != 0
    by_id = runner.invoke(tokens_app, ["revoke", str(rows[0]["id"])])
    assert by_id.exit_code == 0 and "Revoked token" in by_id.output
    assert appdb.user_for_token(db, first) is None
    twice = runner.invoke(tokens_app, ["revoke", first])
    assert twice.exit_code != 0 and "already revoked" in str(twice.exception)
    assert "Revoked" not in twice.output
    by_token = runner.invoke(tokens_app, ["revoke", second])
    assert by_token.exit_code == 0 and appdb.user_for_token(db, second) is None
    label = runner.invoke(tokens_app, ["revoke", "nightly"])
    assert label.exit_code != 0 and "tokens list" in (label.exception.fix or "")
    assert [a for a, _, _ in _actions(db)] == ["token.revoke", "token.revoke"]
    made = runner.invoke(tokens_app, ["create", "bot"])
    assert made.exit_code == 0 and _actions(db)[-1][0] == "token.create"
