"""`openpcn serve`: the web app (pages and JSON API) over the warehouse.

A first run with no accounts makes `admin` with a random password shown once; no password is
fixed in code. The app answers only OPENPCN_ALLOWED_HOSTS (default: loopback) and the address
it binds; X-Forwarded-For is believed only from OPENPCN_TRUSTED_PROXIES (default: no one).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import replace
from typing import Any

import typer

from openpcn.cli.output import err, out
from openpcn.config import LOOPBACK_HOSTS, Settings, load_settings
from openpcn.store import appdb

LOOPBACK = set(LOOPBACK_HOSTS)
WILDCARDS = {"0.0.0.0", "::", ""}  # every address: no one Host name to add


def with_bound_host(settings: Settings, host: str) -> Settings:
    """The settings with the address served on added to the allowed Host names, written back
    to the environment so that each worker process allows it too."""
    bound = host.strip("[]").lower()
    hosts = settings.allowed_hosts
    if bound not in WILDCARDS and bound not in hosts and "*" not in hosts:
        hosts = (*hosts, bound)
    os.environ["OPENPCN_ALLOWED_HOSTS"] = ",".join(hosts)
    return replace(settings, allowed_hosts=hosts)


def proxy_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's proxy-header handling, on only for the configured proxies: otherwise the
    client address is the connection's, whatever X-Forwarded-For says (uvicorn's default would
    believe any client on 127.0.0.1, which is every client of a loopback deployment)."""
    proxies = settings.trusted_proxies
    if not proxies:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": ",".join(proxies)}


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
    chosen = "OPENPCN_ALLOWED_HOSTS" in os.environ
    settings = with_bound_host(load_settings(), host)
    if host.strip("[]") in WILDCARDS and not chosen:
        err.print(
            "note: only requests for "
            + ", ".join(settings.allowed_hosts)
            + " are answered; set OPENPCN_ALLOWED_HOSTS to the names users type",
            highlight=False,
        )
    app = create_app(settings)
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
    options = {"host": host, "port": port, "log_level": "info", "server_header": False}
    options |= proxy_options(settings)
    if workers == 1:
        uvicorn.run(app, **options)
        return
    # Several processes need an import string; each worker builds its own app from the same
    # environment. The app built above has already migrated the app DB and made the session
    # secret, so the workers share them instead of racing to create them.
    app.state.appdb.dispose()
    uvicorn.run(
        "openpcn.web.app:create_app",
        factory=True,
        workers=workers,
        **options,
    )
