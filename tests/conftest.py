"""Fixtures shared by every test folder."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import ibis
import pandas as pd
import pytest
from hypothesis import settings as hypothesis_settings

from openpcn.config import Settings
from openpcn.store.schema import TABLES
from openpcn.store.warehouse import connect, write_tables

Build = Callable[..., ibis.BaseBackend]
Needs = Callable[[bool, str, str], None]
CI_TRUE = frozenset({"true", "1", "yes"})


def in_ci(environ: Mapping[str, str] = os.environ) -> bool:
    """CI=true, 1 or yes (any case), as CI services and .ci/run set it: a run that must prove
    every tool was installed, so nothing may skip for want of one."""
    return environ.get("CI", "").strip().lower() in CI_TRUE


def needs(available: bool, what: str, fix: str) -> None:
    """Go on when `what` is available; else skip on a developer's machine but fail in CI, naming
    what is missing and how to install it, so a set-up step that failed quietly cannot pass."""
    if available:
        return
    if in_ci():
        pytest.fail(f"{what} is missing in CI: {fix}", pytrace=False)
    pytest.skip(f"{what} is missing: {fix}")


@pytest.fixture(name="needs", scope="session")
def needs_fixture() -> Needs:
    """`needs(available, what, fix)` as a fixture, for test modules and the other conftest
    files: skips when something is missing, or fails when CI is set."""
    return needs


def hypothesis_profile(environ: Mapping[str, str] = os.environ) -> str:
    """The profile HYPOTHESIS_PROFILE names, else "ci" in CI and "dev" elsewhere."""
    return environ.get("HYPOTHESIS_PROFILE") or ("ci" if in_ci(environ) else "dev")


# Hypothesis: "dev" draws new examples each run (more ground covered over time); "ci" draws the
# same ones every run, so a red CI run is reproducible and cannot turn green on a rerun, and
# prints the blob that replays a failure, and has no deadline: tests never assert on time, and
# the CI machine is shared and noisy ("dev" keeps the 200 ms deadline, which points at a slow
# example while one writes the test). Both derive from "default" by name: Hypothesis loads its
# own "ci" whenever CI is set at all, and a bare register_profile inherits the loaded profile.
DEFAULT = hypothesis_settings.get_profile("default")
hypothesis_settings.register_profile("dev", DEFAULT)
hypothesis_settings.register_profile(
    "ci", DEFAULT, derandomize=True, print_blob=True, deadline=None
)
hypothesis_settings.load_profile(hypothesis_profile())


def typed(name: str, rows: list[dict]) -> pd.DataFrame:
    """Rows (dicts with only the columns a test cares about) as a frame with exactly the
    table's columns, in the schema's types; absent columns are null."""
    spec = TABLES[name]
    raw = pd.DataFrame(rows)
    out = pd.DataFrame(index=raw.index)
    for col in spec.columns:
        values = raw[col.name] if col.name in raw else pd.Series([None] * len(raw), dtype=object)
        if col.dtype == "date":
            out[col.name] = [
                None if v is None or pd.isna(v) else dt.date.fromisoformat(str(v)) for v in values
            ]
        elif col.dtype == "float64":
            out[col.name] = pd.to_numeric(values).astype("float64")
        elif col.dtype == "int64":
            out[col.name] = pd.to_numeric(values).astype("Int64")
        elif col.dtype == "boolean":
            out[col.name] = values.astype("boolean")
        else:
            out[col.name] = values.astype(object)
    return out


def _write(path: Path, tables: dict[str, list[dict]]) -> None:
    """Inline rows into a warehouse file; absent columns are null, values cast on insert."""
    frames = {}
    for name, rows in tables.items():
        frame = pd.DataFrame(rows).reindex(columns=TABLES[name].column_names).astype(object)
        frames[name] = frame.where(frame.notna(), None)
    write_tables(path, frames)


@pytest.fixture(scope="session")
def build() -> Build:
    """`build(path, table=[rows...])`: a read-only warehouse from inline rows; absent columns
    are null."""

    def make(path: Path, **tables: list[dict]) -> ibis.BaseBackend:
        _write(path, tables)
        return ibis.duckdb.connect(str(path), read_only=True)

    return make


Engines = Callable[..., tuple[ibis.BaseBackend, ibis.BaseBackend]]


@pytest.fixture
def both_engines(tmp_path: Path) -> Engines:
    """`both_engines(table=[rows...])`: (DuckDB, Spark) connections to one warehouse built
    from inline rows (as `build`), for the parity tests (mark them `spark`). Every Spark
    connection shares the process's one SparkSession: only the first pays its start-up."""

    def make(**tables: list[dict]) -> tuple[ibis.BaseBackend, ibis.BaseBackend]:
        settings = Settings(home=tmp_path / "engines-home")
        _write(settings.warehouse_path, tables)
        return connect(settings), connect(settings, engine="pyspark")

    return make


def fingerprint(home: Path) -> dict[str, str]:
    """sha256 of the warehouse file and of any write-ahead log beside it: an import that is
    refused must leave these unchanged."""
    files = sorted(home.glob("warehouse.duckdb*"))
    return {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in files}


def run_in_process(home: Path, monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `openpcn *args` with OPENPCN_HOME=home, through the same
    entry point as the installed command, without paying for a new interpreter."""
    from openpcn.cli import main

    monkeypatch.setenv("OPENPCN_HOME", str(home))
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setattr(sys, "argv", ["openpcn", *args])
    capsys.readouterr()
    with pytest.raises(SystemExit) as stopped:
        main()
        sys.exit(0)
    captured = capsys.readouterr()
    return int(stopped.value.code or 0), captured.out, captured.err
