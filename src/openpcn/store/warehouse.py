"""Open the warehouse through Ibis (DuckDB by default, Spark by config) and write to it safely.

Writes go through `write_tables`, inside one DuckDB transaction: callers validate first, so a
bad input never opens the file for writing, and a failure mid-write rolls back. A fresh build
(`build_into`) writes a temporary file and swaps it in with an atomic rename.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import ibis
import pandas as pd
import pyarrow as pa

from openpcn.config import Settings, load_settings
from openpcn.exceptions import ConfigError, StoreError
from openpcn.store.schema import TABLES

if TYPE_CHECKING:
    from pyspark.sql import DataFrame as SparkDataFrame
    from pyspark.sql import SparkSession

Frame = pd.DataFrame | pa.Table


def connect(settings: Settings | None = None, *, engine: str | None = None) -> ibis.BaseBackend:
    """A read-only Ibis connection to the warehouse on the configured engine."""
    settings = settings or load_settings()
    engine = engine or settings.engine
    if not settings.warehouse_path.exists():
        raise ConfigError(
            f"no warehouse at {settings.warehouse_path}",
            fix="run `openpcn init` (or set OPENPCN_HOME to the folder that holds one)",
        )
    if engine == "duckdb":
        try:
            return ibis.duckdb.connect(str(settings.warehouse_path), read_only=True)
        except duckdb.Error as exc:
            raise StoreError(f"cannot open the warehouse: {exc}") from exc
    if engine == "pyspark":
        return _connect_spark(settings)
    raise ConfigError(f"unknown engine {engine!r}", fix="use duckdb or pyspark")


def _connect_spark(settings: Settings) -> ibis.BaseBackend:
    """Local Spark over the Parquet snapshot of the warehouse (`export_parquet`)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise ConfigError(
            "the pyspark engine needs PySpark", fix="install the project with `make run`"
        ) from exc
    folder = settings.parquet_dir
    marker = folder / ".exported"
    if not marker.exists() or marker.stat().st_mtime < settings.warehouse_path.stat().st_mtime:
        export_parquet(settings)  # the snapshot is missing or older than the warehouse
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # loopback only; quiet start-up
    session = (
        SparkSession.builder.master("local[2]")
        .appName("openpcn")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.warehouse.dir", str(settings.home / "spark-warehouse"))
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    for path in sorted(folder.glob("*.parquet")):
        _spark_read(session, path).createOrReplaceTempView(path.stem)
    return ibis.pyspark.connect(session)


def _spark_read(session: SparkSession, path: Path) -> SparkDataFrame:
    """A Parquet table with its schema from `TABLES` when its columns are the schema's: Spark
    then reads no file to infer it (a job per table, 3-9 s per connection on 2 cores)."""
    import pyarrow.parquet as pq
    from ibis.backends.pyspark.datatypes import PySparkSchema

    spec = TABLES.get(path.stem)
    if spec is None or pq.read_schema(path).names != spec.column_names:
        return session.read.parquet(str(path))  # e.g. a warehouse built before a column
    return session.read.schema(PySparkSchema.from_ibis(spec.ibis_schema())).parquet(str(path))


def export_parquet(settings: Settings | None = None) -> Path:
    """Write every warehouse table to `<home>/parquet/<table>.parquet` for the Spark engine."""
    settings = settings or load_settings()
    folder = settings.parquet_dir
    folder.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        for name in TABLES:
            target = folder / f"{name}.parquet"
            con.execute(f"COPY {name} TO '{target}' (FORMAT parquet)")
    (folder / ".exported").touch()
    return folder


def create_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create every table of the schema that does not exist yet."""
    backend = ibis.duckdb.from_connection(con)
    existing = set(backend.list_tables())
    for name, spec in TABLES.items():
        if name not in existing:
            backend.create_table(name, schema=spec.ibis_schema())


def write_tables(
    path: Path,
    frames: Mapping[str, Frame],
    *,
    replace: bool = True,
    delete_where: Mapping[str, str] | None = None,
) -> None:
    """Load already-validated frames in one transaction: all land or none do.

    With `replace`, each named table is emptied first; `delete_where` narrows that to the rows
    a partial import replaces (e.g. one practice's patients), as a SQL predicate per table.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path))
    except duckdb.Error as exc:
        raise StoreError(f"cannot open the warehouse for writing: {exc}") from exc
    try:
        create_tables(con)
        con.execute("BEGIN TRANSACTION")
        for name, frame in frames.items():
            columns = TABLES[name].column_names
            data = frame.select(columns) if isinstance(frame, pa.Table) else frame[columns]
            con.register("_incoming", data)
            if replace:
                where = (delete_where or {}).get(name)
                con.execute(f"DELETE FROM {name}" + (f" WHERE {where}" if where else ""))
            cols = ", ".join(columns)
            con.execute(f"INSERT INTO {name} ({cols}) SELECT {cols} FROM _incoming")
            con.unregister("_incoming")
        con.execute("COMMIT")
    except duckdb.Error as exc:
        con.execute("ROLLBACK")
        raise StoreError(f"writing to the warehouse failed and was rolled back: {exc}") from exc
    finally:
        con.close()


@contextmanager
def build_into(path: Path) -> Iterator[Path]:
    """Yield a temporary warehouse path; on success it atomically replaces `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".building.duckdb")
    for leftover in (tmp, tmp.with_suffix(tmp.suffix + ".wal")):
        leftover.unlink(missing_ok=True)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
