"""The app database: migrations on an empty SQLite file, accounts with checked roles and
scopes, argon2 passwords, hashed tokens, server-side sessions, account changes (each audited)
and login throttling."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import ibis
import pandas as pd
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, inspect, select, text, update

from openpcn.config import Settings
from openpcn.exceptions import NotFoundError, UserError
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
    expected |= {"formation_scenarios", "studies"}
    assert expected | {"user_sessions", "alembic_version"} == tables
    with db.engine.connect() as con:
        assert con.execute(text("select version_num from alembic_version")).scalar() == "0005"


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
    assert appdb.login_throttle(db, "ann", "10.0.0.1") is None
    appdb.record_login(db, "ann", "10.0.0.1", success=False)
    assert appdb.login_throttle(db, "ann", "10.0.0.1") == appdb.Throttle("pair", 900)
    assert appdb.login_throttle(db, "ann", "10.0.0.2") is None  # no lockout by others
    assert appdb.login_throttle(db, "bob", "10.0.0.1") is None
    appdb.record_login(db, "ann", "10.0.0.1", success=True)
    assert appdb.login_throttle(db, "ann", "10.0.0.1") is None


def test_a_bad_url_says_how_to_write_one() -> None:
    with pytest.raises(UserError, match="cannot use the app database URL") as raised:
        appdb.open_appdb("nosuchdialect://x")
    assert "OPENPCN_APPDB_URL" in (raised.value.fix or "")


CLI = appdb.Actor("cli", "openpcn users")


def _audit(db: appdb.AppDB) -> list[tuple[str, str, str]]:
    with db.session() as session:
        rows = session.scalars(select(appdb.AuditLog).order_by(appdb.AuditLog.id))
        return [(r.action, r.username, r.scope) for r in rows]


def test_spraying_from_one_address_locks_it_out_except_for_its_own_users(
    db: appdb.AppDB,
) -> None:
    appdb.record_login(db, "regular", "10.0.0.9", success=True)  # logs in from there
    for n in range(appdb.ADDRESS_FAILURES):  # one or two guesses at many names
        appdb.record_login(db, f"name{n}", "10.0.0.9", success=False)
    assert appdb.login_throttle(db, "someone", "10.0.0.9") == appdb.Throttle("address", 900)
    assert appdb.login_throttle(db, "someone", "10.0.0.8") is None
    assert appdb.login_throttle(db, "regular", "10.0.0.9") is None


def test_a_siege_on_one_username_slows_it_but_never_locks_its_owner_out(
    db: appdb.AppDB,
) -> None:
    now = appdb.utcnow()
    appdb.record_login(db, "ann", "10.1.0.1", success=True, now=now - dt.timedelta(days=2))
    for n in range(appdb.USERNAME_FAILURES):  # few guesses from each of many addresses
        appdb.record_login(db, "ann", f"10.2.0.{n}", success=False, now=now)
    # From a new address: one password check per USERNAME_SPACING, then a retry works.
    slowed = appdb.login_throttle(db, "ann", "10.3.0.1", now=now + dt.timedelta(seconds=1))
    assert slowed is not None and slowed.reason == "username"
    assert 1 <= slowed.retry_after <= appdb.USERNAME_SPACING.total_seconds()
    later = now + appdb.USERNAME_SPACING + dt.timedelta(seconds=1)
    assert appdb.login_throttle(db, "ann", "10.3.0.1", now=later) is None
    # From where ann logged in before: not slowed at all.
    assert appdb.login_throttle(db, "ann", "10.1.0.1", now=now + dt.timedelta(seconds=1)) is None
    assert appdb.login_throttle(db, "bob", "10.3.0.1", now=now) is None


def test_sessions_live_until_ended_or_expired(db: appdb.AppDB) -> None:
    user = appdb.add_user(db, "ann", PASSWORD, "admin")
    first, second = appdb.start_session(db, user.id), appdb.start_session(db, user.id)
    with db.session() as session:
        stored = set(session.scalars(select(appdb.LoginSession.id_hash)))
    assert first not in stored and len(stored) == 2  # only digests are kept
    assert appdb.user_for_session(db, first).username == "ann"
    assert appdb.end_session(db, first)
    assert appdb.user_for_session(db, first) is None
    assert not appdb.end_session(db, first)
    assert appdb.live_sessions(db) == {user.id: 1}
    with db.session() as session:  # eight hours later, however busy it was
        session.execute(update(appdb.LoginSession).values(expires=appdb.utcnow() - dt.timedelta(1)))
    assert appdb.user_for_session(db, second) is None


def test_disabling_ends_sessions_and_stops_tokens_and_is_audited(db: appdb.AppDB) -> None:
    appdb.add_user(db, "root", PASSWORD, "admin")
    user = appdb.add_user(db, "ann", PASSWORD, "ics_analyst", actor=CLI)
    session_id = appdb.start_session(db, user.id)
    token = appdb.create_token(db, "ann", "bench", actor=CLI)
    appdb.set_active(db, user.id, False, actor=CLI)
    assert appdb.user_for_session(db, session_id) is None
    assert appdb.user_for_token(db, token) is None
    assert appdb.authenticate(db, "ann", PASSWORD) is None
    with pytest.raises(UserError, match="already disabled"):
        appdb.set_active(db, user.id, False, actor=CLI)
    appdb.set_active(db, user.id, True, actor=CLI)
    assert appdb.user_for_token(db, token) is not None  # not revoked: works again
    assert appdb.user_for_session(db, session_id) is None  # sessions stay ended
    assert [a for a, _, _ in _audit(db)] == [
        "user.add",
        "token.create",
        "user.disable",
        "user.enable",
    ]
    assert _audit(db)[0] == ("user.add", "cli", "user ann (ics_analyst)")


def test_role_and_password_changes_end_sessions(
    db: appdb.AppDB, warehouse: ibis.BaseBackend
) -> None:
    user = appdb.add_user(db, "ann", PASSWORD, "ics_analyst")
    session_id = appdb.start_session(db, user.id)
    with pytest.raises(UserError, match="scoped to one PCN"):
        appdb.set_role(db, user.id, "pcn_manager", actor=CLI)
    assert appdb.user_for_session(db, session_id) is not None  # a refused change ends nothing
    appdb.set_role(db, user.id, "pcn_manager", pcn_code="U42510", warehouse=warehouse, actor=CLI)
    assert appdb.user_for_session(db, session_id) is None
    assert appdb.find_user(db, user.id).pcn_code == "U42510"
    session_id = appdb.start_session(db, user.id)
    appdb.set_password(db, user.id, "another long password", actor=CLI)
    assert appdb.user_for_session(db, session_id) is None
    assert appdb.authenticate(db, "ann", "another long password") is not None
    assert _audit(db)[-2:] == [
        ("user.role", "cli", "user ann (pcn_manager, U42510)"),
        ("user.password", "cli", "user ann (pcn_manager, U42510)"),
    ]


def test_removing_a_user_takes_its_sessions_and_tokens_and_keeps_its_audit_rows(
    db: appdb.AppDB,
) -> None:
    appdb.add_user(db, "root", PASSWORD, "admin")
    user = appdb.add_user(db, "ann", PASSWORD, "ics_analyst")
    token = appdb.create_token(db, "ann")
    appdb.start_session(db, user.id)
    appdb.record_event(db, user_id=user.id, username="ann", action="view", route="/x")
    appdb.remove_user(db, user.id, actor=CLI)
    with db.session() as session:
        assert session.scalar(select(func.count(appdb.LoginSession.id))) == 0
        assert session.scalar(select(func.count(appdb.ApiToken.id))) == 0
        assert session.scalar(select(appdb.AuditLog.user_id)) is None
    again = appdb.add_user(db, "ann", PASSWORD, "ics_analyst")  # may reuse the id in SQLite
    assert appdb.user_for_token(db, token) is None and again.username == "ann"
    assert ("user.remove", "cli", "user ann (ics_analyst)") in _audit(db)
    with pytest.raises(NotFoundError):
        appdb.remove_user(db, 999, actor=CLI)


def test_the_last_admin_stays_and_admins_cannot_lock_themselves_out(db: appdb.AppDB) -> None:
    root = appdb.add_user(db, "root", PASSWORD, "admin")
    for change in (
        lambda: appdb.set_active(db, root.id, False, actor=CLI),
        lambda: appdb.remove_user(db, root.id, actor=CLI),
        lambda: appdb.set_role(db, root.id, "ics_analyst", actor=CLI),
    ):
        with pytest.raises(UserError, match="only active admin"):
            change()
    other = appdb.add_user(db, "ops", PASSWORD, "admin")
    web = appdb.Actor("root", "/admin/users", user_id=root.id)
    with pytest.raises(UserError, match="your own account"):
        appdb.set_active(db, root.id, False, actor=web)
    appdb.set_active(db, other.id, False, actor=web)
    assert appdb.find_user(db, root.id).active


def test_tokens_are_listed_without_the_token_and_revoked_once_by_id(db: appdb.AppDB) -> None:
    appdb.add_user(db, "bot", PASSWORD, "ics_analyst")
    appdb.add_user(db, "ann", PASSWORD, "ics_analyst")
    token = appdb.create_token(db, "bot", "nightly")
    appdb.create_token(db, "ann", "other")
    listed = appdb.list_tokens(db)
    assert [(t.username, t.label, t.revoked) for t in listed] == [
        ("bot", "nightly", False), ("ann", "other", False),
    ]  # fmt: skip
    assert [t.username for t in appdb.list_tokens(db, "ann")] == ["ann"]
    assert appdb.token_id_of(db, token) == listed[0].id
    revoked = appdb.revoke_token_id(db, listed[0].id, actor=CLI)
    assert revoked.revoked and appdb.user_for_token(db, token) is None
    with pytest.raises(UserError, match="already revoked"):
        appdb.revoke_token_id(db, listed[0].id, actor=CLI)
    with pytest.raises(NotFoundError):
        appdb.revoke_token_id(db, 999)
    assert ("token.revoke", "cli", f"token {listed[0].id} of bot") in _audit(db)
