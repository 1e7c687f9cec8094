"""Propose networks for one ICS, or describe today's, as one shape: a `Proposal`.

`propose` checks the parameters, chooses the number of networks, runs the heuristic and then
the exact solver (warm-started from it) within the time limit, names each proposed network
after the current PCN it keeps most of, and measures the result as `metrics` does for today.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field, replace

import ibis
import numpy as np

from openpcn.formation import exact, metrics
from openpcn.formation.heuristic import components, heuristic
from openpcn.formation.metrics import names_by_overlap
from openpcn.formation.problem import (
    NO_NETWORK,
    Instance,
    Params,
    breaches,
    checked_params,
    load_instance,
)
from openpcn.orgs.contiguity import to_latlon
from openpcn.progress import part, report

CURRENT = "current"


@dataclass(frozen=True)
class Proposal:
    """A configuration of the ICS's practices into networks, with its measures and its proof."""

    kind: str  # current | proposal
    instance: Instance
    params: Params
    labels: np.ndarray  # network index per practice, NO_NETWORK for none
    names: list[int]  # per network: the current network whose name it carries, or NO_NETWORK
    status: str  # current | optimal | feasible | infeasible | unknown | cancelled
    reason: str = ""
    k_note: str = ""
    bound_km: float | None = None
    seconds: float = 0.0
    phases: list[dict[str, object]] = field(default_factory=list)
    explanation: list[str] = field(default_factory=list)
    polished: bool = False  # improved after the solver: measure the objective, not its value

    # what each network is called -----------------------------------------------------------
    def network_code(self, k: int) -> str:
        name = self.names[k] if 0 <= k < len(self.names) else NO_NETWORK
        return self.instance.networks[name].code if name != NO_NETWORK else f"NEW{k + 1:02d}"

    def network_name(self, k: int) -> str:
        name = self.names[k] if 0 <= k < len(self.names) else NO_NETWORK
        if name != NO_NETWORK:
            return self.instance.networks[name].name
        members = np.flatnonzero(self.labels == k)
        biggest = members[np.argmax(self.instance.patients[members])]
        return f"New network around {self.instance.names[biggest].title()}"

    def name_of_practice(self) -> np.ndarray:
        """Per practice: the current network whose name its network carries."""
        out = np.full(self.instance.n, NO_NETWORK)
        for i, k in enumerate(self.labels):
            if k != NO_NETWORK:
                out[i] = self.names[k]
        return out

    # the answer ----------------------------------------------------------------------------
    def metrics(self) -> dict[str, object]:
        inst, labels = self.instance, self.labels
        total, in_band, outside = metrics.band_counts(inst, labels, self.params.band)
        moved, joined, moved_patients = metrics.moved_and_joined(
            inst, labels, self.name_of_practice()
        )
        objective = self._objective_km()
        bound = self.bound_km
        gap = None
        if bound is not None:  # an objective of 0 (every practice its own centre) is proved
            gap = round(max(objective - bound, 0.0) / objective, 4) if objective > 0 else 0.0
        return {
            "pcns_total": total,
            "pcns_in_band": in_band,
            "patients_outside_band": round(outside),
            "compactness_km": round(metrics.compactness_km(inst, labels), 3),
            "moved": moved,
            "patients_moved": round(moved_patients),
            "moved_bound": self._moved_bound(),
            "joined": joined,
            "contiguous": metrics.contiguous_count(inst, labels),
            "objective": round(objective, 4),
            "objective_meaning": "patient-weighted mean km from each practice to its "
            "network's centre practice (the solver's compactness objective)",
            "bound": None if bound is None else round(bound, 4),
            "optimality_gap": gap,
            "seconds": round(self.seconds, 2),
            "status": self.status,
            "status_reason": self.reason,
        }

    def _objective_km(self) -> float:
        """The solver's own value where it has one (distances to 10 m, patients to whole
        numbers, as its bound is), else the same measure worked out exactly."""
        phase = next((ph for ph in self.phases if ph["name"] == "compactness"), None)
        total = float(np.rint(self.instance.patients).sum())
        if self.polished or phase is None or phase["value"] is None or not total:
            return metrics.centre_km(self.instance, self.labels)
        return float(phase["value"]) * exact.DISTANCE_UNIT / total / 1000  # type: ignore[arg-type]

    def _moved_bound(self) -> int | None:
        """The proved least number of moved practices (least-change), rounded up."""
        phase = next((ph for ph in self.phases if ph["name"] == "moves"), None)
        if phase is None or phase["bound"] is None:
            return None
        return math.ceil(float(phase["bound"]) - 1e-9)  # type: ignore[arg-type]

    def pcns(self) -> list[dict[str, object]]:
        inst, out = self.instance, []
        nbrs = inst.neighbours()
        for k in np.unique(self.labels[self.labels != NO_NETWORK]):
            members = list(np.flatnonzero(self.labels == k))
            patients = float(inst.patients[members].sum())
            lat, lon = to_latlon(*metrics.centroid(inst, members))
            out.append(
                {
                    "code": self.network_code(int(k)),
                    "name": self.network_name(int(k)),
                    "practices": [inst.codes[i] for i in members],
                    "patients": round(patients),
                    "position": self.params.band.position(patients),
                    "centre": {"lat": round(lat, 5), "lon": round(lon, 5)},
                    "contiguous": len(components(members, nbrs)) == 1,
                }
            )
        return sorted(out, key=lambda r: (r["code"].startswith("NEW"), r["name"]))

    def practices(self) -> list[dict[str, object]]:
        """One row per practice: where it is today and in this configuration."""
        inst, rows = self.instance, []
        for i, code in enumerate(inst.codes):
            lat, lon = to_latlon(*inst.xy[i])
            now = int(inst.current[i])
            k = int(self.labels[i])
            rows.append(
                {
                    "practice_code": code,
                    "name": inst.names[i],
                    "patients": round(float(inst.patients[i])),
                    "lat": round(lat, 5),
                    "lon": round(lon, 5),
                    "current_code": inst.networks[now].code if now != NO_NETWORK else None,
                    "current_name": inst.networks[now].name if now != NO_NETWORK else None,
                    "proposed_code": self.network_code(k) if k != NO_NETWORK else None,
                    "proposed_name": self.network_name(k) if k != NO_NETWORK else None,
                }
            )
        return rows

    def moves(self) -> list[dict[str, object]]:
        """Each practice that changes network, in words, with both networks' lists before/after."""
        inst = self.instance
        before = {
            net.code: float(inst.patients[inst.current == c].sum())
            for c, net in enumerate(inst.networks)
        }
        after: dict[str, float] = {}
        for row in self.pcns():
            after[str(row["code"])] = float(row["patients"])  # type: ignore[arg-type]
        out = []
        for row in self.practices():
            was, now = row["current_code"], row["proposed_code"]
            if was == now or now is None:
                continue
            if was is None:
                name = _short(row["proposed_name"])
                text = (
                    f"{row['practice_code']} (in no network today) joins {name}: "
                    f"{name} {after.get(str(now), 0):,.0f}"
                )
            else:
                text = (
                    f"{row['practice_code']} moves from {_short(row['current_name'])} to "
                    f"{_short(row['proposed_name'])}: {_short(row['current_name'])} "
                    f"{before[str(was)]:,.0f} -> {after.get(str(was), 0):,.0f}"
                )
            out.append({**row, "text": text})
        return out

    def as_dict(self) -> dict[str, object]:
        inst = self.instance
        parameters = self.params.as_dict() | {
            "pcns": len(np.unique(self.labels[self.labels != NO_NETWORK])),
            "pcns_note": self.k_note,
        }
        return {
            "kind": self.kind,
            "ics": inst.footprint.as_dict(),
            "date": inst.date.isoformat(),
            "pcns": self.pcns(),
            "metrics": self.metrics(),
            "moves": [{k: v for k, v in m.items() if k in _MOVE_KEYS} for m in self.moves()],
            "explanation": self.explanation,
            "unplaced": inst.unplaced,
            "without_list": inst.without_list,
            "solver": self.phases,
            "parameters": parameters,
        }


_MOVE_KEYS = ("practice_code", "name", "current_code", "proposed_code", "patients", "text")


def _short(name: object) -> str:
    """Network names without the trailing 'PCN' and in title case, for sentences."""
    text = str(name or "")
    if text.upper().endswith(" PCN"):
        text = text[:-4]
    return text.title() if text.isupper() else text


def current(con: ibis.BaseBackend, params: Params) -> Proposal:
    """Today's configuration, measured like a proposal (practices in no network stay so)."""
    instance = load_instance(con, params)
    used = sorted(set(instance.current[instance.current != NO_NETWORK].tolist()))
    return Proposal(CURRENT, instance, params, instance.current.copy(), used, CURRENT)


def networks_to_make(instance: Instance, params: Params) -> tuple[int, str]:
    """How many networks: --pcns, else today's number where the band allows it."""
    total = float(instance.patients.sum())
    if params.pcns is not None:
        return params.pcns, f"{params.pcns} as asked (--pcns)"
    today = max(len(instance.networks), 1)
    fewest = max(math.ceil(total / params.band.max), 1) if params.band.max > 0 else 1
    most = max(math.floor(total / params.band.min), 1) if params.band.min > 0 else instance.n
    most = min(most, instance.n)
    if fewest <= today <= most:
        return today, f"{today}, today's number of networks, fits the band"
    if fewest > most:
        k = min(max(round(total / ((params.band.min + params.band.max) / 2)), 1), instance.n)
        return k, (
            f"no whole number of networks puts {total:,.0f} patients in the band; {k} networks "
            "come closest on average"
        )
    k = min(max(today, fewest), most)
    return k, (
        f"{k}: today's {today} networks cannot all fit the band with {total:,.0f} patients "
        f"(it allows {fewest} to {most})"
    )


def propose(
    con: ibis.BaseBackend,
    params: Params,
    *,
    cancel: threading.Event | None = None,
    exact_solver: bool = True,
) -> Proposal:
    """The best configuration found within the time limit, with its bound where proved."""
    began = time.monotonic()
    report("Reading the ICS's practices")
    instance = load_instance(con, params)
    return propose_for(instance, params, cancel=cancel, exact_solver=exact_solver, began=began)


def propose_for(
    instance: Instance,
    params: Params,
    *,
    cancel: threading.Event | None = None,
    exact_solver: bool = True,
    began: float | None = None,
) -> Proposal:
    """`propose` on an instance already gathered (England reuses this per ICS)."""
    began = time.monotonic() if began is None else began
    checked_params(params, instance)
    k, note = networks_to_make(instance, params)
    least = params.mode == "least-change"
    report("Finding a first configuration (heuristic)")
    start = heuristic(
        instance,
        k,
        params.band,
        least_change=least,
        seconds=min(2.0, params.time_limit / 10, instance.n * 0.02),
        fixed={instance.index(c): instance.network_index(n) for c, n in params.fix},
    )
    labels, names_by_net = start, names_by_overlap(instance, start)
    status, reason, bound, phases = "feasible", "heuristic only (no proof)", None, []
    polished = False
    if exact_solver:
        left = params.time_limit - (time.monotonic() - began)
        solve_params = _with_time(params, max(left, 0.5))
        with part(0, 1):
            result = exact.solve(instance, solve_params, k, start, cancel=cancel)
        phases = [vars(ph) for ph in result.phases]
        if result.status == "infeasible":
            return Proposal(
                "proposal",
                instance,
                params,
                np.full(instance.n, NO_NETWORK),
                [],
                "infeasible",
                reason=_infeasible_reason(instance, params, k),
                k_note=note,
                seconds=time.monotonic() - began,
                phases=phases,
            )
        if result.labels is not None:
            labels = result.labels
            if least or params.fix:  # the solver chose which centre carries which name
                names_by_net = _names_from_solver(instance, result)
            else:
                names_by_net = names_by_overlap(instance, labels)
        status = result.status
        reason = _status_reason(result)
        last = result.phases[-1] if result.phases else None
        if last is not None and last.name == "compactness" and last.bound is not None:
            total = float(np.rint(instance.patients).sum())
            bound = last.bound * exact.DISTANCE_UNIT / total / 1000 if total else 0.0
        if status in ("feasible", "unknown") and result.labels is not None:
            better = _polish(instance, params, labels, names_by_net, least)
            if better is not None:
                labels, names_by_net = better
                polished = True
                reason += "; then improved by single-practice moves that keep the band and moves"
    broken = breaches(instance, params, labels, names_by_net)
    if broken:  # only the heuristic's answer can break a hard limit
        return Proposal(
            "proposal",
            instance,
            params,
            np.full(instance.n, NO_NETWORK),
            [],
            "unknown",
            reason="no configuration keeping every hard limit was found in time (the "
            f"heuristic's first answer breaks {'; '.join(broken)}): allow more time",
            k_note=note,
            seconds=time.monotonic() - began,
            phases=phases,
        )
    proposal = Proposal(
        "proposal",
        instance,
        params,
        labels,
        names_by_net,
        status,
        reason=reason,
        k_note=note,
        bound_km=bound,
        seconds=time.monotonic() - began,
        phases=phases,
        polished=polished,
    )
    return _explained(proposal)


def _polish(
    instance: Instance, params: Params, labels: np.ndarray, names: list[int], least: bool
) -> tuple[np.ndarray, list[int]] | None:
    """Single-practice moves after an unproved solve: never more outside the band, never
    more moves (least-change), less distance; None when nothing improves or a limit breaks."""
    from openpcn.formation.heuristic import improve

    today = len(instance.networks)
    named = np.array(
        [names[k] if names[k] != NO_NETWORK else today + int(k) for k in labels], dtype=int
    )
    fixed = {instance.index(c) for c, _ in params.fix}
    seconds = min(2.0, params.time_limit / 10, instance.n * 0.02)
    moved = improve(instance, named, params.band, least_change=least, frozen=fixed, seconds=seconds)
    if (moved == named).all():
        return None
    order = sorted(set(moved.tolist()))
    number = {lab: k for k, lab in enumerate(order)}
    out = np.array([number[lab] for lab in moved])
    out_names = [lab if lab < today else NO_NETWORK for lab in order]
    if breaches(instance, params, out, out_names):
        return None
    return out, out_names


def _with_time(params: Params, seconds: float) -> Params:
    return replace(params, time_limit=seconds)


def _status_reason(result: exact.ExactResult) -> str:
    words = {
        "optimal": "every phase proved optimal",
        "feasible": "the time limit ended the search before the proof",
        "cancelled": "cancelled: the best configuration found so far",
        "unknown": "no configuration found by the exact solver in time; the heuristic's is shown",
    }
    text = words.get(result.status, result.status)
    if result.method != "centre model":
        text += f" ({result.method} of every joined-up network inside the band)"
    if result.candidates_pruned:
        text += " (networks were limited to practices within a radius of their centre)"
    return text


def _names_from_solver(instance: Instance, result: exact.ExactResult) -> list[int]:
    """The names the solver chose (least-change, --fix); the rest by best overlap."""
    names = [result.names.get(c, NO_NETWORK) for c in result.centres]
    if NO_NETWORK in names:
        free = names_by_overlap(instance, result.labels)  # type: ignore[arg-type]
        taken = set(names)
        for k, name in enumerate(names):
            if name == NO_NETWORK and free[k] not in taken and free[k] != NO_NETWORK:
                names[k] = free[k]
                taken.add(free[k])
    return names


def _infeasible_reason(instance: Instance, params: Params, k: int) -> str:
    reasons = []
    if params.within:
        groups = {g for g in instance.groups if g is not None}
        if len(groups) > k:
            reasons.append(
                f"--within {params.within} needs a network in each of its {len(groups)} groups, "
                f"more than the {k} networks asked for"
            )
    pieces = components(list(range(instance.n)), instance.neighbours())
    if len(pieces) > k:
        reasons.append(f"the practices form {len(pieces)} separate pieces, more than {k}")
    if not reasons:
        reasons.append(
            "the solver proved that no configuration meets every hard limit at once "
            "(--within, --keep-together, --keep-apart, --fix, the number of networks)"
        )
    return "; ".join(reasons)


def _explained(proposal: Proposal) -> Proposal:
    """Why the band cannot be met, when the solver proved it cannot (or found no way)."""
    m = proposal.metrics()
    if not m["patients_outside_band"]:
        return proposal
    inst, band = proposal.instance, proposal.params.band
    total = float(inst.patients.sum())
    k = int(m["pcns_total"])  # type: ignore[arg-type]
    lines = []
    if k * band.min > total:
        lines.append(
            f"{k} networks of at least {band.min:,.0f} need {k * band.min:,.0f} patients; "
            f"the ICS has {total:,.0f}"
        )
    if k * band.max < total:
        lines.append(
            f"{k} networks of at most {band.max:,.0f} hold {k * band.max:,.0f} patients; "
            f"the ICS has {total:,.0f}"
        )
    for i in np.flatnonzero(inst.patients > band.max):
        lines.append(
            f"{inst.codes[i]} alone has {inst.patients[i]:,.0f} patients, above the maximum"
        )
    nbrs = inst.neighbours()
    for piece in components(list(range(inst.n)), nbrs):
        load = float(inst.patients[piece].sum())
        if load < band.min:
            lines.append(
                f"an isolated group of practices ({', '.join(inst.codes[i] for i in piece)}) "
                f"has {load:,.0f} patients, below the minimum, and touches no other practice"
            )
    if proposal.params.within:
        for g in sorted({g for g in inst.groups if g is not None}):
            members = [i for i in range(inst.n) if inst.groups[i] == g]
            load = float(inst.patients[members].sum())
            if math.floor(load / band.min) < math.ceil(load / band.max):
                lines.append(
                    f"{proposal.params.within} {g} has {load:,.0f} patients: no whole number "
                    "of networks inside it fits the band"
                )
    band_phase = next((ph for ph in proposal.phases if ph["name"] == "band"), None)
    if not lines:
        proved = band_phase is not None and band_phase["status"] == "optimal"
        lines.append(
            "the solver proved that no arrangement of "
            f"{k} contiguous networks within the hard limits fits the band"
            if proved
            else "no arrangement in the band was found within the time limit (not proved "
            "impossible: allow more time)"
        )
    return Proposal(**{**proposal.__dict__, "explanation": lines})
