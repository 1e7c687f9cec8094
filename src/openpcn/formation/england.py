"""England: every STP (the 2019 footprint of an ICS) proposed in turn, region by region.

The main process reads each STP's instance from the warehouse (a connection is not passed to
other processes) and hands it to a pool of worker processes, each solving one ICS at a time
with one CP-SAT worker under a per-ICS time limit. STPs with more practices than
`exact_max_practices` get the heuristic only (the exact model grows as n²): their status says
so ("feasible", "heuristic only (no proof)"). Practices without coordinates are listed per
ICS, not dropped silently; an ICS that cannot be read or solved keeps its row, with the reason.
"""

from __future__ import annotations

import multiprocessing
import signal
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import replace
from typing import Any

import ibis

from openpcn.exceptions import UserError
from openpcn.formation import metrics
from openpcn.formation.problem import Instance, Params, load_instance
from openpcn.formation.propose import propose_for
from openpcn.orgs import IcsArea, ics_list
from openpcn.progress import report

#: above this many practices the exact model is too big for a short per-ICS limit
EXACT_MAX_PRACTICES = 150
COLUMNS = (
    "code",
    "name",
    "region",
    "practices",
    "unplaced",
    "pcns_today",
    "pcns_in_band_today",
    "pcns_total",
    "pcns_in_band",
    "patients_outside_band",
    "compactness_km",
    "moved",
    "status",
    "status_reason",
    "optimality_gap",
    "seconds",
)


def _solve(instance: Instance, params: Params, exact_solver: bool) -> dict[str, Any]:
    """One ICS in a worker process: the proposal's metrics (no connection needed)."""
    try:
        proposal = propose_for(instance, params, exact_solver=exact_solver)
    except UserError as exc:
        return {"status": "error", "status_reason": exc.what}
    return proposal.metrics()


def england(
    con: ibis.BaseBackend,
    params: Params,
    *,
    ics: Sequence[str] | None = None,
    time_limit_per_ics: float = 30.0,
    processes: int = 2,
    exact_max_practices: int = EXACT_MAX_PRACTICES,
    on_row: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Propose networks for every STP (or the STP codes in `ics`), region by region, in
    parallel processes; one row per ICS and a national summary. `params.ics` is ignored."""
    began = time.monotonic()
    areas = ics_list(con)
    if ics is not None:
        wanted = [c.strip().upper() for c in ics]
        known = {a.code for a in areas}
        missing = [c for c in wanted if c not in known]
        if missing:
            raise UserError(
                f"no STP {', '.join(missing)} in the reference data",
                fix=f"give STP codes (E54...) such as {', '.join(sorted(known)[:3])}",
            )
        areas = [a for a in areas if a.code in wanted]
    base = replace(params, time_limit=time_limit_per_ics, workers=1)
    rows: list[dict[str, Any]] = []
    interrupted = False
    context = multiprocessing.get_context("spawn")  # no fork of a process holding DuckDB
    pool = ProcessPoolExecutor(
        max_workers=max(1, processes), mp_context=context, initializer=_ignore_ctrl_c
    )
    try:
        _start(pool)
        pending: list[tuple[dict[str, Any], Future[dict[str, Any]] | None]] = []
        for number, area in enumerate(areas):
            report(f"Reading {area.name}", number, len(areas) * 2)
            pending.append(_submit(con, pool, area, replace(base, ics=area.code),
                                   exact_max_practices))  # fmt: skip
        for number, (row, future) in enumerate(pending):
            done = {**row, **_result(future)}
            done = {k: done.get(k) for k in COLUMNS}
            rows.append(done)
            report(f"Solved {row['name']}", len(areas) + number + 1, len(areas) * 2)
            if on_row is not None:
                on_row(done)
    except KeyboardInterrupt:  # the ICSs solved so far are kept; the rest are not started
        interrupted = True
    finally:
        pool.shutdown(wait=not interrupted, cancel_futures=True)
    return {
        "rows": rows,
        "summary": summary(rows, time.monotonic() - began) | {"interrupted": interrupted},
        "parameters": base.as_dict() | {
            "ics": [a.code for a in areas], "time_limit_per_ics": time_limit_per_ics,
            "exact_max_practices": exact_max_practices,
        },
    }  # fmt: skip


def _start(pool: ProcessPoolExecutor) -> None:
    """Start the workers now (they import while the STPs are read) with Ctrl-C ignored, which
    a new interpreter inherits, so a Ctrl-C in their first seconds leaves no traceback."""
    if threading.current_thread() is not threading.main_thread():
        pool.submit(int)
        return
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        pool.submit(int)  # a spawned pool starts all its workers on the first task
    finally:
        signal.signal(signal.SIGINT, old)


def _ignore_ctrl_c() -> None:
    """Workers leave Ctrl-C to the main process, which stops handing out ICSs."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _submit(
    con: ibis.BaseBackend,
    pool: ProcessPoolExecutor,
    area: IcsArea,
    params: Params,
    exact_max_practices: int,
) -> tuple[dict[str, Any], Future[dict[str, Any]] | None]:
    """Read one STP here and hand its instance to a worker; a row that says why if unreadable."""
    row: dict[str, Any] = {
        "code": area.code,
        "name": area.name,
        "region": area.region_name,
        "practices": 0,
        "unplaced": [],
    }
    try:
        instance = load_instance(con, params)
    except UserError as exc:
        return {**row, "status": "error", "status_reason": exc.what}, None
    total, in_band, _ = metrics.band_counts(instance, instance.current, params.band)
    row |= {
        "practices": instance.n,
        "unplaced": list(instance.unplaced),
        "pcns_today": total,
        "pcns_in_band_today": in_band,
    }
    exact = instance.n <= exact_max_practices
    return row, pool.submit(_solve, instance, params, exact)


def _result(future: Future[dict[str, Any]] | None) -> dict[str, Any]:
    """A worker's metrics (only the row's columns); a failed solve is a row with its reason."""
    if future is None:
        return {}
    try:
        result = future.result()
    except Exception as exc:  # a crashed worker or solver: the ICS keeps its row
        return {"status": "error", "status_reason": f"the solve failed ({type(exc).__name__})"}
    return {k: result[k] for k in COLUMNS if k in result}


def summary(rows: Sequence[dict[str, Any]], seconds: float) -> dict[str, Any]:
    """The national figures: networks in the band today and proposed, and how many proofs."""
    solved = [r for r in rows if r.get("status") not in (None, "error")]
    optimal = sum(r["status"] == "optimal" for r in solved)
    return {
        "icss": len(rows),
        "icss_solved": len(solved),
        "icss_failed": [r["code"] for r in rows if r.get("status") in (None, "error")],
        "practices": sum(int(r.get("practices") or 0) for r in rows),
        "unplaced_practices": sum(len(r.get("unplaced") or []) for r in rows),
        "pcns_today": sum(int(r.get("pcns_today") or 0) for r in rows),
        "pcns_in_band_today": sum(int(r.get("pcns_in_band_today") or 0) for r in rows),
        "pcns_proposed": sum(int(r.get("pcns_total") or 0) for r in solved),
        "pcns_in_band_proposed": sum(int(r.get("pcns_in_band") or 0) for r in solved),
        "icss_optimal": optimal,
        "share_optimal": round(optimal / len(rows), 3) if rows else None,
        "solver_seconds": round(sum(float(r.get("seconds") or 0) for r in solved), 1),
        "seconds": round(seconds, 1),
    }
