"""The warehouse and the app DB as dependencies of a request.

`warehouse` lends a handler one read-only Ibis connection from the app's pool for the length
of the request. A DuckDB connection runs one query at a time (and a result must be fetched
before the next query starts on it), so concurrent requests each get their own cursor on the
one database the app opened; Spark sessions are shared as they are.
"""

from __future__ import annotations

import queue
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

import ibis
from fastapi import Request

from openpcn.store.appdb import AppDB


class WarehousePool:
    """Cursors on the app's one warehouse connection, made on demand and reused."""

    def __init__(self, backend: ibis.BaseBackend, size: int = 16) -> None:
        self.backend = backend
        self.shared = backend.name != "duckdb"
        self._idle: queue.LifoQueue[ibis.BaseBackend] = queue.LifoQueue(maxsize=size)

    @contextmanager
    def lease(self) -> Iterator[ibis.BaseBackend]:
        if self.shared:
            yield self.backend
            return
        try:
            con = self._idle.get_nowait()
        except queue.Empty:
            con = ibis.duckdb.from_connection(self.backend.con.cursor())
        try:
            yield con
        finally:
            try:
                self._idle.put_nowait(con)
            except queue.Full:
                con.disconnect()

    def close(self) -> None:
        while True:
            try:
                self._idle.get_nowait().disconnect()
            except queue.Empty:
                break
        self.backend.disconnect()


def leased(request: Request) -> AbstractContextManager[ibis.BaseBackend]:
    """A cursor of the app's pool for a `with` block (helpers called without a `con`)."""
    pool: WarehousePool = request.app.state.warehouse_pool
    return pool.lease()


def warehouse(request: Request) -> Iterator[ibis.BaseBackend]:
    """Dependency: `con: ibis.BaseBackend = Depends(warehouse)`, read-only."""
    with leased(request) as con:
        yield con


def appdb(request: Request) -> AppDB:
    """Dependency: the app database (sessions via `db.session()`)."""
    return request.app.state.appdb
