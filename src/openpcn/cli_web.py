"""`openpcn serve`, `openpcn users ...` and `openpcn tokens ...`: the web app's commands.

The lead registers them in cli.py:
    app.command("serve")(serve_command); app.add_typer(users_app, name="users");
    app.add_typer(tokens_app, name="tokens")
Passwords and tokens are shown once and never stored in clear; no password is fixed in code.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from openpcn.config import load_settings
from openpcn.exceptions import UserError
from openpcn.store import appdb

LOOPBACK = {"127.0.0.1", "localhost", "::1"}

out = Console()
err = Console(stderr=True)

users_app = typer.Typer(help="Accounts of the web app: add and list them.", no_args_is_help=True)
tokens_app = typer.Typer(help="Bearer tokens for API clients.", no_args_is_help=True)


def _db() -> appdb.AppDB:
    return appdb.open_appdb(appdb.appdb_url(load_settings()))


def first_admin(db: appdb.AppDB) -> str | None:
    """On a first run (no accounts at all), create `admin` with a random password to show once."""
    if appdb.count_users(db):
        return None
    password = secrets.token_urlsafe(15)  # 20 characters, about 120 bits
    appdb.add_user(db, "admin", password, "admin")
    return password


def serve_command(
    host: str = typer.Option("127.0.0.1", help="address to listen on (loopback by default)"),
    port: int = typer.Option(8000, help="port to listen on"),
    workers: int = typer.Option(
        1, min=1, help="server processes (one per CPU core uses them all; each reads the warehouse)"
    ),
) -> None:
    """Serve the web app (pages and JSON API) over the warehouse."""
    import uvicorn

    from openpcn.web.app import create_app

    if host in LOOPBACK:
        os.environ.setdefault("OPENPCN_INSECURE_COOKIES", "1")  # plain http on this machine only
    elif os.environ.get("OPENPCN_INSECURE_COOKIES") == "1":
        err.print(
            "warning: session cookies are sent over plain http (OPENPCN_INSECURE_COOKIES=1) "
            "on a non-loopback address; put the app behind HTTPS instead",
            highlight=False,
        )
    app = create_app(load_settings())
    password = first_admin(app.state.appdb)
    url = f"http://{'[' + host + ']' if ':' in host else host}:{port}"
    if password:
        out.print(
            "First run: created the account [bold]admin[/] with the password below. It is shown "
            "only this once: keep it safe, or add your own admin with "
            "`openpcn users add NAME --role admin`.",
            highlight=False,
        )
        out.print(f"  username: admin\n  password: {password}", highlight=False, markup=False)
    out.print(f"Open {url}/login to log in (Ctrl+C stops the server).", highlight=False)
    if workers == 1:
        uvicorn.run(app, host=host, port=port, log_level="info", server_header=False)
        return
    # Several processes need an import string; each worker builds its own app from the same
    # environment. The app built above has already migrated the app DB and made the session
    # secret, so the workers share them instead of racing to create them.
    app.state.appdb.dispose()
    uvicorn.run(
        "openpcn.web.app:create_app",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level="info",
        server_header=False,
    )


def _read_password(password_file: Path | None) -> str:
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
    warehouse = connect(load_settings()) if (pcn or practice) else None
    try:
        password = _read_password(password_file)
        user = appdb.add_user(
            _db(), username, password, role, pcn_code=pcn, practice_code=practice,
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
    table = Table(show_edge=False)
    for column in ("username", "role", "scope", "active", "created (UTC)"):
        table.add_column(column)
    for user in appdb.list_users(_db()):
        table.add_row(
            user.username,
            user.role,
            user.pcn_code or user.practice_code or "-",
            "yes" if user.active else "no",
            f"{user.created:%Y-%m-%d %H:%M}",
        )
    out.print(table)


@tokens_app.command("create")
def tokens_create(
    username: str = typer.Argument(..., help="the account the token acts as"),
    label: str = typer.Option("", "--label", help="what the token is for"),
) -> None:
    """Make a bearer token for API clients; it is printed once and only its hash is kept."""
    token = appdb.create_token(_db(), username, label)
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
    if not appdb.revoke_token(_db(), token.strip()):
        raise UserError("no such token", fix="check you pasted the whole token")
    out.print("Revoked.")
