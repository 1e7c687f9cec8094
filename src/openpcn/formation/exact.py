"""The exact solver: a p-median districting model on OR-Tools CP-SAT, solved in phases.

Model (Hess et al. 1965, with a parent-tree contiguity formulation):
- x[i,j]: practice i belongs to the network whose centre is practice j; x[j,j] says j is a
  centre. Every practice in one network; exactly K centres. Networks are named by their
  centres, so no two labellings of one plan compete (no label symmetry).
- Contiguity (exact, not an approximation): every practice that is not a centre picks one
  neighbour on the graph as its parent, in the same network, with a smaller order number.
  Following parents always reaches the centre, so every network is connected on the graph.
- Band, soft: under[j] and over[j] measure how far a network is outside [min, max].
- Hard limits: --within (practice i may only join a centre of its own group), keep-together,
  keep-apart, and fixed practices (a centre carries at most one current PCN's name, m[j,lab]).
- Moves (least-change): stay[i] may be 1 only when i's centre carries i's current PCN's name.

Phases, each proved or stopped by the time limit, each keeping the previous optimum:
1. patients outside the band; 2. (least-change) moved practices, then patients moved;
3. compactness: the patient-weighted distance from each practice to its network's centre.

In fresh mode without --fix, `solve` first tries the set-partitioning proof
(formation/partition.py), which closes Dorset's compactness gap where this model cannot.
"""

from __future__ import annotations

import contextvars
import math
import threading
import time
from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

from openpcn.formation.metrics import names_by_overlap
from openpcn.formation.problem import NO_NETWORK, Instance, Params
from openpcn.progress import report

DISTANCE_UNIT = 10.0  # metres per unit of the compactness objective (keeps the sums in int64)
# Below this the set-partitioning proof has no time to list, bound, plan and prove (Dorset
# lists and bounds in about 10 s); the centre model answers quicker.
PARTITION_MIN_SECONDS = 15.0


@dataclass
class PhaseResult:
    name: str
    status: str  # optimal | feasible | infeasible | unknown | cancelled
    value: float | None
    bound: float | None
    seconds: float


@dataclass
class ExactResult:
    """The best labelling found (network index per practice, -1 if none) and its proof."""

    labels: np.ndarray | None
    centres: list[int]
    phases: list[PhaseResult] = field(default_factory=list)
    status: str = "unknown"  # optimal | feasible | infeasible | unknown | cancelled
    names: dict[int, int] = field(default_factory=dict)  # centre -> current network index
    candidates_pruned: bool = False
    method: str = "centre model"  # or "set partitioning" (formation/partition.py)


class _Model:
    def __init__(self, inst: Instance, params: Params, k: int, radius_km: float | None) -> None:
        self.inst, self.params = inst, params
        n = inst.n
        self.m = cp_model.CpModel()
        self.dist = inst.distances()
        self.p = np.rint(inst.patients).astype(int)
        self.nbrs = inst.neighbours()
        groups = inst.groups
        self.cand: list[list[int]] = []
        for i in range(n):
            js = [
                j
                for j in range(n)
                if (groups[i] is None or groups[i] == groups[j])
                and (radius_km is None or i == j or self.dist[i, j] <= radius_km * 1000)
            ]
            self.cand.append(js)
        self.x: dict[tuple[int, int], cp_model.IntVar] = {}
        for i in range(n):
            for j in self.cand[i]:
                self.x[i, j] = self.m.new_bool_var(f"x{i}_{j}")
        self.y = [self.x[j, j] for j in range(n)]
        members_of: dict[int, list[int]] = {j: [] for j in range(n)}
        for i, j in self.x:
            members_of[j].append(i)
        self.members_of = members_of
        for i in range(n):
            self.m.add_exactly_one(self.x[i, j] for j in self.cand[i])
            for j in self.cand[i]:
                if j != i:
                    self.m.add_implication(self.x[i, j], self.y[j])
        self.m.add(sum(self.y) == k)
        self._contiguity()
        self._band()
        self._constraints()
        self.stay: dict[int, cp_model.IntVar] = {}
        if params.mode == "least-change" or params.fix:
            self._labels()

    def _contiguity(self) -> None:
        n, x = self.inst.n, self.x
        self.parent: dict[tuple[int, int], cp_model.IntVar] = {}
        self.order = [self.m.new_int_var(0, n - 1, f"o{i}") for i in range(n)]
        for i in range(n):
            arcs = []
            for k in self.nbrs[i]:
                q = self.m.new_bool_var(f"q{i}_{k}")
                self.parent[i, k] = q
                arcs.append(q)
                self.m.add(self.order[i] >= self.order[k] + 1).only_enforce_if(q)
                for j in self.cand[i]:
                    if (k, j) in x:
                        self.m.add_bool_or([q.Not(), x[i, j].Not(), x[k, j]])
                    else:
                        self.m.add_bool_or([q.Not(), x[i, j].Not()])
            # a centre has no parent; every other practice exactly one
            self.m.add(sum(arcs) + self.y[i] == 1)
            # valid strengthening: a non-centre member has a neighbour in its network
            for j in self.cand[i]:
                if j != i:
                    near = [x[k, j] for k in self.nbrs[i] if (k, j) in x]
                    self.m.add(sum(near) >= x[i, j]) if near else self.m.add(x[i, j] == 0)

    def _band(self) -> None:
        lo, hi = self.params.band.min, self.params.band.max
        total = int(self.p.sum())
        self.under, self.over = [], []
        for j in range(self.inst.n):
            load = sum(int(self.p[i]) * self.x[i, j] for i in self.members_of[j])
            u = self.m.new_int_var(0, max(math.ceil(lo), 0), f"u{j}")
            o = self.m.new_int_var(0, total, f"v{j}")
            self.m.add(load + u >= math.ceil(lo) * self.y[j])
            self.m.add(load - o <= math.floor(hi) * self.y[j] + 0)
            self.under.append(u)
            self.over.append(o)
        self.violation = sum(self.under) + sum(self.over)

    def _constraints(self) -> None:
        inst, x = self.inst, self.x
        for group in self.params.keep_together:
            idx = [inst.index(c) for c in group]
            a = idx[0]
            for b in idx[1:]:
                for j in set(self.cand[a]) | set(self.cand[b]):
                    xa = x.get((a, j))
                    xb = x.get((b, j))
                    if xa is None and xb is not None:
                        self.m.add(xb == 0)
                    elif xb is None and xa is not None:
                        self.m.add(xa == 0)
                    elif xa is not None and xb is not None:
                        self.m.add(xa == xb)
        for group in self.params.keep_apart:
            idx = [inst.index(c) for c in group]
            for j in range(inst.n):
                here = [x[i, j] for i in idx if (i, j) in x]
                if len(here) > 1:
                    self.m.add_at_most_one(here)

    def _labels(self) -> None:
        """m[j,lab]: centre j's network carries current PCN lab's name (each name at most once)."""
        inst, x = self.inst, self.x
        count = len(inst.networks)
        self.name = {
            (j, lab): self.m.new_bool_var(f"m{j}_{lab}")
            for j in range(inst.n)
            for lab in range(count)
        }
        for j in range(inst.n):
            self.m.add(sum(self.name[j, lab] for lab in range(count)) <= self.y[j])
        for lab in range(count):
            self.m.add_at_most_one(self.name[j, lab] for j in range(inst.n))
        for code, pcn in self.params.fix:
            i, lab = inst.index(code), inst.network_index(pcn)
            for j in self.cand[i]:
                self.m.add_implication(x[i, j], self.name[j, lab])
        if self.params.mode != "least-change":
            return
        for i in range(inst.n):
            c = int(inst.current[i])
            if c == NO_NETWORK:
                continue
            s = self.m.new_bool_var(f"s{i}")
            self.stay[i] = s
            for j in self.cand[i]:
                self.m.add_bool_or([s.Not(), x[i, j].Not(), self.name[j, c]])

    # objectives -----------------------------------------------------------------------------
    def moved_count(self):
        return sum(1 - s for s in self.stay.values())

    def moved_patients(self):
        return sum(int(self.p[i]) * (1 - s) for i, s in self.stay.items())

    def compactness_objective(self):
        return sum(
            int(self.p[i]) * round(self.dist[i, j] / DISTANCE_UNIT) * v
            for (i, j), v in self.x.items()
            if self.p[i] and i != j
        )

    def hint(self, labels: np.ndarray, names: dict[int, int] | None = None) -> None:
        """Warm start from a labelling: centres by least weighted distance, a BFS parent tree;
        `names` (label -> today's network) also hints which centre carries which name."""
        centres = {}
        for k in np.unique(labels):
            members = list(np.flatnonzero(labels == k))
            cost = self.p[members] @ self.dist[np.ix_(members, members)]
            centres[int(k)] = members[int(np.argmin(cost))]
        self.m.clear_hints()
        for (i, j), v in self.x.items():
            self.m.add_hint(v, int(centres[int(labels[i])] == j))
        depth = bfs_tree(labels, centres, self.nbrs)
        for (i, k), q in self.parent.items():
            self.m.add_hint(q, int(depth[i][1] == k))
        for i, o in enumerate(self.order):
            self.m.add_hint(o, depth[i][0])
        if names is not None and hasattr(self, "name"):
            carried = {centres[k]: lab for k, lab in names.items() if k in centres}
            for (j, lab), v in self.name.items():
                self.m.add_hint(v, int(carried.get(j) == lab))
            for i, s in self.stay.items():
                self.m.add_hint(s, int(names.get(int(labels[i])) == int(self.inst.current[i])))


def bfs_tree(labels: np.ndarray, centres: dict[int, int], nbrs: list[list[int]]):
    """(depth, parent) per practice: a breadth-first tree of each network from its centre."""
    out: list[tuple[int, int]] = [(0, -1)] * len(labels)
    for k, c in centres.items():
        seen = {c}
        frontier = [c]
        depth = 0
        while frontier:
            depth += 1
            nxt = []
            for u in frontier:
                for v in nbrs[u]:
                    if labels[v] == k and v not in seen:
                        seen.add(v)
                        out[v] = (depth, u)
                        nxt.append(v)
            frontier = nxt
    return out


def solve(
    inst: Instance,
    params: Params,
    k: int,
    start: np.ndarray | None,
    *,
    radius_km: float | None = None,
    cancel: threading.Event | None = None,
    partition: bool = True,
) -> ExactResult:
    """Solve the phases within params.time_limit seconds in all: by set partitioning where
    it applies (fresh mode, no --fix; `partition=False` skips it), else the centre model."""
    deadline = time.monotonic() + params.time_limit
    if (
        partition
        and params.mode == "fresh"
        and not params.fix
        and radius_km is None
        and params.time_limit >= PARTITION_MIN_SECONDS
    ):
        listed = _by_partition(inst, params, k, start, deadline, cancel)
        if listed is not None:
            return listed
    result = ExactResult(None, [], candidates_pruned=radius_km is not None)
    model = _Model(inst, params, k, radius_km)
    solver = new_solver(params.workers)
    solver.parameters.linearization_level = 2
    least = params.mode == "least-change"
    count = 4 if least else 2
    labels, names = start, None

    def phase(number: int, name: str, objective: object) -> bool:
        """Run one phase of the centre model; False when the model is infeasible."""
        nonlocal labels
        if deadline - time.monotonic() <= 0.05 or (cancel is not None and cancel.is_set()):
            result.phases.append(PhaseResult(name, _stopped(cancel), None, None, 0.0))
            return True
        if labels is not None:
            model.hint(labels, names)
        model.m.minimize(objective)
        done = run_phase(solver, model.m, name, deadline, number, count, cancel)
        result.phases.append(done)
        if done.status == "infeasible":
            return False
        if done.value is None:
            return True
        labels, result.centres = _read(solver, model)
        result.labels = labels
        if hasattr(model, "name"):
            result.names = {j: lab for (j, lab), v in model.name.items() if solver.boolean_value(v)}
        model.m.add(objective <= round(done.value))  # type: ignore[operator]
        return True

    if not phase(0, "band", model.violation):
        result.status = "infeasible"
        return result
    if least:
        from openpcn.formation.moves import least_moves

        band = result.phases[-1].value
        start_named = _named_by_today(inst, labels, result) if labels is not None else start
        share = time.monotonic() + 0.75 * (deadline - time.monotonic())
        found, done = least_moves(inst, params, k, start_named, band, share, cancel)
        result.phases.extend(done)
        if any(ph.status == "infeasible" for ph in done):
            result.status = "infeasible"
            return result
        value = {ph.name: ph.value for ph in done}
        if found is not None and value.get("moves") is not None:
            model.m.add(model.moved_count() <= round(value["moves"]))
            if value.get("patients moved") is not None:
                model.m.add(model.moved_patients() <= round(value["patients moved"]))
            labels = found
            names = {lab: lab for lab in np.unique(found).tolist() if lab < len(inst.networks)}
            result.labels, result.centres = _centred(inst, found, model)
            result.names = {
                result.centres[k]: lab
                for k, lab in enumerate(sorted(set(found.tolist())))
                if lab < len(inst.networks)
            }
    if not phase(count - 1, "compactness", model.compactness_objective()):
        result.status = "infeasible"
        return result
    states = [ph.status for ph in result.phases]
    if result.labels is None:
        result.status = "cancelled" if "cancelled" in states else "unknown"
    elif all(s == "optimal" for s in states):
        result.status = "optimal"
    elif "cancelled" in states:
        result.status = "cancelled"
    else:
        result.status = "feasible"
    return result


def _by_partition(
    inst: Instance,
    params: Params,
    k: int,
    start: np.ndarray | None,
    deadline: float,
    cancel: threading.Event | None,
) -> ExactResult | None:
    """Fresh mode's proof by set partitioning (formation/partition.py), when it applies: a
    plan of in-band networks proves the band phase (nothing can be less than 0 outside)."""
    from openpcn.formation import partition

    began = time.monotonic()
    if start is not None and not len(partition.start_sets(inst, params, start)):
        start = _in_band_start(inst, params, k, start, deadline, cancel)
    found = partition.solve(inst, params, k, start, deadline, DISTANCE_UNIT, cancel)
    if found is not None and found.labels is None and found.status == "cancelled":
        stopped = ExactResult(None, [], method="set partitioning", status="cancelled")
        stopped.phases = [PhaseResult("compactness", "cancelled", None, None, 0.0)]
        return stopped  # the caller keeps the heuristic's plan, the best found so far
    if found is None or found.labels is None:
        return None
    result = ExactResult(found.labels, found.centres, method="set partitioning")
    took = time.monotonic() - began
    result.phases = [
        PhaseResult("band", "optimal", 0.0, 0.0, 0.0),
        PhaseResult("compactness", found.status, found.value, found.bound, took),
    ]
    result.status = found.status
    return result


def _in_band_start(
    inst: Instance,
    params: Params,
    k: int,
    start: np.ndarray,
    deadline: float,
    cancel: threading.Event | None,
) -> np.ndarray:
    """The heuristic's plan when a network is outside the band: the centre model's band phase
    for a few seconds finds one inside it (Dorset: 2 s), so the partition starts from a plan."""
    model = _Model(inst, params, k, None)
    solver = new_solver(params.workers)
    model.hint(start)
    model.m.minimize(model.violation)
    until = min(deadline, time.monotonic() + 0.15 * (deadline - time.monotonic()))
    done = run_phase(solver, model.m, "band", until, 0, 2, cancel)
    if done.value != 0:
        return start
    return _read(solver, model)[0]


def new_solver(workers: int) -> cp_model.CpSolver:
    """A CP-SAT solver as every phase uses one: a fixed seed, Ctrl-C left to the surface."""
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = max(1, workers)
    solver.parameters.random_seed = 0
    solver.parameters.catch_sigint_signal = False  # the surface decides what Ctrl-C does
    return solver


def run_phase(
    solver: cp_model.CpSolver,
    model: cp_model.CpModel,
    name: str,
    until: float,
    number: int,
    count: int,
    cancel: threading.Event | None,
) -> PhaseResult:
    """Solve `model` (its objective set) until `until`; the outcome, value and bound."""
    solver.parameters.max_time_in_seconds = max(until - time.monotonic(), 0.05)
    report(f"Solving: {name}", number, count)
    began = time.monotonic()
    status = run_watched(solver, model, cancel, until, number, count, name)
    took = time.monotonic() - began
    if status == cp_model.INFEASIBLE:
        return PhaseResult(name, "infeasible", None, None, took)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return PhaseResult(name, _stopped(cancel), None, None, took)
    state = "optimal" if status == cp_model.OPTIMAL else "feasible"
    if cancel is not None and cancel.is_set():
        state = "cancelled"
    value, bound = float(solver.objective_value), float(solver.best_objective_bound)
    return PhaseResult(name, state, value, bound, took)


def run_watched(
    solver: cp_model.CpSolver,
    model: cp_model.CpModel,
    cancel: threading.Event | None,
    deadline: float,
    number: int,
    count: int,
    name: str,
) -> int:
    """Solve on this thread while a watcher reports the time used and honours cancel."""
    done = threading.Event()
    began = time.monotonic()
    span = max(deadline - began, 1e-3)

    def watch() -> None:
        while not done.wait(0.25):
            if cancel is not None and cancel.is_set():
                solver.stop_search()
                return
            used = min((time.monotonic() - began) / span, 1.0)
            report(
                f"Solving: {name} ({time.monotonic() - began:.0f} s)",
                number * 100 + int(used * 99),
                count * 100,
            )

    thread = threading.Thread(target=contextvars.copy_context().run, args=(watch,), daemon=True)
    thread.start()
    try:
        return solver.solve(model)
    finally:
        done.set()
        thread.join()


def _stopped(cancel: threading.Event | None) -> str:
    return "cancelled" if cancel is not None and cancel.is_set() else "unknown"


def _named_by_today(inst: Instance, labels: np.ndarray, result: ExactResult) -> np.ndarray:
    """Relabel a centre-model answer so each network carrying today's PCN l has label l
    (by most practices kept, then patients), the others new labels after today's."""
    names = names_by_overlap(inst, labels)
    today = len(inst.networks)
    extra = iter(range(today, today + len(names)))
    out = {k: (name if name != NO_NETWORK else next(extra)) for k, name in enumerate(names)}
    return np.array([out[int(k)] for k in labels])


def _centred(inst: Instance, labels: np.ndarray, model: _Model) -> tuple[np.ndarray, list[int]]:
    """A labelling renumbered 0..K-1 in label order, with each network's best centre."""
    order = sorted(set(labels.tolist()))
    number = {lab: k for k, lab in enumerate(order)}
    centres = []
    for lab in order:
        members = list(np.flatnonzero(labels == lab))
        cost = model.p[members] @ model.dist[np.ix_(members, members)]
        centres.append(members[int(np.argmin(cost))])
    return np.array([number[lab] for lab in labels]), centres


def _read(solver: cp_model.CpSolver, model: _Model) -> tuple[np.ndarray, list[int]]:
    n = model.inst.n
    centres = [j for j in range(n) if solver.boolean_value(model.y[j])]
    number = {j: k for k, j in enumerate(centres)}
    labels = np.full(n, NO_NETWORK)
    for (i, j), v in model.x.items():
        if solver.boolean_value(v):
            labels[i] = number[j]
    return labels, centres
