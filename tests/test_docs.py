"""The docs keep up with the code: every `openpcn` command, every web route and every package is
named in `docs/` (model: datasette's tests/test_docs.py). A new command or route fails here until
its page in docs/ says what it does."""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from fastapi import FastAPI
from fastapi.routing import APIRoute

import openpcn
from openpcn.cli import app as cli_app
from openpcn.config import Settings
from openpcn.store.warehouse import write_tables
from openpcn.web.app import create_app
from openpcn.web.auth import routes_of

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PACKAGE = Path(openpcn.__file__).parent
TOPS = ("src", "tests", "bench", "scripts")
NEW_CAPABILITY = re.compile(r"## Where a new capability's files go.*?(?=\n## )", re.S)


def docs_text() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(DOCS.glob("*.md")))


def commands(group: object, prefix: tuple[str, ...] = ("openpcn",)) -> Iterator[str]:
    """Every leaf command, e.g. 'openpcn orgs summary'."""
    children = getattr(group, "commands", None)
    if children is None:
        yield " ".join(prefix)
        return
    for name, child in children.items():
        yield from commands(child, (*prefix, name))


@pytest.fixture(scope="module")
def web_app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    """The app over an empty warehouse: enough to list its routes."""
    home = tmp_path_factory.mktemp("docs-home")
    write_tables(home / "warehouse.duckdb", {})
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OPENPCN_INSECURE_COOKIES", "1")
        application = create_app(Settings(home=home), appdb_url=f"sqlite:///{home / 'app.db'}")
    yield application
    application.state.appdb.dispose()


def test_every_command_is_documented():
    text = docs_text()
    found = sorted(commands(typer.main.get_command(cli_app)))
    assert len(found) > 20, found  # the walk reached the sub-commands
    missing = [name for name in found if name not in text]
    assert not missing, f"name these commands in docs/: {missing}"


def test_every_route_is_documented(web_app: FastAPI):
    text = docs_text()
    paths = sorted({r.path for r in routes_of(web_app) if isinstance(r, APIRoute)})
    assert "/api/v1/ics/{code}/summary" in paths or len(paths) > 40, paths
    missing = [path for path in paths if f"`{path}`" not in text and f" {path} " not in text]
    assert not missing, f"name these routes in docs/ (in backticks): {missing}"


def test_the_tour_names_every_package_and_top_level_module():
    tour = (DOCS / "tour.md").read_text(encoding="utf-8")
    units = sorted(
        {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
        | {p.name for p in PACKAGE.glob("*.py") if p.name != "__init__.py"}
    )
    missing = [u for u in units if not re.search(rf"\b{re.escape(u.removesuffix('.py'))}\b", tour)]
    assert not missing, f"docs/tour.md should say where these live and what they do: {missing}"


def test_the_docs_name_no_module_that_is_gone():
    """A path like `src/openpcn/x/y.py` or `cli_web.py` named in docs/ must exist (the tour's
    walk-through of a new capability names files still to be written, so it is left out)."""
    text = re.sub(NEW_CAPABILITY, "", docs_text())
    gone = [
        name
        for name in sorted(set(re.findall(r"`((?:src/openpcn/)?[\w/]+\.py)`", text)))
        if not (PACKAGE / name.removeprefix("src/openpcn/")).exists()
        and not (ROOT / name).exists()
        and not any(list((ROOT / top).rglob(Path(name).name)) for top in TOPS)
    ]
    assert not gone, f"docs/ name files that do not exist: {gone}"


def test_the_cohorts_table_matches_the_definition_files():
    """docs/cohorts.md's table of every cohort, indicator and year is the one the definitions
    give (scripts/cohorts_table.py): a new or changed definition fails here until it is pasted."""
    spec = importlib.util.spec_from_file_location(
        "cohorts_table", ROOT / "scripts" / "cohorts_table.py"
    )
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    text = (DOCS / "cohorts.md").read_text(encoding="utf-8")
    shown = text.split("<!-- cohorts-table:start -->\n", 1)[1].split("<!-- cohorts-table:end -->")[
        0
    ]
    assert shown == script.cohorts_table()
