"""The app database: migrations on an empty SQLite file, accounts with checked roles and
scopes, argon2 passwords, hashed tokens, login throttling."""

from __future__ import annotations

from pathlib import Path

import ibis
import pandas as pd
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select, text

from openpcn.config import Settings
from openpcn.exceptions import UserError
from openpcn.store import appdb
from openpcn.store.schema import TABLES
from openpcn.store.warehouse import write_tables

PASSWORD = "a long enough password"


@pytest.fixture
def db(tmp_path: Path) -> appdb.AppDB:
    database = appdb.open_appdb(f"sqlite:///{tmp_path / 'app.db'}")
    yield database
    database.dispose()


def _frame(table: str, rows: list[dict]) -> pd.DataFrame:
    columns = TABLES[table].column_names
    return pd.DataFrame([{c: row.get(c) for c in columns} for row in rows], columns=columns)


@pytest.fixture
def warehouse(tmp_path: Path) -> ibis.BaseBackend:
    """Just enough organisations: PCN U42510 and practice J81019."""
    path = tmp_path / "warehouse.duckdb"
    write_tables(
        path,
        {
            "pcns": _frame(
                "pcns",
                [{"pcn_code": "U42510", "name": "BLANDFORD PCN", "commissioner_code": "11J"}],
            ),
            "practices": _frame(
                "practices",
                [
                    {
                        "practice_code": "J81019",
                        "name": "A practice",
                        "commissioner_code": "11J",
                        "status": "active",
                    }
                ],
            ),
        },
    )
    con = ibis.duckdb.connect(str(path), read_only=True)
    yield con
    con.disconnect()


def test_migrations_build_every_table_on_an_empty_sqlite_file(db: appdb.AppDB) -> None:
    tables = set(inspect(db.engine).get_table_names())
    expected = {"users", "api_tokens", "audit_log", "saved_items", "login_attempts", "staff"}
    assert expected | {"alembic_version"} == tables
    with db.engine.connect() as con:
        assert con.execute(text("select version_num from alembic_version")).scalar() == "0002"


def test_the_models_match_the_migrations(db: appdb.AppDB) -> None:
    with db.engine.connect() as con:
        assert compare_metadata(MigrationContext.configure(con), appdb.Base.metadata) == []


def test_migrating_again_changes_nothing(db: appdb.AppDB) -> None:
    appdb.add_user(db, "ann", PASSWORD, "admin")
    appdb.migrate(db.engine)
    assert [u.username for u in appdb.list_users(db)] == ["ann"]


def test_the_url_comes_from_the_environment_or_sits_beside_the_warehouse() -> None:
    settings = Settings(home=Path("/srv/openpcn"))
    assert appdb.appdb_url(settings, env={}) == "sqlite:////srv/openpcn/app.db"
    url = "postgresql+psycopg://openpcn@db/openpcn"
    assert appdb.appdb_url(settings, env={"OPENPCN_APPDB_URL": url}) == url


@pytest.mark.parametrize(
    ("role", "pcn", "practice", "says", "fix"),
    [
        ("pcn_manager", None, None, "scoped to one PCN", "--pcn"),
        ("pcn_manager", "U42510", "J81019", "scoped to one PCN", "no --practice"),
        ("pcn_manager", "J81019", None, "not a PCN code", "U + 5 digits"),
        ("pcn_manager", "U99999", None, "no PCN with code U99999", "check the code"),
        ("practice_user", None, None, "scoped to one practice", "--practice"),
        ("practice_user", None, "J8101", "not a practice code", "a letter and 5 digits"),
        ("practice_user", None, "J89999", "no practice with code J89999", "check the code"),
        ("admin", "U42510", None, "takes no scope", "leave out --pcn"),
        ("ics_analyst", None, "J81019", "takes no scope", "leave out --pcn"),
        ("superuser", None, None, "unknown role", "admin, ics_analyst, pcn_manager"),
    ],
)
def test_roles_and_scopes_are_checked(
    warehouse: ibis.BaseBackend, role: str, pcn: str | None, practice: str | None, says: str,
    fix: str,
) -> None:  # fmt: skip
    with pytest.raises(UserError) as raised:
        appdb.check_scope(role, pcn, practice, warehouse)
    assert says in raised.value.what
    assert fix in (raised.value.fix or "")


def test_good_scopes_pass(warehouse: ibis.BaseBackend, db: appdb.AppDB) -> None:
    assert appdb.check_scope("pcn_manager", "U42510", None, warehouse) is appdb.Role.PCN_MANAGER
    assert appdb.check_scope("practice_user", None, "J81019", warehouse).value == "practice_user"
    user = appdb.add_user(
        db, "dora", PASSWORD, "pcn_manager", pcn_code="U42510", warehouse=warehouse
    )
    assert (user.role, user.pcn_code, user.practice_code, user.active) == (
        "pcn_manager", "U42510", None, True,
    )  # fmt: skip


def test_passwords_are_argon2_hashes(db: appdb.AppDB) -> None:
    appdb.add_user(db, "ann", PASSWORD, "admin")
    with db.session() as session:
        stored = session.scalar(select(appdb.User.password_hash))
    assert stored is not None and stored.startswith("$argon2id$") and PASSWORD not in stored
    assert appdb.authenticate(db, "ann", PASSWORD) is not None
    assert appdb.authenticate(db, "ann", PASSWORD + "!") is None
    assert appdb.authenticate(db, "nobody", PASSWORD) is None


def test_accounts_need_a_long_password_a_plain_name_and_no_twin(db: appdb.AppDB) -> None:
    with pytest.raises(UserError, match="shorter than 12"):
        appdb.add_user(db, "ann", "short", "admin")
    with pytest.raises(UserError, match="not a usable username"):
        appdb.add_user(db, "ann smith", PASSWORD, "admin")
    appdb.add_user(db, "ann", PASSWORD, "admin")
    with pytest.raises(UserError, match="exists"):
        appdb.add_user(db, "ann", PASSWORD, "ics_analyst")
    assert appdb.count_users(db) == 1


def test_tokens_are_stored_hashed_and_can_be_revoked(db: appdb.AppDB) -> None:
    appdb.add_user(db, "bot", PASSWORD, "ics_analyst")
    token = appdb.create_token(db, "bot", "nightly report")
    assert token.startswith(appdb.TOKEN_PREFIX) and len(token) > 40
    with db.session() as session:
        row = session.scalar(select(appdb.ApiToken))
        assert row is not None and token not in row.token_hash and row.label == "nightly report"
    user = appdb.user_for_token(db, token)
    assert user is not None and user.username == "bot"
    with db.session() as session:
        assert session.scalar(select(appdb.ApiToken.last_used)) is not None
    assert appdb.revoke_token(db, token)
    assert appdb.user_for_token(db, token) is None
    with pytest.raises(UserError, match="no active user"):
        appdb.create_token(db, "nobody")


def test_throttling_counts_failures_per_name_and_address(db: appdb.AppDB) -> None:
    for _ in range(appdb.THROTTLE_FAILURES - 1):
        appdb.record_login(db, "ann", "10.0.0.1", success=False)
    assert not appdb.is_throttled(db, "ann", "10.0.0.1")
    appdb.record_login(db, "ann", "10.0.0.1", success=False)
    assert appdb.is_throttled(db, "ann", "10.0.0.1")
    assert not appdb.is_throttled(db, "ann", "10.0.0.2")
    assert not appdb.is_throttled(db, "bob", "10.0.0.1")
    appdb.record_login(db, "ann", "10.0.0.1", success=True)
    assert not appdb.is_throttled(db, "ann", "10.0.0.1")


def test_a_bad_url_says_how_to_write_one() -> None:
    with pytest.raises(UserError, match="cannot use the app database URL") as raised:
        appdb.open_appdb("nosuchdialect://x")
    assert "OPENPCN_APPDB_URL" in (raised.value.fix or "")
