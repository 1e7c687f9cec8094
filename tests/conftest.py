"""Fixtures shared by every test folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import ibis
import pandas as pd
import pytest

from openpcn.store.schema import TABLES
from openpcn.store.warehouse import write_tables

Build = Callable[..., ibis.BaseBackend]


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
