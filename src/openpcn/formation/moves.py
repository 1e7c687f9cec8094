"""The least-change solver: a label model in which each network is one of today's PCNs.

x[i,l] says practice i is in the network named after today's PCN l (labels past today's
count are new networks). A practice moves when x[i, today's l] is 0, so the number of moves is
a plain sum and its proof comes quickly: this is the model for `--mode least-change`'s first
second phase (moved practices, then patients moved), after the centre model has found the
least number of patients outside the band.
Contiguity is exact, as in the centre model: every practice is its network's root or has a
parent neighbour in the same network with a smaller order number.
"""

from __future__ import annotations

import math
import threading
import time

import numpy as np
from ortools.sat.python import cp_model

from openpcn.formation.exact import PhaseResult, bfs_tree, new_solver, run_phase
from openpcn.formation.problem import NO_NETWORK, Instance, Params


class LabelModel:
    """CP-SAT model over labels: today's networks first, then new ones, K in use."""

    def __init__(self, inst: Instance, params: Params, k: int) -> None:
        self.inst, self.params, self.k = inst, params, k
        n = inst.n
        self.count = max(len(inst.networks), k)  # labels available
        m = self.m = cp_model.CpModel()
        self.p = np.rint(inst.patients).astype(int)
        self.nbrs = inst.neighbours()
        L = range(self.count)
        self.x = {(i, lab): m.new_bool_var(f"x{i}_{lab}") for i in range(n) for lab in L}
        self.used = [m.new_bool_var(f"u{lab}") for lab in L]
        self.root = {(i, lab): m.new_bool_var(f"r{i}_{lab}") for i in range(n) for lab in L}
        for i in range(n):
            m.add_exactly_one(self.x[i, lab] for lab in L)
        for lab in L:
            for i in range(n):
                m.add_implication(self.x[i, lab], self.used[lab])
                m.add_implication(self.root[i, lab], self.x[i, lab])
            m.add(sum(self.root[i, lab] for i in range(n)) == self.used[lab])
        m.add(sum(self.used) == k)
        # new labels are interchangeable: use them in order
        for lab in range(len(inst.networks), self.count - 1):
            m.add_implication(self.used[lab + 1], self.used[lab])
        self._contiguity()
        self._band()
        self._limits()
        self.stays = {
            i: self.x[i, int(inst.current[i])] for i in range(n) if inst.current[i] != NO_NETWORK
        }

    def _contiguity(self) -> None:
        n, m = self.inst.n, self.m
        self.parent = {}
        self.order = [m.new_int_var(0, n - 1, f"o{i}") for i in range(n)]
        for i in range(n):
            arcs = []
            for k in self.nbrs[i]:
                q = m.new_bool_var(f"q{i}_{k}")
                self.parent[i, k] = q
                arcs.append(q)
                m.add(self.order[i] >= self.order[k] + 1).only_enforce_if(q)
                for lab in range(self.count):
                    m.add_bool_or([q.Not(), self.x[i, lab].Not(), self.x[k, lab]])
            m.add(sum(arcs) + sum(self.root[i, lab] for lab in range(self.count)) == 1)

    def _band(self) -> None:
        lo, hi = math.ceil(self.params.band.min), math.floor(self.params.band.max)
        total = int(self.p.sum())
        parts = []
        for lab in range(self.count):
            load = sum(int(self.p[i]) * self.x[i, lab] for i in range(self.inst.n))
            u = self.m.new_int_var(0, max(lo, 0), f"under{lab}")
            o = self.m.new_int_var(0, total, f"over{lab}")
            self.m.add(load + u >= lo * self.used[lab])
            self.m.add(load - o <= hi)
            parts += [u, o]
        self.violation = sum(parts)

    def _limits(self) -> None:
        inst, m, x = self.inst, self.m, self.x
        labels = range(self.count)
        for group in self.params.keep_together:
            idx = [inst.index(c) for c in group]
            for b in idx[1:]:
                for lab in labels:
                    m.add(x[idx[0], lab] == x[b, lab])
        for group in self.params.keep_apart:
            idx = [inst.index(c) for c in group]
            for lab in labels:
                m.add_at_most_one(x[i, lab] for i in idx)
        for code, pcn in self.params.fix:
            m.add(x[inst.index(code), inst.network_index(pcn)] == 1)
        if self.params.within:
            kinds = sorted({g for g in inst.groups if g is not None})
            for lab in labels:
                a = {g: m.new_bool_var(f"g{lab}_{g}") for g in kinds}
                m.add_at_most_one(a.values())
                for i in range(inst.n):
                    m.add_implication(x[i, lab], a[inst.groups[i]])

    def hint(self, labels: np.ndarray) -> None:
        """Warm start: a labelling whose label k is today's network k where k < today's count."""
        self.m.clear_hints()
        for (i, lab), v in self.x.items():
            self.m.add_hint(v, int(labels[i] == lab))
        for lab, v in enumerate(self.used):
            self.m.add_hint(v, int((labels == lab).any()))
        roots = {}
        for lab in np.unique(labels):
            members = np.flatnonzero(labels == lab)
            roots[int(lab)] = int(members[np.argmax(self.p[members])])
        for (i, lab), v in self.root.items():
            self.m.add_hint(v, int(roots.get(lab) == i))
        tree = bfs_tree(labels, roots, self.nbrs)
        for (i, k), q in self.parent.items():
            self.m.add_hint(q, int(tree[i][1] == k))
        for i, o in enumerate(self.order):
            self.m.add_hint(o, tree[i][0])

    def read(self, solver: cp_model.CpSolver) -> np.ndarray:
        labels = np.full(self.inst.n, NO_NETWORK)
        for (i, lab), v in self.x.items():
            if solver.boolean_value(v):
                labels[i] = lab
        return labels


#: CP-SAT workers for the moves count. On a count of moved practices (a sum of 0/1 terms) its
#: core-based workers raise the lower bound fast, and they only run in a wide portfolio: on
#: Dorset (2 cores) 8 workers proved 12 moves in 78 s where 2 workers stopped at a bound of 8.
MOVE_WORKERS = 8


def least_moves(
    inst: Instance,
    params: Params,
    k: int,
    start: np.ndarray,
    band_value: float | None,
    deadline: float,
    cancel: threading.Event | None = None,
) -> tuple[np.ndarray | None, list[PhaseResult]]:
    """Least-change's moves: first the number of moved practices, then the patients they
    carry, keeping patients outside the band at `band_value`.

    `start` is labelled by today's networks (label l < today's count is today's PCN l), so
    the hint is a configuration already meeting the band phase's optimum."""
    model = LabelModel(inst, params, k)
    if band_value is not None:
        model.m.add(model.violation <= round(band_value))
    count = sum(1 - s for s in model.stays.values())
    patients = sum(int(model.p[i]) * (1 - s) for i, s in model.stays.items())
    labels: np.ndarray | None = start if start.max() < model.count else None
    phases: list[PhaseResult] = []
    steps = (("moves", count, 0.8), ("patients moved", patients, 1.0))
    for number, (name, objective, share) in enumerate(steps):
        solver = new_solver(max(params.workers, MOVE_WORKERS if number == 0 else 1))
        if labels is not None:
            model.hint(labels)
        model.m.minimize(objective)
        until = time.monotonic() + share * (deadline - time.monotonic())
        done = run_phase(solver, model.m, name, until, 1 + number, 4, cancel)
        phases.append(done)
        if done.status == "infeasible":
            return None, phases
        if done.value is None:
            break
        labels = model.read(solver)
        model.m.add(objective <= round(done.value))
        if done.status == "cancelled":
            break
    return labels, phases
