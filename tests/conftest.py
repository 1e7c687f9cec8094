"""Fixtures shared by every test folder."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import ibis
import pandas as pd
import pytest

from openpcn.store.schema import TABLES
from openpcn.store.warehouse import write_tables

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


@pytest.fixture
def build() -> Build:
    """`build(path, table=[rows...])`: a read-only warehouse from inline rows; absent columns
    are null."""

    def make(path: Path, **tables: list[dict]) -> ibis.BaseBackend:
        frames = {}
        for name, rows in tables.items():
            frame = pd.DataFrame(rows).reindex(columns=TABLES[name].column_names).astype(object)
            frames[name] = frame.where(frame.notna(), None)
        write_tables(path, frames)
        return ibis.duckdb.connect(str(path), read_only=True)

    return make
