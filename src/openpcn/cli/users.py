"""`openpcn users ...` and `openpcn tokens ...`: the web app's accounts and API tokens.

Passwords and tokens are shown once and never stored in clear; no password is fixed in code.
Every change writes an audit row with the actor `cli` (see `appdb.Actor`); disabling,
removing, a new role or a new password end the account's web sessions at once.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict
from pathlib import Path

import typer

from openpcn.cli.output import emit, err, out, table
from openpcn.cli.stores import app_db, warehouse
from openpcn.exceptions import UserError
from openpcn.store import appdb

users_app = typer.Typer(
    help="Accounts of the web app: add, list, disable, enable, remove, reset a password, set a "
    "role.",
    no_args_is_help=True,
)
tokens_app = typer.Typer(help="Bearer tokens for API clients.", no_args_is_help=True)


def _actor(command: str) -> appdb.Actor:
    return appdb.Actor("cli", f"openpcn {command}")


def _read_password(password_file: Path | None) -> str:
    """The first line of `password_file`, else asked for twice without echo."""
    if password_file is not None:
        try:
            text = password_file.read_text(encoding="utf-8")
        except OSError as exc:
            raise UserError(
                f"cannot read the password file ({exc.strerror})",
                file=str(password_file),
                fix="give a readable file whose first line is the password",
            ) from exc
        lines = text.splitlines()
        return lines[0] if lines else ""
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@users_app.command("add")
def users_add(
    username: str = typer.Argument(..., help="the login name"),
    role: str = typer.Option(
        ..., "--role", help="admin | ics_analyst | pcn_manager | practice_user"
    ),
    pcn: str | None = typer.Option(None, "--pcn", help="the PCN code of a pcn_manager"),
    practice: str | None = typer.Option(
        None, "--practice", help="the practice code of a practice_user"
    ),
    password_file: Path | None = typer.Option(
        None, "--password-file", help="read the password from the file's first line"
    ),
) -> None:
    """Create an account; the password is prompted twice unless --password-file is given."""
    appdb.check_scope(role, pcn, practice)  # say what is wrong before asking for a password
    con = warehouse() if (pcn or practice) else None
    try:
        password = _read_password(password_file)
        with app_db() as db:
            user = appdb.add_user(
                db, username, password, role, pcn_code=pcn, practice_code=practice,
                warehouse=con, actor=_actor("users add"),
            )  # fmt: skip
    finally:
        if con is not None:
            con.disconnect()
    out.print(f"Created {_described(user)}.", highlight=False)


def _described(user: appdb.User) -> str:
    scope = user.pcn_code or user.practice_code
    return f"{user.username} ({user.role}{', ' + scope if scope else ''})"


@users_app.command("list")
def users_list() -> None:
    """Every account with its role, scope and whether it is active."""
    accounts = table(("username", "role", "scope", "active", "created (UTC)"))
    with app_db() as db:
        for user in appdb.list_users(db):
            accounts.add_row(
                user.username,
                user.role,
                user.pcn_code or user.practice_code or "-",
                "yes" if user.active else "no",
                f"{user.created:%Y-%m-%d %H:%M}",
            )
    out.print(accounts)


@users_app.command("disable")
def users_disable(username: str = typer.Argument(..., help="the account to disable")) -> None:
    """Disable an account: its sessions end and its tokens stop working at once."""
    _set_active(username, False)


@users_app.command("enable")
def users_enable(username: str = typer.Argument(..., help="the account to enable")) -> None:
    """Enable a disabled account again (its unrevoked tokens work again)."""
    _set_active(username, True)


def _set_active(username: str, active: bool) -> None:
    doing = "enable" if active else "disable"
    with app_db() as db:
        user_id = appdb.user_id_of(db, username)
        user = appdb.set_active(db, user_id, active, actor=_actor(f"users {doing}"))
    ended = "" if active else ": its sessions are ended"
    out.print(f"{doing.capitalize()}d {user.username}{ended}.", highlight=False)


@users_app.command("remove")
def users_remove(
    username: str = typer.Argument(..., help="the account to remove"),
    yes: bool = typer.Option(False, "--yes", help="do not ask for confirmation"),
) -> None:
    """Remove an account with its sessions and tokens; the audit log keeps its name."""
    if not yes:
        typer.confirm(f"Remove the account {username} and its tokens?", abort=True)
    with app_db() as db:
        user = appdb.remove_user(db, appdb.user_id_of(db, username), actor=_actor("users remove"))
    out.print(f"Removed {user.username}.", highlight=False)


@users_app.command("reset-password")
def users_reset_password(
    username: str = typer.Argument(..., help="the account"),
    password_file: Path | None = typer.Option(
        None, "--password-file", help="read the new password from the file's first line"
    ),
    generate: bool = typer.Option(
        False, "--generate", help="make a random password and print it once"
    ),
) -> None:
    """Set a new password (prompted twice, from a file, or generated); its sessions end."""
    if generate and password_file is not None:
        raise UserError(
            "--generate and --password-file both give the password", fix="choose one of them"
        )
    with app_db() as db:
        user_id = appdb.user_id_of(db, username)  # say an unknown name before asking
        password = secrets.token_urlsafe(15) if generate else _read_password(password_file)
        user = appdb.set_password(db, user_id, password, actor=_actor("users reset-password"))
    out.print(f"New password set for {user.username}: its sessions are ended.", highlight=False)
    if generate:
        err.print("The new password (shown once):", highlight=False)
        out.print(password, highlight=False, markup=False, soft_wrap=True)


@users_app.command("set-role")
def users_set_role(
    username: str = typer.Argument(..., help="the account"),
    role: str = typer.Option(
        ..., "--role", help="admin | ics_analyst | pcn_manager | practice_user"
    ),
    pcn: str | None = typer.Option(None, "--pcn", help="the PCN code of a pcn_manager"),
    practice: str | None = typer.Option(
        None, "--practice", help="the practice code of a practice_user"
    ),
) -> None:
    """Change an account's role and scope (checked as for `users add`); its sessions end."""
    appdb.check_scope(role, pcn, practice)
    con = warehouse() if (pcn or practice) else None
    try:
        with app_db() as db:
            user = appdb.set_role(
                db, appdb.user_id_of(db, username), role, pcn_code=pcn, practice_code=practice,
                warehouse=con, actor=_actor("users set-role"),
            )  # fmt: skip
    finally:
        if con is not None:
            con.disconnect()
    out.print(f"{_described(user)}: its sessions are ended.", highlight=False)


@tokens_app.command("create")
def tokens_create(
    username: str = typer.Argument(..., help="the account the token acts as"),
    label: str = typer.Option("", "--label", help="what the token is for"),
) -> None:
    """Make a bearer token for API clients; it is printed once and only its hash is kept."""
    with app_db() as db:
        token = appdb.create_token(db, username, label, actor=_actor("tokens create"))
    err.print(
        f"Token for {username} (shown once; send it as 'Authorization: Bearer TOKEN'):",
        highlight=False,
    )
    out.print(token, highlight=False, markup=False, soft_wrap=True)


@tokens_app.command("list")
def tokens_list(
    username: str | None = typer.Argument(None, help="only this account's tokens"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Every token (never the token itself): id, user, label, created, last used, revoked."""
    with app_db() as db:
        if username is not None:
            appdb.user_id_of(db, username)  # an unknown name is an error, not an empty list
        tokens = [asdict(t) for t in appdb.list_tokens(db, username)]
    emit(tokens, as_json=as_json, draw=_draw_tokens)


def _draw_tokens(tokens: list[dict]) -> None:
    drawn = table(
        ("id", "user", "label", "created (UTC)", "last used (UTC)", "revoked"), right=("id",)
    )
    for t in tokens:
        last = t["last_used"]
        drawn.add_row(
            str(t["id"]),
            t["username"],
            t["label"] or "-",
            f"{t['created']:%Y-%m-%d %H:%M}",
            f"{last:%Y-%m-%d %H:%M}" if last else "never",
            "yes" if t["revoked"] else "no",
        )
    out.print(drawn)


@tokens_app.command("revoke")
def tokens_revoke(
    token: str = typer.Argument(
        ..., help="the token's id (from `openpcn tokens list`), or the whole token"
    ),
) -> None:
    """Revoke a token: API calls with it get 401 from now on."""
    token = token.strip()
    with app_db() as db:
        if token.startswith(appdb.TOKEN_PREFIX):
            token_id = appdb.token_id_of(db, token)
            if token_id is None:
                raise UserError("no such token", fix="check you pasted the whole token")
        elif token.isdigit() and len(token) < 19:  # a database integer
            token_id = int(token)
        else:
            raise UserError(
                f"{token!r} is neither a token id nor a token",
                fix="give the id `openpcn tokens list` shows, or the whole opcn_... token",
            )
        revoked = appdb.revoke_token_id(db, token_id, actor=_actor("tokens revoke"))
    label = f" ({revoked.label})" if revoked.label else ""
    out.print(f"Revoked token {revoked.id}{label} of {revoked.username}.", highlight=False)
