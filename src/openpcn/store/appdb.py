"""The app database: accounts, API tokens, sessions, audit log, saved items, formation
scenarios, evaluation studies and login attempts.

SQLAlchemy 2 models on SQLite by default (`<OPENPCN_HOME>/app.db`) or PostgreSQL by URL
(`OPENPCN_APPDB_URL`). The layout is owned by the Alembic migrations in `store/migrations/`,
applied by `migrate()` at app start and by the CLI; the models must match them (a test checks).
Passwords are argon2 hashes; API tokens and session ids are stored as SHA-256 digests (they
are long random strings, so a slow hash adds nothing); a token is shown once at creation.
Every account change takes an `Actor` and writes its audit row in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

import ibis
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    create_engine,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from openpcn.codes import PCN_CODE, PRACTICE_CODE
from openpcn.config import Settings
from openpcn.exceptions import ConfigError, NotFoundError, StoreError, UserError

MIGRATIONS = Path(__file__).with_name("migrations")
MIN_PASSWORD_LENGTH = 12
# Login throttling (docs/web.md, "Security model"). Failed logins within THROTTLE_WINDOW:
THROTTLE_WINDOW = dt.timedelta(minutes=15)
THROTTLE_FAILURES = 5  # per username + address: that pair is locked out for the window
ADDRESS_FAILURES = 30  # per address, any usernames (spraying): the address is locked out,
# except for usernames that logged in from it before (within KNOWN_ADDRESS_PERIOD)
USERNAME_FAILURES = 30  # per username, any addresses: slowed (never locked) to one password
USERNAME_SPACING = dt.timedelta(seconds=10)  # check per this spacing, except from known addresses
KNOWN_ADDRESS_PERIOD = dt.timedelta(days=30)
SESSION_LIFETIME = dt.timedelta(hours=8)  # from login, however busy: a working day
SESSION_TOUCH = dt.timedelta(minutes=1)  # last_seen is written at most this often
TOKEN_PREFIX = "opcn_"
USERNAME = re.compile(r"[A-Za-z0-9._@-]{1,64}")

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Checked against when the username is unknown, so that costs the same time."""
    return _hasher.hash(secrets.token_urlsafe(16))


class Role(StrEnum):
    """What a user may see; pcn_manager and practice_user are scoped to one organisation."""

    ADMIN = "admin"
    ICS_ANALYST = "ics_analyst"
    PCN_MANAGER = "pcn_manager"
    PRACTICE_USER = "practice_user"


def utcnow() -> dt.datetime:
    """Naive UTC: SQLite keeps no zone, so every stored time is UTC without one."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    pcn_code: Mapped[str | None] = mapped_column(String(16))
    practice_code: Mapped[str | None] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    created: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_used: Mapped[dt.datetime | None] = mapped_column(DateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class AuditLog(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    time: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    username: Mapped[str] = mapped_column(String(64))
    route: Mapped[str] = mapped_column(String(255))
    scope: Mapped[str] = mapped_column(String(255))
    rows: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(32), default="view")


class SavedItem(Base):
    __tablename__ = "saved_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    payload: Mapped[Any] = mapped_column(JSON)
    created: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class FormationScenario(Base):
    """A named formation proposal (`openpcn formation propose --save`), kept whole as JSON so a
    later change to the solver cannot change what was saved."""

    __tablename__ = "formation_scenarios"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    ics: Mapped[str] = mapped_column(String(16))
    date: Mapped[dt.date] = mapped_column(Date)
    mode: Mapped[str] = mapped_column(String(16))
    payload: Mapped[Any] = mapped_column(JSON)
    saved_by: Mapped[str] = mapped_column(String(64))
    created: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Study(Base):
    """A named evaluation study (`openpcn evaluate new`): its definition as JSON, so a rerun is
    exact, and the last run's method, parameters and aggregate summary. The matched sets are
    patient-level and never stored: a rerun recomputes them from the definition and the seed."""

    __tablename__ = "studies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    definition: Mapped[Any] = mapped_column(JSON)
    author: Mapped[str] = mapped_column(String(64))
    created: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    method: Mapped[str | None] = mapped_column(String(16))
    parameters: Mapped[Any | None] = mapped_column(JSON)
    summary: Mapped[Any | None] = mapped_column(JSON)
    run_by: Mapped[str | None] = mapped_column(String(64))
    run_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class LoginAttempt(Base):
    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_who", "username", "address", "time"),
        Index("ix_login_attempts_address", "address", "time"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    time: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    success: Mapped[bool] = mapped_column(Boolean)


class LoginSession(Base):
    """A signed-in browser: its cookie carries a random id, this row the id's digest."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_seen: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires: Mapped[dt.datetime] = mapped_column(DateTime, index=True)


class Staff(Base):
    """One post: filled (with an age band) or vacant; open from start_date to end_date."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    practice_code: Mapped[str | None] = mapped_column(String(16), index=True)
    pcn_code: Mapped[str | None] = mapped_column(String(16), index=True)
    role: Mapped[str] = mapped_column(String(64))
    fte: Mapped[float] = mapped_column(Float)
    age_band: Mapped[str | None] = mapped_column(String(16))
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    vacancy: Mapped[bool] = mapped_column(Boolean)
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime)
    source: Mapped[str] = mapped_column(String(255))


# ---------------------------------------------------------------------------------------------
# Engine, sessions, migrations


def appdb_url(settings: Settings, env: dict[str, str] | None = None) -> str:
    """`OPENPCN_APPDB_URL` if set, else a SQLite file beside the warehouse."""
    env = dict(os.environ) if env is None else env
    url = env.get("OPENPCN_APPDB_URL", "").strip()
    return url or f"sqlite:///{settings.home / 'app.db'}"


@dataclass
class AppDB:
    """An engine and its session factory; `session()` commits on success, rolls back on error."""

    engine: Engine
    sessions: sessionmaker[Session]

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.sessions() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def dispose(self) -> None:
        self.engine.dispose()


def open_appdb(url: str, *, migrate_now: bool = True) -> AppDB:
    """Open (and by default migrate to the newest layout) the app database at `url`."""
    kwargs: dict[str, Any] = {}
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"check_same_thread": False}
    try:
        engine = create_engine(url, **kwargs)
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        raise ConfigError(
            f"cannot use the app database URL ({type(exc).__name__})",
            fix="set OPENPCN_APPDB_URL to sqlite:///PATH or postgresql+psycopg://USER@HOST/DB",
        ) from exc
    db = AppDB(engine=engine, sessions=sessionmaker(engine, expire_on_commit=False))
    if migrate_now:
        migrate(db.engine)
    return db


def migrate(engine: Engine) -> None:
    """Apply every Alembic migration not yet applied (alembic upgrade head), no ini file."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except SQLAlchemyError as exc:
        raise StoreError(f"migrating the app database failed: {type(exc).__name__}") from exc


# ---------------------------------------------------------------------------------------------
# Accounts


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_scope(
    role: str,
    pcn_code: str | None,
    practice_code: str | None,
    warehouse: ibis.BaseBackend | None = None,
) -> Role:
    """The role, if its scope is right: a PCN for pcn_manager, a practice for practice_user."""
    try:
        parsed = Role(role)
    except ValueError:
        raise UserError(
            f"unknown role {role!r}", fix=f"use one of: {', '.join(r.value for r in Role)}"
        ) from None
    if parsed is Role.PCN_MANAGER:
        if not pcn_code or practice_code:
            raise UserError(
                "a pcn_manager is scoped to one PCN", fix="give --pcn CODE (and no --practice)"
            )
        if not PCN_CODE.fullmatch(pcn_code):
            raise UserError(f"{pcn_code!r} is not a PCN code", fix="use U + 5 digits, e.g. U42510")
        _check_exists(warehouse, "pcns", "pcn_code", pcn_code, "PCN")
    elif parsed is Role.PRACTICE_USER:
        if not practice_code or pcn_code:
            raise UserError(
                "a practice_user is scoped to one practice",
                fix="give --practice CODE (and no --pcn)",
            )
        if not PRACTICE_CODE.fullmatch(practice_code):
            raise UserError(
                f"{practice_code!r} is not a practice code",
                fix="use the ODS code: a letter and 5 digits, e.g. J81019",
            )
        _check_exists(warehouse, "practices", "practice_code", practice_code, "practice")
    elif pcn_code or practice_code:
        raise UserError(
            f"the {parsed.value} role sees the whole ICS and takes no scope",
            fix="leave out --pcn and --practice, or choose pcn_manager or practice_user",
        )
    return parsed


def _check_exists(
    warehouse: ibis.BaseBackend | None, table: str, column: str, code: str, label: str
) -> None:
    if warehouse is None:
        return
    t = warehouse.table(table)
    found = int(t.filter(t[column] == code).count().execute())
    if not found:
        raise UserError(
            f"no {label} with code {code} in the warehouse",
            fix="check the code (`openpcn orgs show CODE` shows what the warehouse holds)",
        )


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(
            f"the password is shorter than {MIN_PASSWORD_LENGTH} characters",
            fix=f"choose a password of at least {MIN_PASSWORD_LENGTH} characters",
        )


@dataclass(frozen=True)
class Actor:
    """Who makes an account change, for its audit row: a signed-in admin (their id and the
    route) or the command line (username `cli`, the command as the route)."""

    username: str
    route: str
    user_id: int | None = None


def _audit(session: Session, actor: Actor | None, action: str, scope: str) -> None:
    if actor is not None:
        record_event(
            session,
            user_id=actor.user_id,
            username=actor.username,
            action=action,
            route=actor.route,
            scope=scope,
        )


def _scope_text(user: User) -> str:
    """`user NAME (role, CODE)`: what an audit row says about an account."""
    scope = user.pcn_code or user.practice_code
    return f"user {user.username} ({user.role}{', ' + scope if scope else ''})"


def add_user(
    db: AppDB,
    username: str,
    password: str,
    role: str,
    *,
    pcn_code: str | None = None,
    practice_code: str | None = None,
    warehouse: ibis.BaseBackend | None = None,
    actor: Actor | None = None,
) -> User:
    """Create an account after checking the name, password, role and scope."""
    username = username.strip()
    if not USERNAME.fullmatch(username):
        raise UserError(
            f"{username!r} is not a usable username",
            fix="use 1-64 letters, digits, '.', '_', '-' or '@'",
        )
    parsed = check_scope(role, pcn_code, practice_code, warehouse)
    check_password(password)
    with db.session() as session:
        if session.scalar(select(User.id).where(User.username == username)) is not None:
            raise UserError(f"a user named {username!r} exists", fix="choose another username")
        user = User(
            username=username,
            password_hash=hash_password(password),
            role=parsed.value,
            pcn_code=pcn_code,
            practice_code=practice_code,
            active=True,
        )
        session.add(user)
        session.flush()
        _audit(session, actor, "user.add", _scope_text(user))
        return user


def list_users(db: AppDB) -> list[User]:
    with db.session() as session:
        return list(session.scalars(select(User).order_by(User.username)))


def count_users(db: AppDB) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count(User.id))) or 0)


def find_user(db: AppDB, user_id: int) -> User:
    """The account with this id, active or not; NotFoundError if there is none."""
    with db.session() as session:
        return _account(session, user_id)


def user_id_of(db: AppDB, username: str) -> int:
    """The id of the account with this username; NotFoundError if there is none."""
    with db.session() as session:
        found = session.scalar(select(User.id).where(User.username == username.strip()))
    if found is None:
        raise NotFoundError(
            f"no user named {username!r}", fix="`openpcn users list` shows every account"
        )
    return found


def _account(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError(
            f"no user with id {user_id}", fix="`openpcn users list` shows every account"
        )
    return user


def _not_self(user: User, actor: Actor, doing: str) -> None:
    """An admin may not lock themselves out from the web: another admin (or the CLI) can."""
    if actor.user_id is not None and actor.user_id == user.id:
        raise UserError(
            f"you cannot {doing} your own account",
            fix="ask another admin, or use the `openpcn users` commands on the server",
        )


def _keep_an_admin(session: Session, user: User, doing: str) -> None:
    """Refuse to disable, remove or demote the last active admin: no one could undo it."""
    if user.role != Role.ADMIN.value or not user.active:
        return
    others = session.scalar(
        select(func.count(User.id)).where(
            User.role == Role.ADMIN.value, User.active.is_(True), User.id != user.id
        )
    )
    if not others:
        raise UserError(
            f"cannot {doing} {user.username}: it is the only active admin",
            fix="add or enable another admin first",
        )


def set_active(db: AppDB, user_id: int, active: bool, *, actor: Actor) -> User:
    """Enable or disable an account. Disabling ends its sessions and stops its tokens at once
    (they work again if it is enabled again, unless revoked)."""
    doing = "enable" if active else "disable"
    with db.session() as session:
        user = _account(session, user_id)
        _not_self(user, actor, doing)
        if user.active == active:
            raise UserError(f"{user.username} is already {doing}d")
        if not active:
            _keep_an_admin(session, user, doing)
            _end_sessions(session, user.id)
        user.active = active
        _audit(session, actor, f"user.{doing}", _scope_text(user))
        return user


def remove_user(db: AppDB, user_id: int, *, actor: Actor) -> User:
    """Delete an account with its sessions, tokens and saved items; its audit rows keep the
    username. Done here rather than by the foreign keys: SQLite does not enforce them, and
    it may give a later account the same id."""
    with db.session() as session:
        user = _account(session, user_id)
        _not_self(user, actor, "remove")
        _keep_an_admin(session, user, "remove")
        _end_sessions(session, user.id)
        session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
        session.execute(delete(SavedItem).where(SavedItem.user_id == user.id))
        session.execute(update(AuditLog).where(AuditLog.user_id == user.id).values(user_id=None))
        session.delete(user)
        _audit(session, actor, "user.remove", _scope_text(user))
        return user


def set_password(db: AppDB, user_id: int, password: str, *, actor: Actor) -> User:
    """A new password for an account; its sessions end (its tokens stay: revoke them apart)."""
    check_password(password)
    with db.session() as session:
        user = _account(session, user_id)
        _not_self(user, actor, "reset the password of")
        user.password_hash = hash_password(password)
        _end_sessions(session, user.id)
        _audit(session, actor, "user.password", _scope_text(user))
        return user


def set_role(
    db: AppDB,
    user_id: int,
    role: str,
    *,
    pcn_code: str | None = None,
    practice_code: str | None = None,
    warehouse: ibis.BaseBackend | None = None,
    actor: Actor,
) -> User:
    """A new role and scope (checked as for `add_user`); the account's sessions end."""
    parsed = check_scope(role, pcn_code, practice_code, warehouse)
    with db.session() as session:
        user = _account(session, user_id)
        _not_self(user, actor, "change the role of")
        if parsed is not Role.ADMIN:
            _keep_an_admin(session, user, "change the role of")
        user.role, user.pcn_code, user.practice_code = parsed.value, pcn_code, practice_code
        _end_sessions(session, user.id)
        _audit(session, actor, "user.role", _scope_text(user))
        return user


def authenticate(db: AppDB, username: str, password: str) -> User | None:
    """The active user with this password, else None; unknown names cost the same time."""
    with db.session() as session:
        user = session.scalar(select(User).where(User.username == username.strip()))
        if user is None or not user.active:
            _verify(_dummy_hash(), password)
            return None
        if not _verify(user.password_hash, password):
            return None
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        return user


def _verify(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


# ---------------------------------------------------------------------------------------------
# Sessions: the cookie carries a random id; only its digest is kept, with an absolute expiry


def start_session(db: AppDB, user_id: int) -> str:
    """A new session for this user, valid for SESSION_LIFETIME; the id to put in the cookie."""
    session_id = secrets.token_urlsafe(32)
    now = utcnow()
    with db.session() as session:
        session.execute(delete(LoginSession).where(LoginSession.expires <= now))
        session.add(
            LoginSession(
                id_hash=_digest(session_id),
                user_id=user_id,
                created=now,
                last_seen=now,
                expires=now + SESSION_LIFETIME,
            )
        )
    return session_id


def user_for_session(db: AppDB, session_id: str) -> User | None:
    """The active user of this live session (and note it was seen), else None."""
    now = utcnow()
    with db.session() as session:
        row = session.scalar(
            select(LoginSession).where(LoginSession.id_hash == _digest(session_id))
        )
        if row is None or row.expires <= now:
            return None
        user = session.get(User, row.user_id)
        if user is None or not user.active:
            return None
        if now - row.last_seen > SESSION_TOUCH:
            row.last_seen = now  # at most once a minute: page views should not all write
        return user


def end_session(db: AppDB, session_id: str) -> bool:
    """End one session (logout); True if it was live."""
    with db.session() as session:
        ended = session.execute(
            delete(LoginSession).where(LoginSession.id_hash == _digest(session_id))
        )
        return bool(getattr(ended, "rowcount", 0))


def _end_sessions(session: Session, user_id: int) -> None:
    session.execute(delete(LoginSession).where(LoginSession.user_id == user_id))


def live_sessions(db: AppDB) -> dict[int, int]:
    """How many unexpired sessions each user id has."""
    with db.session() as session:
        rows = session.execute(
            select(LoginSession.user_id, func.count(LoginSession.id))
            .where(LoginSession.expires > utcnow())
            .group_by(LoginSession.user_id)
        )
        return {int(user_id): int(count) for user_id, count in rows}


# ---------------------------------------------------------------------------------------------
# Login throttling (the rules and why: docs/web.md, "Security model")


@dataclass(frozen=True)
class Throttle:
    """Why a login attempt is refused before its password is checked, and for how long:
    `pair` (this username from this address), `address` (many usernames from this address),
    `username` (many addresses for this username: slowed, not locked)."""

    reason: Literal["pair", "address", "username"]
    retry_after: int  # seconds


def record_login(
    db: AppDB, username: str, address: str, *, success: bool, now: dt.datetime | None = None
) -> None:
    """Remember a login attempt. A success clears that name and address's failures and marks
    the address as known for the name (for KNOWN_ADDRESS_PERIOD)."""
    now = now or utcnow()
    name, where = username[:64], address[:64]
    with db.session() as session:
        if success:
            session.execute(
                delete(LoginAttempt).where(
                    LoginAttempt.username == name, LoginAttempt.address == where
                )
            )
        session.add(LoginAttempt(username=name, address=where, time=now, success=success))
        # Old rows are no use to anyone: keep the table small.
        session.execute(
            delete(LoginAttempt).where(
                or_(
                    LoginAttempt.time < now - KNOWN_ADDRESS_PERIOD,
                    LoginAttempt.success.is_(False) & (LoginAttempt.time < now - THROTTLE_WINDOW),
                )
            )
        )


def login_throttle(
    db: AppDB, username: str, address: str, *, now: dt.datetime | None = None
) -> Throttle | None:
    """The throttle this attempt meets, if any (see the limits at the top of this module)."""
    now = now or utcnow()
    name, where = username[:64], address[:64]
    window = int(THROTTLE_WINDOW.total_seconds())
    failed = LoginAttempt.success.is_(False) & (LoginAttempt.time >= now - THROTTLE_WINDOW)
    count = func.count(LoginAttempt.id)
    with db.session() as session:
        pair = session.scalar(
            select(count).where(
                failed, LoginAttempt.username == name, LoginAttempt.address == where
            )
        )
        if int(pair or 0) >= THROTTLE_FAILURES:
            return Throttle("pair", window)
        known = session.scalar(
            select(LoginAttempt.id)
            .where(
                LoginAttempt.username == name,
                LoginAttempt.address == where,
                LoginAttempt.success.is_(True),
                LoginAttempt.time >= now - KNOWN_ADDRESS_PERIOD,
            )
            .limit(1)
        )
        if known is not None:
            return None  # the user's own place: neither spraying nor a siege locks them out
        spraying = session.scalar(select(count).where(failed, LoginAttempt.address == where))
        if int(spraying or 0) >= ADDRESS_FAILURES:
            return Throttle("address", window)
        failures, latest = session.execute(
            select(count, func.max(LoginAttempt.time)).where(failed, LoginAttempt.username == name)
        ).one()
    if int(failures or 0) >= USERNAME_FAILURES and latest is not None:
        wait = latest + USERNAME_SPACING - now
        if wait > dt.timedelta(0):
            return Throttle("username", max(1, int(wait.total_seconds() + 0.999)))
    return None


# ---------------------------------------------------------------------------------------------
# API tokens


@dataclass(frozen=True)
class TokenInfo:
    """A token as admins see it: never the token itself, which is not kept."""

    id: int
    username: str
    label: str
    created: dt.datetime
    last_used: dt.datetime | None
    revoked: bool


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(db: AppDB, username: str, label: str = "", *, actor: Actor | None = None) -> str:
    """A new bearer token for the user; only its digest is kept, so show it now or never."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with db.session() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None or not user.active:
            raise UserError(
                f"no active user named {username!r}", fix="create it first with `openpcn users add`"
            )
        row = ApiToken(user_id=user.id, token_hash=_digest(token), label=label[:100])
        session.add(row)
        session.flush()
        _audit(session, actor, "token.create", f"token {row.id} of {user.username}")
    return token


def user_for_token(db: AppDB, token: str) -> User | None:
    """The active user owning this unrevoked token (and note its use), else None."""
    with db.session() as session:
        row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
        if row is None or row.revoked:
            return None
        user = session.get(User, row.user_id)
        if user is None or not user.active:
            return None
        now = utcnow()
        if row.last_used is None or now - row.last_used > dt.timedelta(minutes=1):
            row.last_used = now  # at most once a minute: API reads should not all write
        return user


def list_tokens(db: AppDB, username: str | None = None) -> list[TokenInfo]:
    """Every token (or one user's), oldest first."""
    query = (
        select(ApiToken, User.username)
        .join(User, User.id == ApiToken.user_id)
        .order_by(ApiToken.id)
    )
    if username is not None:
        query = query.where(User.username == username.strip())
    with db.session() as session:
        return [
            TokenInfo(row.id, name, row.label, row.created, row.last_used, row.revoked)
            for row, name in session.execute(query)
        ]


def token_id_of(db: AppDB, token: str) -> int | None:
    """The id of the token with this plaintext, if it was ever issued."""
    with db.session() as session:
        return session.scalar(select(ApiToken.id).where(ApiToken.token_hash == _digest(token)))


def revoke_token_id(db: AppDB, token_id: int, *, actor: Actor | None = None) -> TokenInfo:
    """Revoke a token by its id: calls with it get 401 from now on. Revoking it twice is an
    error that says so (nothing changes)."""
    with db.session() as session:
        found = session.execute(
            select(ApiToken, User.username)
            .join(User, User.id == ApiToken.user_id)
            .where(ApiToken.id == token_id)
        ).first()
        if found is None:
            raise NotFoundError(
                f"no token with id {token_id}", fix="`openpcn tokens list` shows every token"
            )
        row, username = found
        if row.revoked:
            raise UserError(f"token {token_id} of {username} is already revoked")
        row.revoked = True
        _audit(session, actor, "token.revoke", f"token {row.id} of {username}")
        return TokenInfo(row.id, username, row.label, row.created, row.last_used, True)


def revoke_token(db: AppDB, token: str, *, actor: Actor | None = None) -> bool:
    """Revoke a token given in full; False if no such token was issued."""
    token_id = token_id_of(db, token)
    if token_id is None:
        return False
    revoke_token_id(db, token_id, actor=actor)
    return True


def record_event(
    session_or_db: Session | AppDB,
    *,
    user_id: int | None,
    username: str,
    action: str,
    route: str,
    scope: str = "",
    rows: int = 0,
) -> None:
    """Write one audit row (who, what action, where, which scope, how many rows), from the web
    or the CLI. With a Session the caller commits; with an AppDB it is committed here. Never
    pass a patient-level value: the scope names organisations and cohorts only."""
    entry = AuditLog(
        user_id=user_id,
        username=username[:64],
        route=route[:255],
        scope=scope[:255],
        rows=int(rows),
        action=action[:32],
    )
    if isinstance(session_or_db, Session):
        session_or_db.add(entry)
        return
    with session_or_db.session() as session:
        session.add(entry)


def database_error(exc: SQLAlchemyError) -> StoreError:
    """A StoreError that names the kind of failure, never the statement or its values."""
    return StoreError(f"the app database failed: {type(exc).__name__}")
