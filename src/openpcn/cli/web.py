"""`openpcn serve`: the web app (pages and JSON API) over the warehouse.

A first run with no accounts makes `admin` with a random password shown once; no password is
fixed in code.
"""

from __future__ import annotations

import os
import secrets

import typer

from openpcn.cli.output import err, out
from openpcn.config import load_settings
from openpcn.store import appdb

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def first_admin(db: appdb.AppDB) -> str | None:
    """On a first run (no accounts at all), create `admin` with a random password to show once."""
    if appdb.count_users(db):
        return None
    password = secrets.token_urlsafe(15)  # 20 characters, about 120 bits
    appdb.add_user(db, "admin", password, "admin")
    return password


def openpcn_serve(
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
