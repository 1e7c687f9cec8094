"""The warehouse and the app database, opened from the settings the way every command needs
them. The warehouse is imported on first use: `openpcn --help` need not load Ibis."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from openpcn.cli.options import Engine
from openpcn.config import load_settings
from openpcn.store import appdb

if TYPE_CHECKING:
    import ibis


def warehouse(engine: Engine | None = None) -> ibis.BaseBackend:
    """A read-only connection to the warehouse, on `engine` or the configured one."""
    from openpcn.store.warehouse import connect

    if engine is None:
        return connect()
    return connect(engine="pyspark" if engine == Engine.spark else "duckdb")


@contextmanager
def app_db() -> Iterator[appdb.AppDB]:
    """The app database (accounts, audit log, staff register), closed when the command ends."""
    db = appdb.open_appdb(appdb.appdb_url(load_settings()))
    try:
        yield db
    finally:
        db.dispose()
