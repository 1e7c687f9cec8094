"""The app's answer cache: each capability's answers computed once per app and key.

The warehouse is read-only under the app, so answers do not go stale. Each route module
makes one `Cache` with its own name and size and calls it as `cached(request, key, compute)`.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import ibis
from fastapi import Request

from openpcn.exceptions import UserError
from openpcn.web.kit.connections import leased

T = TypeVar("T")


@dataclass(frozen=True)
class _Refused:
    """A kept refusal: raised again as a fresh copy (without the first request's traceback)."""

    error: UserError

    def again(self) -> UserError:
        return copy.copy(self.error).with_traceback(None)


_LOCK = threading.Lock()


@dataclass(frozen=True)
class Cache:
    """A named cache on the app keeping the `size` most recently used answers."""

    name: str
    size: int = 256

    def __call__(self, request: Request, key: tuple[object, ...], compute: Callable[[], T]) -> T:
        """compute() once per app and key. It runs outside the lock (on the request's own
        cursor, see `openpcn.web.kit.connections`). A refusal (a `UserError`, e.g. a date the
        risk model cannot be trained for) is kept like an answer, so asking again costs
        nothing; other errors are not kept."""
        state = request.app.state
        with _LOCK:
            caches: dict[str, OrderedDict[tuple[object, ...], Any]] | None = getattr(
                state, "answer_caches", None
            )
            if caches is None:
                caches = state.answer_caches = {}
            cache = caches.setdefault(self.name, OrderedDict())
            found = key in cache
            if found:
                cache.move_to_end(key)
                value = cache[key]
        if found:
            if isinstance(value, _Refused):
                raise value.again()
            return value
        try:
            value = compute()
        except UserError as exc:
            self._keep(cache, key, _Refused(exc))
            raise
        self._keep(cache, key, value)
        return value

    def _keep(
        self, cache: OrderedDict[tuple[object, ...], Any], key: tuple[object, ...], value: Any
    ) -> None:
        with _LOCK:
            cache[key] = value
            while len(cache) > self.size:
                cache.popitem(last=False)

    def query(
        self,
        request: Request,
        key: tuple[object, ...],
        query: Callable[[ibis.BaseBackend], T],
    ) -> T:
        """query(con) once per app and key, on a cursor of the app's pool (for helpers that
        are not handed the request's own connection)."""

        def compute() -> T:
            with leased(request) as con:
                return query(con)

        return self(request, key, compute)
