"""The app's answer cache: each capability's answers computed once per app and key, within a
memory budget.

The warehouse is read-only under the app, so answers do not go stale. Each route module makes
one `Cache` with its own name and most entries, and calls it as `cached(request, key, compute)`.
All the caches of an app share one budget of bytes (`Settings.cache_mb`, kept on the app as
`state.cache_budget`): each answer's size is estimated when it is kept (`approx_size`), and the
least recently used answers of any cache are forgotten while the total is over the budget. An
answer bigger than the whole budget is returned but not kept.
"""

from __future__ import annotations

import copy
import dataclasses
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import ibis
from fastapi import Request

from openpcn.exceptions import UserError
from openpcn.web.kit.connections import leased

T = TypeVar("T")

DEFAULT_BUDGET = 256 * 1024 * 1024  # bytes, when the app sets none
_LOCK = threading.Lock()


@dataclass(frozen=True)
class _Refused:
    """A kept refusal: raised again as a fresh copy (without the first request's traceback)."""

    error: UserError

    def again(self) -> UserError:
        return copy.copy(self.error).with_traceback(None)


@dataclass
class Answers:
    """Every kept answer of one app, least recently used first, with its estimated bytes."""

    budget: int = DEFAULT_BUDGET
    entries: OrderedDict[tuple[str, tuple[object, ...]], tuple[Any, int]] = field(
        default_factory=OrderedDict
    )
    counts: dict[str, int] = field(default_factory=dict)
    bytes: int = 0

    def forget(self, entry: tuple[str, tuple[object, ...]]) -> None:
        _, size = self.entries.pop(entry)
        self.bytes -= size
        self.counts[entry[0]] -= 1

    def oldest_of(self, name: str) -> tuple[str, tuple[object, ...]]:
        return next(entry for entry in self.entries if entry[0] == name)


def answers_of(app_state: Any) -> Answers:
    """The app's kept answers (made on first use, with the app's `cache_budget` if it has one)."""
    found: Answers | None = getattr(app_state, "answer_caches", None)
    if found is None:
        found = app_state.answer_caches = Answers(
            budget=getattr(app_state, "cache_budget", DEFAULT_BUDGET)
        )
    return found


@dataclass(frozen=True)
class Cache:
    """A named cache on the app keeping at most `size` answers (and within the app's budget)."""

    name: str
    size: int = 256

    def __call__(self, request: Request, key: tuple[object, ...], compute: Callable[[], T]) -> T:
        """compute() once per app and key. It runs outside the lock (on the request's own
        cursor, see `openpcn.web.kit.connections`). A refusal (a `UserError`, e.g. a date the
        risk model cannot be trained for) is kept like an answer, so asking again costs
        nothing; other errors are not kept."""
        found, value = self.peek(request, key)
        if found:
            return value
        return self.fill(request.app.state, key, compute)

    def peek(self, request: Request, key: tuple[object, ...]) -> tuple[bool, Any]:
        """(True, the answer) if it is kept (a kept refusal is raised), else (False, None)."""
        with _LOCK:
            kept = answers_of(request.app.state)
            entry = (self.name, key)
            if entry not in kept.entries:
                return False, None
            kept.entries.move_to_end(entry)
            value = kept.entries[entry][0]
        if isinstance(value, _Refused):
            raise value.again()
        return True, value

    def fill(self, app_state: Any, key: tuple[object, ...], compute: Callable[[], T]) -> T:
        """compute() and keep what it answers (or the refusal it raises)."""
        try:
            value = compute()
        except UserError as exc:
            self._keep(app_state, key, _Refused(exc))
            raise
        self._keep(app_state, key, value)
        return value

    def _keep(self, app_state: Any, key: tuple[object, ...], value: Any) -> None:
        size = approx_size(value)
        with _LOCK:
            kept = answers_of(app_state)
            entry = (self.name, key)
            if entry in kept.entries:
                kept.forget(entry)
            if size > kept.budget:
                return
            kept.entries[entry] = (value, size)
            kept.counts[self.name] = kept.counts.get(self.name, 0) + 1
            kept.bytes += size
            while kept.counts[self.name] > self.size:
                kept.forget(kept.oldest_of(self.name))
            while kept.bytes > kept.budget:
                kept.forget(next(iter(kept.entries)))

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


def approx_size(value: Any, _seen: set[int] | None = None) -> int:
    """An estimate of the bytes `value` holds: containers, dataclasses and strings walked
    (each object counted once), frames and arrays by their own accounts."""
    seen = set() if _seen is None else _seen
    if id(value) in seen:
        return 0
    seen.add(id(value))
    if isinstance(value, str | bytes | bytearray | int | float | bool) or value is None:
        return sys.getsizeof(value)
    nbytes = _frame_bytes(value)
    if nbytes is not None:
        return nbytes
    size = sys.getsizeof(value)
    if isinstance(value, Mapping):
        return size + sum(approx_size(k, seen) + approx_size(v, seen) for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return size + sum(approx_size(item, seen) for item in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = (getattr(value, f.name) for f in dataclasses.fields(value))
        return size + sum(approx_size(item, seen) for item in fields)
    return size


def _frame_bytes(value: Any) -> int | None:
    """The bytes of a pandas frame or series (deep), a NumPy or Arrow array or table."""
    module = type(value).__module__
    if module.startswith("pandas"):
        usage = value.memory_usage(deep=True)
        return int(usage.sum() if hasattr(usage, "sum") else usage)
    if module.startswith(("numpy", "pyarrow")) and hasattr(value, "nbytes"):
        return int(value.nbytes)
    return None
