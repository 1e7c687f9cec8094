"""Routers, one module per capability, plus the dependencies they share.

`warehouse` lends a handler one read-only Ibis connection from the app's pool for the length
of the request. A DuckDB connection runs one query at a time (and a result must be fetched
before the next query starts on it), so concurrent requests each get their own cursor on the
one database the app opened; Spark sessions are shared as they are.
"""

from __future__ import annotations

import queue
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

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


def warehouse(request: Request) -> Iterator[ibis.BaseBackend]:
    """Dependency: `con: ibis.BaseBackend = Depends(warehouse)`, read-only."""
    pool: WarehousePool = request.app.state.warehouse_pool
    with pool.lease() as con:
        yield con


def appdb(request: Request) -> AppDB:
    """Dependency: the app database (sessions via `db.session()`)."""
    return request.app.state.appdb


T = TypeVar("T")
_CACHE_LOCK = threading.Lock()


def cached(
    request: Request, name: str, key: tuple[object, ...], compute: Callable[[], T], size: int = 256
) -> T:
    """compute() once per app, cache `name` and key, keeping the `size` most recently used.

    The warehouse is read-only under the app, so answers do not go stale. compute() runs
    outside the lock (on the request's own cursor); errors are not cached.
    """
    state = request.app.state
    with _CACHE_LOCK:
        caches = getattr(state, "answer_caches", None)
        if caches is None:
            caches = state.answer_caches = {}
        cache = caches.setdefault(name, OrderedDict())
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
    value = compute()
    with _CACHE_LOCK:
        cache[key] = value
        while len(cache) > size:
            cache.popitem(last=False)
    return value
