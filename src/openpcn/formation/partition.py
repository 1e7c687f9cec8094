"""The compactness proof by set partitioning: every joined-up, in-band network listed.

Why: the centre model's linear relaxation is weak for networks of four or five practices, so
CP-SAT cannot close its gap in a minute on Dorset. Listing every connected set of practices
whose list is inside the band (1.5 million for Dorset, in about two seconds) turns the problem
into choosing K sets that cover each practice once at least cost, where a set's cost is its
best centre's patient-weighted distance (the centre model's objective, in the same units).

1. **List** the connected in-band sets (each once: the ESU enumeration of Wernicke 2006,
   stopped where a set's list passes the maximum), keeping only those that respect --within,
   keep-together and keep-apart. Too many sets (a large ICS, a wide band): not used.
2. **Bound**: the linear relaxation solved by column generation on HiGHS (price every listed
   set against the duals, add the cheapest, repeat); its value is a lower bound.
3. **Plan**: the integer problem on the sets whose reduced cost is small (the heuristic's own
   networks among them), for a first good plan, with half the time left.
4. **Proof**: every plan costs at least the bound plus the reduced costs of its sets, so a set
   whose reduced cost exceeds (best plan - bound) is in no better plan. The integer problem on
   the rest, started from the plan, proves it optimal or leaves a valid bound at the time limit.

Used for `fresh` mode without --fix (names and moves need the label model); when the band
cannot hold K networks (the relaxation needs its artificial columns), the caller falls back to
the CP-SAT phases, which measure the least violation.
"""

from __future__ import annotations

import math
import os
import sys
import threading
import time
from dataclasses import dataclass

import highspy
import numpy as np
from scipy import sparse

from openpcn.formation.heuristic import components
from openpcn.formation.problem import Instance, Params, breaches
from openpcn.progress import report

MAX_SETS = 3_000_000  # beyond this the listing costs more memory and time than it saves
MAX_STEPS = 12_000_000  # enumeration steps (sets below the minimum included)
LISTING_SHARE = 0.25  # of the time left: a listing that takes longer leaves too little to prove
SCALE = 1e-6  # cost units per solver unit (patients x 10 m -> millions), exact in float64
FIRST = 8.0  # solver units: the first plan's sets (Dorset: 15,800 of 1.5 million)
_BIG = 1e4  # an artificial column's cost (solver units): far above any real plan's


class TooMany(Exception):
    """More connected in-band sets than the set-partitioning model is worth."""


class Cancelled(Exception):
    """The user cancelled the solve while the sets were being listed or costed."""


@dataclass
class Partition:
    """The chosen networks, the proved bound and how the solve ended."""

    labels: np.ndarray | None  # network per practice, 0..K-1
    centres: list[int]
    value: float | None  # patients x DISTANCE_UNIT, as the centre model counts it
    bound: float | None
    status: str  # optimal | feasible | unknown | cancelled
    seconds: float
    sets: int  # connected in-band sets listed
    columns: int  # sets left after reduced-cost fixing


def connected_sets(
    inst: Instance,
    params: Params,
    until: float = math.inf,
    cancel: threading.Event | None = None,
) -> np.ndarray:
    """Every connected set of practices with a list inside the band, as a boolean matrix
    (sets x practices), respecting --within, keep-together and keep-apart; TooMany past
    MAX_SETS, MAX_STEPS or the time `until`, Cancelled when `cancel` is set."""
    n = inst.n
    p = np.rint(inst.patients).astype(int).tolist()
    lo, hi = math.ceil(params.band.min), math.floor(params.band.max)
    groups = inst.groups
    nbrs = [
        [k for k in inst.neighbours()[i] if groups[i] is None or groups[i] == groups[k]]
        for i in range(n)
    ]
    closed = [(1 << i) | sum(1 << k for k in nbrs[i]) for i in range(n)]
    masks: list[int] = []
    steps = 0

    def extend(mask: int, near: int, weight: int, ext: list[int], root: int) -> None:
        nonlocal steps
        steps += 1
        if steps > MAX_STEPS or len(masks) > MAX_SETS:
            raise TooMany
        if not steps & 0xFFFF:
            if time.monotonic() > until:
                raise TooMany
            if cancel is not None and cancel.is_set():
                raise Cancelled
        if weight >= lo:
            masks.append(mask)
        ext = list(ext)
        while ext:
            u = ext.pop()
            if weight + p[u] > hi:
                continue
            new = [k for k in nbrs[u] if k > root and not (near >> k) & 1]
            extend(mask | (1 << u), near | closed[u], weight + p[u], ext + new, root)

    for v in range(n):
        if p[v] <= hi:
            extend(1 << v, closed[v], p[v], [k for k in nbrs[v] if k > v], v)
    width = (n + 7) // 8
    raw = np.frombuffer(b"".join(m.to_bytes(width, "little") for m in masks), dtype=np.uint8)
    sets = np.unpackbits(raw.reshape(len(masks), width), axis=1, bitorder="little")[:, :n]
    sets = sets.astype(bool)
    keep = np.ones(len(sets), dtype=bool)
    for group in params.keep_together:
        inside = sets[:, [inst.index(c) for c in group]].sum(axis=1)
        keep &= (inside == 0) | (inside == len(group))
    for group in params.keep_apart:
        keep &= sets[:, [inst.index(c) for c in group]].sum(axis=1) <= 1
    return sets[keep]


def set_costs(
    inst: Instance, sets: np.ndarray, unit: float, cancel: threading.Event | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Each set's cost (patients x `unit` metres to its best centre, distances rounded to
    whole units as the centre model rounds them) and that centre; Cancelled when `cancel`
    is set between blocks."""
    p = np.rint(inst.patients)
    w = p[:, None] * np.rint(inst.distances() / unit)  # w[i, j]: i's cost with centre j
    costs = np.empty(len(sets))
    centres = np.empty(len(sets), dtype=int)
    for a in range(0, len(sets), 100_000):
        if cancel is not None and cancel.is_set():
            raise Cancelled
        block = sets[a : a + 100_000]
        each = np.where(block, block.astype(float) @ w, np.inf)
        centres[a : a + 100_000] = each.argmin(axis=1)
        costs[a : a + 100_000] = each.min(axis=1)
    return costs, centres


def solve(
    inst: Instance,
    params: Params,
    k: int,
    start: np.ndarray | None,
    deadline: float,
    unit: float,
    cancel: threading.Event | None = None,
) -> Partition | None:
    """The compactness optimum by set partitioning; None when it does not apply (too many
    sets, or the band cannot hold k networks) so the caller uses the centre model; status
    "cancelled" without labels when cancelled before a plan was found."""
    began = time.monotonic()
    stopped = Partition(None, [], None, None, "cancelled", 0.0, 0, 0)
    report("Listing every joined-up network inside the band")
    try:
        sets = connected_sets(inst, params, began + LISTING_SHARE * (deadline - began), cancel)
        first = start_sets(inst, params, start)
        sets = np.vstack([sets, first])
        costs, centres = set_costs(inst, sets, unit, cancel)
    except TooMany:
        return None
    except Cancelled:
        return stopped
    rows, members = np.nonzero(sets)
    indptr = np.r_[0, np.cumsum(np.bincount(rows, minlength=len(sets)))]
    matrix = sparse.csr_matrix((np.ones(len(rows)), members, indptr), shape=sets.shape)

    report("Bounding: the relaxation by column generation")
    lower, duals = _relaxation(matrix, costs * SCALE, k, deadline, cancel)
    if cancel is not None and cancel.is_set():
        return stopped
    if lower is None:
        return None  # the band cannot hold k joined-up networks: the centre model explains
    reduced = costs * SCALE - matrix @ duals[:-1] - duals[-1]
    start_cols = np.arange(len(sets) - len(first), len(sets))
    hint_of = (lambda cols: np.isin(cols, start_cols)) if len(first) == k else (lambda cols: None)

    # A first plan: the sets of smallest reduced cost (and the heuristic's), their bound held
    # for every plan up to `lower + FIRST`: a plan using another set costs more than that.
    cols = np.union1d(np.flatnonzero(reduced <= FIRST), start_cols)
    report(f"Planning: the {len(cols):,} most promising networks")
    share = time.monotonic() + 0.5 * (deadline - time.monotonic())
    status, chosen, found = _integer(
        matrix[cols].T.tocsc(), costs[cols] * SCALE, k, share, cancel, hint_of(cols)
    )
    if chosen is None:
        return None
    best = cols[chosen]
    upper = float(costs[best].sum()) * SCALE
    bound = max(lower, min(found, upper, lower + FIRST))
    if not (status == "optimal" and upper - lower <= FIRST) and status != "cancelled":
        # The proof: every set that could still be in a better plan.
        cols = np.union1d(np.flatnonzero(reduced <= upper - lower + 1e-7), best)
        report(f"Proving: the {len(cols):,} networks that could still improve the plan")
        status, chosen, found = _integer(
            matrix[cols].T.tocsc(), costs[cols] * SCALE, k, deadline, cancel, np.isin(cols, best)
        )
        if chosen is not None and costs[cols[chosen]].sum() <= costs[best].sum():
            best = cols[chosen]
            upper = float(costs[best].sum()) * SCALE
        # Every plan costs at least `lower` plus its sets' reduced costs, so a plan using a
        # set left out costs more than `upper`: the bound on the rest holds for every plan.
        bound = max(bound, min(found, upper))
    elif status == "optimal":
        bound = upper
    value = float(costs[best].sum())
    labels = np.full(inst.n, -1)
    for number, s in enumerate(best):
        labels[sets[s]] = number
    return Partition(
        labels,
        [int(centres[s]) for s in best],
        value,
        value if status == "optimal" else min(value, float(math.ceil(bound / SCALE - 1e-3))),
        status,
        time.monotonic() - began,
        len(sets),
        len(cols),
    )


def start_sets(inst: Instance, params: Params, start: np.ndarray | None) -> np.ndarray:
    """The heuristic's networks as sets, when every one is one the listing could hold (in the
    band in the solver's whole patients, joined up, keeping the hard limits): a first plan to
    start from."""
    none = np.zeros((0, inst.n), dtype=bool)
    if start is None:
        return none
    out = np.array([start == lab for lab in np.unique(start)], dtype=bool)
    lists = np.rint(inst.patients) @ out.T
    if not all(params.band.min <= total <= params.band.max for total in lists):
        return none
    nbrs = inst.neighbours()
    if any(len(components(np.flatnonzero(row).tolist(), nbrs)) != 1 for row in out):
        return none
    if breaches(inst, params, start, []):
        return none
    return out


def _relaxation(
    matrix: sparse.csr_matrix,
    costs: np.ndarray,
    k: int,
    deadline: float,
    cancel: threading.Event | None,
) -> tuple[float | None, np.ndarray]:
    """The linear relaxation's value and duals (practices, then the count), by column
    generation; None when its optimum needs an artificial column (no in-band cover)."""
    m, n = matrix.shape
    per_member = costs / np.maximum(np.asarray(matrix.sum(axis=1)).ravel(), 1)
    cols = np.argsort(per_member)[: min(m, 3000)]
    while True:
        h = _model(matrix[cols].T.tocsc(), costs[cols], k, artificial=True)
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None, np.zeros(n + 1)
        duals = np.asarray(h.getSolution().row_dual)
        reduced = costs - matrix @ duals[:-1] - duals[-1]
        worse = np.flatnonzero(
            reduced < -1e-7 * max(1.0, abs(h.getInfo().objective_function_value))
        )
        worse = np.setdiff1d(worse, cols)
        if len(worse) == 0:
            break
        if time.monotonic() > deadline or (cancel and cancel.is_set()):
            return None, duals  # not converged: no bound to build on
        cols = np.union1d(cols, worse[np.argsort(reduced[worse])[:3000]])
    artificial = np.asarray(h.getSolution().col_value)[len(cols) :]
    if artificial.sum() > 1e-6:
        return None, duals
    return float(h.getInfo().objective_function_value), duals


def _integer(
    a: sparse.csc_matrix,
    costs: np.ndarray,
    k: int,
    deadline: float,
    cancel: threading.Event | None,
    hint: np.ndarray | None,
) -> tuple[str, np.ndarray | None, float]:
    """Choose k columns covering each row once at least cost: status, the chosen column
    positions (None when none found) and the proved bound (solver units)."""
    h = _model(a, costs, k, artificial=False, integer=True)
    h.HandleUserInterrupt = True  # without it highspy's cancelSolve() is ignored
    h.setOptionValue("presolve", "off")  # presolve spends a minute on a million dominated sets
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 0.99 * SCALE)  # costs are whole units
    h.setOptionValue("time_limit", max(deadline - time.monotonic(), 0.05))
    if hint is not None:
        sol = highspy.HighsSolution()
        sol.col_value = hint.astype(float).tolist()
        sol.value_valid = True
        h.setSolution(sol)
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.2):
            if cancel is not None and cancel.is_set():
                h.cancelSolve()
                return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        h.run()
    finally:
        done.set()
        watcher.join()
    info, state = h.getInfo(), h.getModelStatus()
    found = info.primal_solution_status == 2  # kSolutionStatusFeasible
    chosen = np.flatnonzero(np.asarray(h.getSolution().col_value) > 0.5) if found else None
    if cancel is not None and cancel.is_set():
        status = "cancelled"
    elif state == highspy.HighsModelStatus.kOptimal:
        status = "optimal"
    else:
        status = "feasible" if found else "unknown"
    return status, chosen, float(info.mip_dual_bound)


def _model(
    a: sparse.csc_matrix, costs: np.ndarray, k: int, *, artificial: bool, integer: bool = False
) -> highspy.Highs:
    """Rows: each practice covered once, k networks; artificial columns keep it feasible."""
    n = a.shape[0]
    a = sparse.vstack([a, np.ones((1, a.shape[1]))]).tocsc()
    c, upper = costs, np.ones(a.shape[1])
    if artificial:
        extra = sparse.hstack(
            [
                sparse.vstack([sparse.eye(n), np.zeros((1, n))]),
                sparse.csc_matrix(np.r_[np.zeros((n, 2)), [[1.0, -1.0]]]),
            ]
        )
        a = sparse.hstack([a, extra]).tocsc()
        c = np.r_[c, np.full(n + 2, _BIG)]
        upper = np.r_[upper, np.ones(n), [highspy.kHighsInf] * 2]
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = a.shape[1], n + 1
    lp.col_cost_ = np.asarray(c, dtype=float)
    lp.col_lower_ = np.zeros(a.shape[1])
    lp.col_upper_ = upper
    lp.row_lower_ = lp.row_upper_ = np.r_[np.ones(n), float(k)]
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = a.indptr
    lp.a_matrix_.index_ = a.indices
    lp.a_matrix_.value_ = a.data
    if integer:
        lp.integrality_ = [highspy.HighsVarType.kInteger] * a.shape[1]
    h = _highs()
    h.setOptionValue("output_flag", False)
    h.passModel(lp)
    return h


_greeting = threading.Lock()
_greeted = False


def _highs() -> highspy.Highs:
    """A HiGHS instance; the first one of a process prints a banner on standard output, which
    would corrupt `--json`, so it is sent to standard error instead."""
    global _greeted
    with _greeting:
        if _greeted:
            return highspy.Highs()
        sys.stdout.flush()
        saved = os.dup(1)
        try:
            os.dup2(2, 1)
            h = highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        _greeted = True
        return h
