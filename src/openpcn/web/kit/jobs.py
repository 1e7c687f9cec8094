"""Slow answers worked out off the request, with progress the viewer can watch.

An answer that is not cached yet can take seconds: the ICS case-finding page on a new date
trains the risk model and counts every cohort (about 10 s on full Dorset). Such answers go
through `soon(ask, cache, key, compute, label=...)` instead of calling the cache directly:

- a kept answer comes back at once;
- otherwise a job computes it on a worker thread, on its own cursor of the app's pool (never
  the request's, which goes back to the pool when the request ends), and the request waits
  up to the app's `Board.wait` seconds (`OPENPCN_JOB_WAIT`, 1 s by default). An answer ready
  by then is returned; otherwise `Pending` is raised and the viewer gets a progress page
  (202) that polls `/jobs/{id}` and opens the page when the job is done (`openpcn.web.errors`
  renders it; the API answers 202 with the job to poll);
- one job per (cache, key): a second viewer of the same page joins the running job;
- at most `workers` jobs run at once (the rest wait their turn) and each account may have at
  most `per_user` of its own waiting or running: more is refused with 429 (`Busy`);
- a refusal (`UserError`) is kept in the cache like an answer, so the page shows it when
  opened; an unexpected error ends the job as failed (logged with a reference, not kept), and
  asking again starts afresh.

Progress comes from `openpcn.progress`: the capabilities report their steps, the job keeps
the latest fraction and step. A job started with `cancellable=True` may be cancelled by the
account that started it (`Board.cancel`): its compute reads the job's event with
`cancel_event()` and hands it to the capability, which stops early and answers with the best
it has (the formation solver does); the answer is kept like any other. A job's status names
what it works out (an ICS and a date), never a patient, and only the accounts that asked for
it may read it.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

import ibis

from openpcn.exceptions import UserError
from openpcn.progress import watched
from openpcn.web.auth import Forbidden
from openpcn.web.kit.access import Ask
from openpcn.web.kit.cache import Cache
from openpcn.web.kit.connections import WarehousePool

log = logging.getLogger("openpcn.web")

T = TypeVar("T")
State = Literal["waiting", "running", "done", "failed"]
KEEP_FINISHED_SECONDS = 600.0  # a finished job's status stays readable this long
_cancel: ContextVar[threading.Event | None] = ContextVar("openpcn_job_cancel", default=None)


def cancel_event() -> threading.Event | None:
    """The running job's cancel event (None outside a job, or for a job that cannot be
    cancelled): a compute passes it to the capability, e.g. `propose(..., cancel=...)`."""
    return _cancel.get()


class Busy(UserError):
    """The account already has as many slow answers being worked out as it may."""

    http_status = 429


class Pending(Exception):  # not an error: the answer is on its way
    """The answer is being worked out by `job`: answer with its progress instead."""

    def __init__(self, job: Job) -> None:
        super().__init__(job.id)
        self.job = job


@dataclass
class Job:
    """One slow answer being worked out, as its viewers see it."""

    id: str
    label: str
    owner: str
    viewers: set[str]
    created: float = field(default_factory=time.monotonic)
    state: State = "waiting"
    fraction: float = 0.0
    step: str = "Waiting for a free worker"
    finished_at: float | None = None
    reference: str | None = None  # the error reference of a failed job
    error: BaseException | None = None
    finished: threading.Event = field(default_factory=threading.Event)
    cancellable: bool = False
    cancelled: threading.Event = field(default_factory=threading.Event)

    def watch(self, fraction: float, step: str) -> None:
        self.fraction, self.step = max(self.fraction, fraction), step

    def as_dict(self, viewer: str | None = None) -> dict[str, Any]:
        """The job's status (`cancellable`: whether `viewer`, when given, may cancel it now)."""
        return {
            "id": self.id,
            "label": self.label,
            "state": self.state,
            "percent": round(100 * (1.0 if self.state == "done" else self.fraction)),
            "step": self.step,
            "seconds": round((self.finished_at or time.monotonic()) - self.created, 1),
            "reference": self.reference,
            "cancellable": self.cancellable
            and not self.finished.is_set()
            and viewer in (None, self.owner),
            "cancelled": self.cancelled.is_set(),
        }


class Board:
    """The app's jobs: started, joined, looked up by id, forgotten some time after they end."""

    def __init__(self, *, workers: int = 2, per_user: int = 2, wait: float | None = 1.0) -> None:
        self.workers, self.per_user, self.wait = workers, per_user, wait
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="openpcn-job")
        self._lock = threading.Lock()
        self._by_id: dict[str, Job] = {}
        self._by_key: dict[tuple[object, ...], Job] = {}

    def find(self, job_id: str, viewer: str) -> Job | None:
        """The job, if `viewer` asked for it (anyone else: None, as for an unknown id)."""
        with self._lock:
            job = self._by_id.get(job_id)
        return job if job is not None and viewer in job.viewers else None

    def start(
        self,
        key: tuple[object, ...],
        label: str,
        viewer: str,
        work: Callable[[], object],
        *,
        cancellable: bool = False,
    ) -> Job:
        """The running job for `key` (joined), or a new one doing `work` (`Busy` if the
        viewer already has `per_user` jobs of their own under way)."""
        with self._lock:
            self._forget_finished()
            job = self._by_key.get(key)
            if job is not None and job.state != "failed":
                job.viewers.add(viewer)
                return job
            own = sum(
                1 for j in self._by_id.values() if j.owner == viewer and not j.finished.is_set()
            )
            if own >= self.per_user:
                raise Busy(
                    f"you already have {own} slow answers being worked out",
                    fix="wait for one of them to finish (their pages show how far they have "
                    "got), then ask again",
                )
            job = Job(
                id=secrets.token_urlsafe(16),
                label=label,
                owner=viewer,
                viewers={viewer},
                cancellable=cancellable,
            )
            self._by_id[job.id] = job
            self._by_key[key] = job
        self._executor.submit(self._run, key, job, work)
        return job

    def cancel(self, job_id: str, viewer: str) -> Job | None:
        """Ask the job to stop (None, as for an unknown id, unless `viewer` may read it); only
        the account that started a cancellable job may cancel it (`Forbidden` otherwise)."""
        job = self.find(job_id, viewer)
        if job is None:
            return None
        if not job.cancellable or job.owner != viewer:
            raise Forbidden("Only the account that started this job can cancel it.")
        if not job.finished.is_set():
            job.cancelled.set()
            job.step = "Cancelling: keeping the best answer found so far"
        return job

    def _run(self, key: tuple[object, ...], job: Job, work: Callable[[], object]) -> None:
        job.state, job.step = "running", "Starting"
        token = _cancel.set(job.cancelled if job.cancellable else None)
        try:
            with watched(job.watch):
                work()
        except UserError:
            job.state = "done"  # the refusal is kept in the cache: the page shows it
        except BaseException as exc:  # the job reports it: its viewers see it failed
            job.reference = secrets.token_hex(4)
            job.error = exc
            job.state = "failed"
            log.error("job %s failed (error %s): %s", job.label, job.reference, type(exc).__name__)
        else:
            job.state = "done"
        finally:
            _cancel.reset(token)
            job.finished_at = time.monotonic()
            with self._lock:
                if self._by_key.get(key) is job and job.state == "failed":
                    del self._by_key[key]
            job.finished.set()

    def _forget_finished(self) -> None:
        """Drop jobs finished more than KEEP_FINISHED_SECONDS ago (the lock is held)."""
        now = time.monotonic()
        for job_id, job in list(self._by_id.items()):
            if job.finished_at is not None and now - job.finished_at > KEEP_FINISHED_SECONDS:
                del self._by_id[job_id]
        for key, job in list(self._by_key.items()):
            if job.id not in self._by_id or job.finished_at is not None:
                del self._by_key[key]


def board_of(app_state: Any) -> Board:
    """The app's board (made with the defaults on first use if the app set none)."""
    found: Board | None = getattr(app_state, "jobs", None)
    if found is None:
        found = app_state.jobs = Board()
    return found


def soon(
    ask: Ask,
    cache: Cache,
    key: tuple[object, ...],
    compute: Callable[[ibis.BaseBackend], T],
    *,
    label: str,
    cancellable: bool = False,
) -> T:
    """compute(con) once per app and key, as a job when it is not kept yet (see above)."""
    found, value = cache.peek(ask.request, key)
    if found:
        return value
    state = ask.request.app.state
    pool: WarehousePool = state.warehouse_pool

    def work() -> T:
        with pool.lease() as con:
            return cache.fill(state, key, lambda: compute(con))

    board = board_of(state)
    job = board.start(
        (cache.name, *key), label, ask.principal.username, work, cancellable=cancellable
    )
    if not job.finished.wait(board.wait):
        raise Pending(job)
    if job.state == "failed" and job.error is not None:
        raise job.error
    found, value = cache.peek(ask.request, key)
    if found:
        return value
    return cache.fill(state, key, lambda: compute(ask.con))  # forgotten already: work it out
