"""The warehouse writer: one transaction per call, narrowed deletes, atomic fresh builds, and a
read-only connection for everything else."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest

from openpcn.config import Settings
from openpcn.exceptions import StoreError
from openpcn.store.schema import TABLES
from openpcn.store.warehouse import build_into, connect, export_parquet, write_tables


def lists(*rows: tuple[str, float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "practice_code": [r[0] for r in rows],
            "as_of": [dt.date(2019, 1, 1)] * len(rows),
            "registered_patients": [r[1] for r in rows],
            "weighted_patients": [None] * len(rows),
            "source": ["test"] * len(rows),
        }
    )


def rows(settings: Settings, sql: str) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture
def settings(tmp_path) -> Settings:
    settings = Settings(home=tmp_path / "home")
    write_tables(settings.warehouse_path, {"practice_lists": lists(("A00001", 100.0))})
    return settings


def test_the_first_write_creates_every_table_of_the_schema(settings):
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        names = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
    assert names == set(TABLES)


def test_replace_empties_the_table_and_delete_where_narrows_it(settings):
    write_tables(settings.warehouse_path, {"practice_lists": lists(("B00002", 200.0))})
    assert rows(settings, "SELECT practice_code FROM practice_lists") == [("B00002",)]

    write_tables(
        settings.warehouse_path,
        {"practice_lists": lists(("C00003", 300.0))},
        delete_where={"practice_lists": "practice_code = 'C00003'"},
    )
    query = "SELECT practice_code FROM practice_lists ORDER BY 1"
    assert rows(settings, query) == [("B00002",), ("C00003",)]


def test_a_failing_table_rolls_back_the_tables_written_before_it(settings):
    bad = lists(("B00002", 200.0)).assign(source=[None])  # source is NOT NULL
    groups = pd.DataFrame(
        {"grouping": ["d"], "group_code": ["g"], "group_name": ["G"], "practice_code": ["A00001"]}
    )
    with pytest.raises(StoreError, match="rolled back"):
        write_tables(settings.warehouse_path, {"groupings": groups, "practice_lists": bad})
    assert rows(settings, "SELECT count(*) FROM groupings") == [(0,)]
    assert rows(settings, "SELECT practice_code FROM practice_lists") == [("A00001",)]


def test_the_connection_for_queries_cannot_write(settings):
    con = connect(settings)
    try:
        with pytest.raises(duckdb.Error):
            con.raw_sql("DELETE FROM practice_lists")
    finally:
        con.disconnect()
    assert rows(settings, "SELECT count(*) FROM practice_lists") == [(1,)]


def test_a_fresh_build_replaces_the_file_only_when_it_succeeds(settings):
    with pytest.raises(RuntimeError), build_into(settings.warehouse_path) as tmp:
        write_tables(tmp, {"practice_lists": lists(("Z99999", 1.0))})
        raise RuntimeError("build failed half way")
    assert rows(settings, "SELECT practice_code FROM practice_lists") == [("A00001",)]

    with build_into(settings.warehouse_path) as tmp:
        write_tables(tmp, {"practice_lists": lists(("Z99999", 1.0))})
    assert rows(settings, "SELECT practice_code FROM practice_lists") == [("Z99999",)]
    assert not list(settings.home.glob("*.building.*"))


def test_the_parquet_snapshot_holds_every_table(settings):
    folder = export_parquet(settings)
    assert {p.stem for p in folder.glob("*.parquet")} == set(TABLES)
    assert pq.read_table(folder / "practice_lists.parquet").num_rows == 1
