"""How far a long computation has got, for whoever is watching: a web job's progress page
(`openpcn.web.kit.jobs`) or nobody.

A capability says where it is with `report("Training the risk model", done, total)`; with no
watcher that costs one context-variable lookup. A computation made of parts gives each part
its share with `part(index, count)`, so the steps of the part fill only that share of the bar
(a 24-point trend: each point is 1/24 of it, whatever the point reports inside).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

#: called with (fraction done, 0.0-1.0; what is being done now)
Watcher = Callable[[float, str], None]


@dataclass(frozen=True)
class _Span:
    watcher: Watcher
    start: float = 0.0
    width: float = 1.0


_current: ContextVar[_Span | None] = ContextVar("openpcn_progress", default=None)


def report(step: str, done: int = 0, total: int = 1) -> None:
    """Tell the watcher (if any) that `step` is under way, `done` of `total` of it finished."""
    span = _current.get()
    if span is None:
        return
    share = min(max(done / total, 0.0), 1.0) if total > 0 else 0.0
    span.watcher(span.start + span.width * share, step)


@contextmanager
def watched(watcher: Watcher) -> Iterator[None]:
    """Send every `report` made inside the block (in this thread or task) to `watcher`."""
    token = _current.set(_Span(watcher))
    try:
        yield
    finally:
        _current.reset(token)


@contextmanager
def part(index: int, count: int) -> Iterator[None]:
    """Inside the block, reports fill the `index`-th (from 0) of `count` equal shares."""
    span = _current.get()
    if span is None or count <= 0:
        yield
        return
    width = span.width / count
    token = _current.set(_Span(span.watcher, span.start + width * index, width))
    try:
        yield
    finally:
        _current.reset(token)
