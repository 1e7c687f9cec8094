"""The shipped reference data (all England, real Dorset) in a warehouse, for Dorset checks."""

from __future__ import annotations

import ibis
import pytest


@pytest.fixture(scope="session")
def con(tmp_path_factory) -> ibis.BaseBackend:
    from openpcn.store.reference import reference_tables
    from openpcn.store.warehouse import write_tables

    path = tmp_path_factory.mktemp("formation") / "w.duckdb"
    write_tables(path, reference_tables())
    return ibis.duckdb.connect(str(path), read_only=True)
