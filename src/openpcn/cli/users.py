"""`openpcn users ...` and `openpcn tokens ...`: the web app's accounts and API tokens.

Passwords and tokens are shown once and never stored in clear; no password is fixed in code.
"""

from __future__ import annotations

from pathlib import Path

import typer

from openpcn.cli.output import err, out, table
from openpcn.cli.stores import app_db
from openpcn.exceptions import UserError
from openpcn.store import appdb

users_app = typer.Typer(help="Accounts of the web app: add and list them.", no_args_is_help=True)
tokens_app = typer.Typer(help="Bearer tokens for API clients.", no_args_is_help=True)


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
    from openpcn.store.warehouse import connect

    appdb.check_scope(role, pcn, practice)  # say what is wrong before asking for a password
    warehouse = connect() if (pcn or practice) else None
    try:
        password = _read_password(password_file)
        with app_db() as db:
            user = appdb.add_user(
                db, username, password, role, pcn_code=pcn, practice_code=practice,
                warehouse=warehouse,
            )  # fmt: skip
    finally:
        if warehouse is not None:
            warehouse.disconnect()
    scope = user.pcn_code or user.practice_code
    out.print(
        f"Created {user.username} ({user.role}{', ' + scope if scope else ''}).", highlight=False
    )


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


@tokens_app.command("create")
def tokens_create(
    username: str = typer.Argument(..., help="the account the token acts as"),
    label: str = typer.Option("", "--label", help="what the token is for"),
) -> None:
    """Make a bearer token for API clients; it is printed once and only its hash is kept."""
    with app_db() as db:
        token = appdb.create_token(db, username, label)
    err.print(
        f"Token for {username} (shown once; send it as 'Authorization: Bearer TOKEN'):",
        highlight=False,
    )
    out.print(token, highlight=False, markup=False, soft_wrap=True)


@tokens_app.command("revoke")
def tokens_revoke(
    token: str = typer.Argument(..., help="the token to revoke"),
) -> None:
    """Revoke a token: API calls with it get 401 from now on."""
    with app_db() as db:
        revoked = appdb.revoke_token(db, token.strip())
    if not revoked:
        raise UserError("no such token", fix="check you pasted the whole token")
    out.print("Revoked.")
