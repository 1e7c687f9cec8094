"""The app database: accounts, API tokens, audit log, saved items and login attempts.

SQLAlchemy 2 models on SQLite by default (`<OPENPCN_HOME>/app.db`) or PostgreSQL by URL
(`OPENPCN_APPDB_URL`). The layout is owned by the Alembic migrations in `store/migrations/`,
applied by `migrate()` at app start and by the CLI; the models must match them (a test checks).
Passwords are argon2 hashes; API tokens are stored as SHA-256 digests (they are long random
strings, so a slow hash adds nothing) and shown once at creation.
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
from typing import Any

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
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from openpcn.codes import PCN_CODE, PRACTICE_CODE
from openpcn.config import Settings
from openpcn.exceptions import ConfigError, StoreError, UserError

MIGRATIONS = Path(__file__).with_name("migrations")
MIN_PASSWORD_LENGTH = 12
THROTTLE_FAILURES = 5  # failed logins per username + address ...
THROTTLE_WINDOW = dt.timedelta(minutes=15)  # ... within this window lock further attempts out
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


class LoginAttempt(Base):
    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_who", "username", "address", "time"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    time: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    success: Mapped[bool] = mapped_column(Boolean)


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


def add_user(
    db: AppDB,
    username: str,
    password: str,
    role: str,
    *,
    pcn_code: str | None = None,
    practice_code: str | None = None,
    warehouse: ibis.BaseBackend | None = None,
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
        return user


def list_users(db: AppDB) -> list[User]:
    with db.session() as session:
        return list(session.scalars(select(User).order_by(User.username)))


def count_users(db: AppDB) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count(User.id))) or 0)


def get_user(db: AppDB, user_id: int) -> User | None:
    with db.session() as session:
        user = session.get(User, user_id)
        return user if user is not None and user.active else None


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
# Login throttling


def record_login(db: AppDB, username: str, address: str, *, success: bool) -> None:
    """Remember a login attempt; a success clears that name and address's failures."""
    with db.session() as session:
        if success:
            session.execute(
                delete(LoginAttempt).where(
                    LoginAttempt.username == username[:64], LoginAttempt.address == address[:64]
                )
            )
        else:
            session.add(LoginAttempt(username=username[:64], address=address[:64], success=False))
        # Old rows are no use to anyone: keep the table small.
        session.execute(delete(LoginAttempt).where(LoginAttempt.time < utcnow() - THROTTLE_WINDOW))


def is_throttled(db: AppDB, username: str, address: str) -> bool:
    """True when this name and address failed THROTTLE_FAILURES times within the window."""
    since = utcnow() - THROTTLE_WINDOW
    with db.session() as session:
        failures = session.scalar(
            select(func.count(LoginAttempt.id)).where(
                LoginAttempt.username == username[:64],
                LoginAttempt.address == address[:64],
                LoginAttempt.success.is_(False),
                LoginAttempt.time >= since,
            )
        )
    return int(failures or 0) >= THROTTLE_FAILURES


# ---------------------------------------------------------------------------------------------
# API tokens


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(db: AppDB, username: str, label: str = "") -> str:
    """A new bearer token for the user; only its digest is kept, so show it now or never."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with db.session() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None or not user.active:
            raise UserError(
                f"no active user named {username!r}", fix="create it first with `openpcn users add`"
            )
        session.add(ApiToken(user_id=user.id, token_hash=_digest(token), label=label[:100]))
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


def revoke_token(db: AppDB, token: str) -> bool:
    with db.session() as session:
        row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
        if row is None:
            return False
        row.revoked = True
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
