"""`openpcn serve --workers N`: several processes need uvicorn's factory import string."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import pytest
import typer
import uvicorn
from starlette.requests import Request
from typer.testing import CliRunner

from openpcn.cli.web import openpcn_serve


@pytest.fixture
def served(
    dorset_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> list[tuple[Any, dict[str, Any]]]:
    """Runs of uvicorn.run(app, **options), recorded instead of serving."""
    monkeypatch.setenv("OPENPCN_HOME", str(dorset_home))
    monkeypatch.setenv("OPENPCN_APPDB_URL", f"sqlite:///{tmp_path / 'serve.db'}")
    monkeypatch.setenv("OPENPCN_INSECURE_COOKIES", "1")
    for name in ("OPENPCN_ALLOWED_HOSTS", "OPENPCN_TRUSTED_PROXIES"):
        monkeypatch.setenv(name, "")  # so that what serve writes is undone after the test
        monkeypatch.delenv(name)
    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: calls.append((app, options)))
    return calls


def serve(*args: str) -> str:
    cli = typer.Typer()
    cli.command()(openpcn_serve)
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_one_worker_serves_the_app_object(served: list[tuple[Any, dict[str, Any]]]) -> None:
    serve()
    app, options = served[0]
    assert not isinstance(app, str) and "workers" not in options


def test_several_workers_use_the_factory_after_the_first_admin_is_made(
    served: list[tuple[Any, dict[str, Any]]],
) -> None:
    output = serve("--workers", "2")
    app, options = served[0]
    assert app == "openpcn.web.app:create_app"
    assert options["factory"] is True and options["workers"] == 2
    assert "username: admin" in output  # made once, in the parent, before the workers start


def test_workers_must_be_at_least_one(served: list[tuple[Any, dict[str, Any]]]) -> None:
    cli = typer.Typer()
    cli.command()(openpcn_serve)
    assert CliRunner().invoke(cli, ["--workers", "0"]).exit_code != 0
    assert served == []


def test_the_app_answers_loopback_and_the_bound_host_only(
    served: list[tuple[Any, dict[str, Any]]],
) -> None:
    serve("--host", "10.1.2.3")
    app, options = served[0]
    assert app.state.settings.allowed_hosts == ("localhost", "127.0.0.1", "::1", "10.1.2.3")
    assert os.environ["OPENPCN_ALLOWED_HOSTS"].endswith(",10.1.2.3")  # for worker processes
    assert options["host"] == "10.1.2.3"


def test_serving_every_address_says_which_names_are_answered(
    served: list[tuple[Any, dict[str, Any]]],
) -> None:
    output = serve("--host", "0.0.0.0")
    assert "OPENPCN_ALLOWED_HOSTS" in output
    assert served[0][0].state.settings.allowed_hosts == ("localhost", "127.0.0.1", "::1")


def client_seen(options: dict[str, Any], client: str, forwarded: str) -> str:
    """The client address the app sees under uvicorn configured with serve's `options`."""
    seen: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        request = Request(scope, receive)
        seen.append(request.client.host if request.client else "")
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    proxy = {k: v for k, v in options.items() if k in ("proxy_headers", "forwarded_allow_ips")}
    config = uvicorn.Config(app, lifespan="off", **proxy)
    config.load()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/login",
        "raw_path": b"/login",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"localhost"), (b"x-forwarded-for", forwarded.encode())],
        "client": (client, 50000),
        "server": ("127.0.0.1", 8000),
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        return None

    asyncio.run(config.loaded_app(scope, receive, send))
    return seen[0]


def test_a_forged_x_forwarded_for_does_not_change_the_client_address(
    served: list[tuple[Any, dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    serve()
    options = served[0][1]
    assert options["proxy_headers"] is False
    # uvicorn's own default believes 127.0.0.1, i.e. every client of a loopback deployment
    assert client_seen({"proxy_headers": True}, "127.0.0.1", "203.0.113.9") == "203.0.113.9"
    assert client_seen(options, "127.0.0.1", "203.0.113.9") == "127.0.0.1"
    monkeypatch.setenv("OPENPCN_TRUSTED_PROXIES", "10.0.0.5")
    serve()
    trusted = served[1][1]
    assert (trusted["proxy_headers"], trusted["forwarded_allow_ips"]) == (True, "10.0.0.5")
    assert client_seen(trusted, "10.0.0.5", "203.0.113.9") == "203.0.113.9"
    assert client_seen(trusted, "127.0.0.1", "203.0.113.9") == "127.0.0.1"
