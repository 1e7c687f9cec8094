"""`openpcn serve --workers N`: several processes need uvicorn's factory import string."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer
import uvicorn
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
