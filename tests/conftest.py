"""Fixtures shared by every test folder."""

from __future__ import annotations

import datetime as dt
import hashlib
import sys
from collections.abc import Callable
from pathlib import Path

import ibis
import pandas as pd
import pytest

from openpcn.config import Settings
from openpcn.store.schema import TABLES
from openpcn.store.warehouse import connect, write_tables

Build = Callable[..., ibis.BaseBackend]


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


@pytest.fixture
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
