"""A fast heuristic: repair today's networks, then move practices one at a time while it helps.

Used on its own for large ICSs and to warm-start the exact solver. It starts from the current
configuration (practices in no network join their smallest neighbouring network; a network in
pieces keeps its largest piece and its other pieces join neighbours), merges the smallest
networks or splits the largest until there are K, then makes single-practice moves between
neighbouring networks that lower, in order: patients outside the band, moved practices
(least-change only), and the patient-weighted distance to each network's centre practice
(the exact solver's objective). A move never leaves a network empty or in pieces. It proves
nothing; the exact solver does.
"""

from __future__ import annotations

import time
from collections import deque

import numpy as np

from openpcn.formation.problem import NO_NETWORK, Instance
from openpcn.orgs.band import SizeBand


def components(members: list[int] | set[int], nbrs: list[list[int]]) -> list[list[int]]:
    """Connected pieces of a set of practices on the graph, largest first."""
    left = set(members)
    parts = []
    while left:
        start = min(left)
        seen = {start}
        queue = deque([start])
        while queue:
            u = queue.popleft()
            for v in nbrs[u]:
                if v in left and v not in seen:
                    seen.add(v)
                    queue.append(v)
        left -= seen
        parts.append(sorted(seen))
    return sorted(parts, key=lambda p: (-len(p), p))


def violation(load: float, band: SizeBand) -> float:
    """How many patients a network is outside the band by (0 inside)."""
    return max(band.min - load, 0.0) + max(load - band.max, 0.0)


def start_from_current(instance: Instance, k: int) -> np.ndarray:
    """Today's networks made whole, contiguous and K in number (labels 0..K-1)."""
    nbrs = instance.neighbours()
    p = instance.patients
    labels = instance.current.copy()
    if (labels == NO_NETWORK).all():
        labels[:] = 0
    _fill_unassigned(labels, nbrs, p)
    labels = _make_contiguous(labels, nbrs, p)
    labels = _relabel(labels)
    while labels.max() + 1 > k:
        labels = _merge_smallest(labels, nbrs, p)
    while labels.max() + 1 < k:
        labels = _split_largest(labels, nbrs, p, instance.distances())
    return labels


def _loads(labels: np.ndarray, p: np.ndarray) -> dict[int, float]:
    return {int(k): float(p[labels == k].sum()) for k in np.unique(labels) if k >= 0}


def _fill_unassigned(labels: np.ndarray, nbrs: list[list[int]], p: np.ndarray) -> None:
    """Each practice in no network joins its smallest neighbouring network, in turn."""
    while (labels == NO_NETWORK).any():
        loads = _loads(labels, p)
        progress = False
        for i in np.flatnonzero(labels == NO_NETWORK):
            near = {int(labels[j]) for j in nbrs[i] if labels[j] != NO_NETWORK}
            if near:
                labels[i] = min(near, key=lambda k: (loads[k], k))
                loads[int(labels[i])] += p[i]
                progress = True
        if not progress:  # an island with nobody placed: a network of its own
            i = int(np.flatnonzero(labels == NO_NETWORK)[0])
            labels[i] = labels.max() + 1


def _make_contiguous(labels: np.ndarray, nbrs: list[list[int]], p: np.ndarray) -> np.ndarray:
    """A network in pieces keeps its most populous piece; the rest join a neighbour."""
    labels = labels.copy()
    for _ in range(len(labels)):
        changed = False
        for k in np.unique(labels):
            parts = components(list(np.flatnonzero(labels == k)), nbrs)
            if len(parts) < 2:
                continue
            parts.sort(key=lambda part: -p[part].sum())
            for part in parts[1:]:
                near = {int(labels[j]) for i in part for j in nbrs[i]} - {int(k)}
                if near:
                    loads = _loads(labels, p)
                    labels[part] = min(near, key=lambda m: (loads[m], m))
                else:  # nothing else touches it: a network of its own
                    labels[part] = labels.max() + 1
                changed = True
        if not changed:
            break
    return labels


def _relabel(labels: np.ndarray) -> np.ndarray:
    """Labels 0..K-1 keeping their order, so label k stays today's k-th network where it can."""
    _, inverse = np.unique(labels, return_inverse=True)
    return inverse.astype(int)


def _merge_smallest(labels: np.ndarray, nbrs: list[list[int]], p: np.ndarray) -> np.ndarray:
    loads = _loads(labels, p)
    for small in sorted(loads, key=lambda k: (loads[k], k)):
        members = np.flatnonzero(labels == small)
        near = {int(labels[j]) for i in members for j in nbrs[i]} - {small}
        if near:
            target = min(near, key=lambda k: (loads[k], k))
            labels = labels.copy()
            labels[members] = target
            return _relabel(labels)
    raise ValueError("no two networks touch: cannot merge")  # islands only; K >= pieces


def _split_largest(
    labels: np.ndarray, nbrs: list[list[int]], p: np.ndarray, dist: np.ndarray
) -> np.ndarray:
    loads = _loads(labels, p)
    for big in sorted(loads, key=lambda k: (-loads[k], k)):
        members = list(np.flatnonzero(labels == big))
        if len(members) < 2:
            continue
        sub = dist[np.ix_(members, members)]
        a, b = np.unravel_index(int(np.argmax(sub)), sub.shape)
        side = _grow(members, [members[a], members[b]], nbrs, dist)
        labels = labels.copy()
        labels[[m for m, s in zip(members, side, strict=True) if s == 1]] = labels.max() + 1
        return labels
    raise ValueError("every network is one practice: cannot split")


def _grow(members: list[int], seeds: list[int], nbrs: list[list[int]], dist: np.ndarray):
    """Grow regions from seeds over the graph, nearest seed first: connected by construction."""
    inside = set(members)
    owner = {s: n for n, s in enumerate(seeds)}
    frontier = deque(seeds)
    while frontier:
        u = frontier.popleft()
        for v in sorted(nbrs[u], key=lambda v: dist[v, seeds[owner[u]]]):
            if v in inside and v not in owner:
                owner[v] = owner[u]
                frontier.append(v)
    return [owner.get(m, 0) for m in members]


class Score:
    """The heuristic's view of a labelling: per-network load, violation and centre cost."""

    def __init__(self, instance: Instance, band: SizeBand, least_change: bool) -> None:
        self.p = instance.patients
        self.dist = instance.distances()
        self.band = band
        self.current = instance.current
        self.least_change = least_change
        self.big = float(self.p.sum()) + 1.0

    def centre_cost(self, members: list[int]) -> float:
        """Patient-weighted distance (metres) to the best centre practice of the network."""
        if not members:
            return 0.0
        return float((self.p[members] @ self.dist[np.ix_(members, members)]).min())

    def moved(self, i: int, label: int) -> float:
        if not self.least_change or self.current[i] == NO_NETWORK:
            return 0.0
        return 0.0 if self.current[i] == label else self.big + self.p[i]

    def network(self, members: list[int], label: int) -> tuple[float, float, float]:
        load = float(self.p[members].sum())
        moves = sum(self.moved(i, label) for i in members)
        return violation(load, self.band), moves, self.centre_cost(members)

    def total(self, labels: np.ndarray) -> tuple[float, float, float]:
        parts = [self.network(list(np.flatnonzero(labels == k)), int(k)) for k in np.unique(labels)]
        return tuple(float(sum(x)) for x in zip(*parts, strict=True))  # type: ignore[return-value]


def improve(
    instance: Instance,
    labels: np.ndarray,
    band: SizeBand,
    *,
    least_change: bool = False,
    frozen: set[int] | None = None,
    seconds: float = 5.0,
) -> np.ndarray:
    """Single-practice moves between neighbouring networks while they lower the score."""
    nbrs = instance.neighbours()
    score = Score(instance, band, least_change)
    labels = labels.copy()
    frozen = frozen or set()
    members = {int(k): set(np.flatnonzero(labels == k).tolist()) for k in np.unique(labels)}
    cost = {k: score.network(sorted(m), k) for k, m in members.items()}
    deadline = time.monotonic() + seconds
    improved = True
    while improved and time.monotonic() < deadline:
        improved = False
        for i in range(instance.n):
            if i in frozen:
                continue
            a = int(labels[i])
            if len(members[a]) == 1:
                continue
            targets = sorted({int(labels[j]) for j in nbrs[i]} - {a})
            if not targets:
                continue
            rest = members[a] - {i}
            if len(components(rest, nbrs)) > 1:
                continue
            a_after = score.network(sorted(rest), a)
            best, best_gain = None, (0.0, 0.0, 0.0)
            for b in targets:
                b_after = score.network(sorted(members[b] | {i}), b)
                gain = tuple(cost[a][x] + cost[b][x] - a_after[x] - b_after[x] for x in range(3))
                if _better(gain, best_gain):
                    best, best_gain = (b, b_after), gain
            if best is not None:
                b, b_after = best
                members[a].discard(i)
                members[b].add(i)
                cost[a], cost[b] = a_after, b_after
                labels[i] = b
                improved = True
            if time.monotonic() >= deadline:
                break
    return labels


def _better(gain: tuple[float, ...], than: tuple[float, ...]) -> bool:
    """Lexicographic comparison of gains, ignoring differences under a patient or a metre."""
    for g, t in zip(gain, than, strict=True):
        if g > t + 0.5:
            return True
        if g < t - 0.5:
            return False
    return False


#: how the three scores weigh against distance (patient-metres) when a move is judged by
#: chance: a patient outside the band like 300 km of one patient's travel (tried on Dorset:
#: 1e3-1e4 never leave the first plateau, 1e5-1e6 reach 1,384-2,660 outside from 7,876), a
#: moved practice (itself weighted by all patients + 1) like 10 m of all of them. The best
#: labelling kept is judged strictly in order: band, then moves, then distance.
BAND_WEIGHT, MOVE_WEIGHT = 3e5, 10.0


def anneal(
    instance: Instance,
    labels: np.ndarray,
    band: SizeBand,
    *,
    least_change: bool = False,
    seconds: float = 2.0,
    seed: int = 0,
    frozen: set[int] | None = None,
) -> np.ndarray:
    """Simulated annealing over single-practice moves that keep every network whole.

    Random moves of a boundary practice to a neighbouring network are accepted when they
    lower the weighted score, or by chance when they raise it a little (the chance shrinks as
    the run cools), so the search can pass through a network briefly over the band to reach a
    configuration that single improving moves cannot. Returns the best labelling seen.
    """
    rng = np.random.default_rng(seed)
    nbrs = instance.neighbours()
    score = Score(instance, band, least_change)
    labels = labels.copy()
    members = {int(k): set(np.flatnonzero(labels == k).tolist()) for k in np.unique(labels)}
    cost = {k: score.network(sorted(m), k) for k, m in members.items()}

    def weigh(c: tuple[float, float, float]) -> float:
        return c[0] * BAND_WEIGHT + c[1] * MOVE_WEIGHT + c[2]

    def total() -> tuple[float, ...]:
        return tuple(float(sum(c[x] for c in cost.values())) for x in range(3))

    best, best_value = labels.copy(), total()
    now = best_value
    edges = [(i, j) for i, j in instance.edges] + [(j, i) for i, j in instance.edges]
    if not edges:
        return labels
    began = time.monotonic()
    heat0 = max(float(instance.patients.mean()) * 1000.0, 1.0)  # 1 km of an average list
    tries = 0
    heat = heat0
    while True:
        tries += 1
        if tries % 200 == 0:
            spent = (time.monotonic() - began) / seconds
            if spent >= 1:
                break
            heat = heat0 * max(1 - spent, 1e-3)
        i, j = edges[int(rng.integers(len(edges)))]
        a, b = int(labels[i]), int(labels[j])
        if a == b or len(members[a]) == 1 or (frozen and i in frozen):
            continue
        rest = members[a] - {i}
        if len(components(rest, nbrs)) > 1:
            continue
        a_after = score.network(sorted(rest), a)
        b_after = score.network(sorted(members[b] | {i}), b)
        delta = weigh(a_after) + weigh(b_after) - weigh(cost[a]) - weigh(cost[b])
        if delta <= 0 or rng.random() < np.exp(-delta / heat):
            members[a].discard(i)
            members[b].add(i)
            change = [a_after[x] + b_after[x] - cost[a][x] - cost[b][x] for x in range(3)]
            cost[a], cost[b] = a_after, b_after
            labels[i] = b
            now = tuple(now[x] + change[x] for x in range(3))
            if _better(tuple(best_value[x] - now[x] for x in range(3)), (0.0, 0.0, 0.0)):
                best, best_value = labels.copy(), now
    return best


def heuristic(
    instance: Instance,
    k: int,
    band: SizeBand,
    *,
    least_change: bool = False,
    seconds: float = 5.0,
    fixed: dict[int, int] | None = None,
) -> np.ndarray:
    """A contiguous labelling into K networks, good on the band first: descent, annealing,
    descent again, in a quarter, a half and a quarter of the time. `fixed` (practice -> today's
    network) practices that start in that network stay there."""
    labels = start_from_current(instance, k)
    frozen = {i for i, net in (fixed or {}).items() if labels[i] == net}
    kw = {"least_change": least_change, "frozen": frozen}
    labels = improve(instance, labels, band, seconds=seconds / 4, **kw)
    labels = anneal(instance, labels, band, seconds=seconds / 2, **kw)
    return improve(instance, labels, band, seconds=seconds / 4, **kw)
