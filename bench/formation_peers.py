"""The peers of the PCN formation benchmark: PySAL spopt's MaxP and a GerryChain ReCom chain.

`bench/formation.py` compares the formation optimiser with these two on Dorset, on the same
practice adjacency graph and patient band; this module only runs the peers on a `PeerInput`
and scores any plan with `metrics`. Both peers come from the `bench` extra (`make bench`
installs requirements-bench.lock); they are imported when first used, so this module imports
without them.

- `maxp`: spopt's `MaxPHeuristic`, threshold = the band's minimum on patients, attributes = the
  practices' coordinates (so regions are compact-ish). MaxP has no maximum and chooses its own
  number of regions.
- `recom`: a ReCom chain (GerryChain) seeded from the current networks, with k fixed by the
  seed; the band is the population constraint, relaxed for an out-of-band seed (see `recom`).
  The best plan seen is returned.

Both peers run on the practice graph made connected: every connected component but the
largest is joined to its nearest practice outside it by one extra edge (the pair of practices
closest in straight-line distance; an island is a component of one). Without this, MaxP
leaves an island unassigned and ReCom can never move it. `metrics` judges contiguity on the
graph as given, so a region held together only by such an edge counts as not contiguous.

Usage: python bench/formation_peers.py   (a self-demo on a grid; prints one JSON line)
"""

from __future__ import annotations

import json
import random
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class PeerInput:
    """One formation problem, as both peers see it.

    `xy` is in metres (British National Grid); `edges` are undirected pairs of practice
    indices (i < j); `current` is each practice's current network label (-1 = none); `band`
    is (min, max) registered patients per network; `k` is the number of networks."""

    codes: list[str]
    patients: list[float]
    xy: np.ndarray
    edges: list[tuple[int, int]]
    current: list[int]
    k: int
    band: tuple[float, float]


Score = Callable[[PeerInput, Sequence[int]], tuple]


# --- Shared helpers ---------------------------------------------------------------------------


def _peer(name: str) -> Any:
    """A peer package (`spopt.region` or `gerrychain`), imported quietly: GeoPandas 0.14 (which
    GerryChain 0.3 needs) imports the deprecated `shapely.geos` and warns about it."""
    import importlib

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*shapely.geos.*", category=DeprecationWarning)
        return importlib.import_module(name)


def _components(n: int, edges: Sequence[tuple[int, int]], nodes=None) -> list[list[int]]:
    """Connected components of the graph (restricted to `nodes` if given), each sorted, in
    order of their smallest node."""
    keep = set(range(n)) if nodes is None else set(nodes)
    adj: dict[int, list[int]] = {i: [] for i in keep}
    for i, j in edges:
        if i in keep and j in keep:
            adj[i].append(j)
            adj[j].append(i)
    seen: set[int] = set()
    out = []
    for start in sorted(keep):
        if start in seen:
            continue
        seen.add(start)
        stack, comp = [start], []
        while stack:
            v = stack.pop()
            comp.append(v)
            for w in adj[v]:
                if w not in seen:
                    seen.add(w)
                    stack.append(w)
        out.append(sorted(comp))
    return out


def connected_edges(inp: PeerInput) -> list[tuple[int, int]]:
    """The input's edges plus the fewest extra ones that make the graph connected: while there
    is more than one component, the smallest (fewest practices, then lowest index) is joined to
    the nearest practice outside it, by the pair of practices at the least straight-line
    distance."""
    n = len(inp.patients)
    xy = np.asarray(inp.xy, dtype=float)
    edges = sorted({(min(i, j), max(i, j)) for i, j in inp.edges if i != j})
    comps = _components(n, edges)
    while len(comps) > 1:
        small = min(comps, key=lambda c: (len(c), c[0]))
        inside = np.array(small)
        outside = np.array(sorted(set(range(n)) - set(small)))
        d = np.linalg.norm(xy[inside][:, None, :] - xy[outside][None, :, :], axis=2)
        a, b = np.unravel_index(int(np.argmin(d)), d.shape)
        i, j = int(inside[a]), int(outside[b])
        edges.append((min(i, j), max(i, j)))
        comps = _components(n, edges)
    return edges


def _outside(pop: float, band: tuple[float, float]) -> float:
    """Patients by which a network of `pop` patients is outside the band (0 inside it)."""
    lo, hi = band
    return max(0.0, lo - pop) + max(0.0, pop - hi)


def metrics(inp: PeerInput, labels: Sequence[int]) -> dict:
    """Figures of a plan (one label per practice; practices labelled -1 belong to no network
    and are left out): pcns_total, pcns_in_band, patients_outside_band (the sum over networks
    of how far each one's patients are outside the band), compactness_km (patient-weighted mean
    distance from each practice to its network's patient-weighted centre, km) and contiguous
    (how many networks are connected on the input's own edges)."""
    labels = [int(v) for v in labels]
    pats = np.asarray(inp.patients, dtype=float)
    xy = np.asarray(inp.xy, dtype=float)
    parts: dict[int, list[int]] = {}
    for i, lab in enumerate(labels):
        if lab >= 0:
            parts.setdefault(lab, []).append(i)
    in_band = contiguous = 0
    outside = 0.0
    weighted = weight = 0.0
    for members in parts.values():
        idx = np.array(members)
        pop = float(pats[idx].sum())
        gap = _outside(pop, inp.band)
        outside += gap
        in_band += gap == 0
        w = pats[idx]
        centre = (xy[idx] * w[:, None]).sum(axis=0) / w.sum() if w.sum() > 0 else xy[idx].mean(0)
        weighted += float((np.linalg.norm(xy[idx] - centre, axis=1) * w).sum())
        weight += float(w.sum())
        contiguous += len(_components(len(labels), inp.edges, members)) == 1
    return {
        "pcns_total": len(parts),
        "pcns_in_band": int(in_band),
        "patients_outside_band": round(outside, 1),
        "compactness_km": round(weighted / weight / 1000, 3) if weight else 0.0,
        "contiguous": int(contiguous),
    }


def default_score(inp: PeerInput, labels: Sequence[int]) -> tuple:
    """The ordering of plans, best first when sorted: most networks in band, then fewest
    patients outside the band, then the smallest compactness_km."""
    m = metrics(inp, labels)
    return (-m["pcns_in_band"], m["patients_outside_band"], m["compactness_km"])


# --- MaxP ------------------------------------------------------------------------------------


def maxp(
    inp: PeerInput, seed: int = 0, *, construction: int = 99, annealing: int = 10
) -> list[int]:
    """spopt's MaxP heuristic: contiguous regions (on the connected graph, see the module's
    docstring) of at least the band's minimum of patients each, as many as it can make, with
    the least within-region spread of the coordinates (cityblock, metres). The maximum of the
    band is not used (MaxP has none). `construction` and `annealing` are spopt's
    max_iterations_construction and max_iterations_sa. Regions are labelled 0, 1, ... in order
    of their first practice. If the practices together fall short of the minimum, there is one
    region. spopt draws from NumPy's global generator, which is seeded with `seed` here."""
    region = _peer("spopt.region")
    gpd = _peer("geopandas")
    libpysal = _peer("libpysal")

    n = len(inp.patients)
    if sum(inp.patients) < inp.band[0]:
        return [0] * n
    xy = np.asarray(inp.xy, dtype=float)
    neighbours: dict[int, list[int]] = {i: [] for i in range(n)}
    for i, j in connected_edges(inp):
        neighbours[i].append(j)
        neighbours[j].append(i)
    w = libpysal.weights.W({i: sorted(v) for i, v in neighbours.items()}, ids=list(range(n)))
    frame = gpd.GeoDataFrame(
        {"x": xy[:, 0], "y": xy[:, 1], "patients": np.asarray(inp.patients, dtype=float)},
        geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]),
        crs="EPSG:27700",
    )
    np.random.seed(seed)
    model = region.MaxPHeuristic(
        frame,
        w,
        ["x", "y"],
        "patients",
        float(inp.band[0]),
        top_n=2,
        max_iterations_construction=construction,
        max_iterations_sa=annealing,
    )
    model.solve()
    relabel: dict[int, int] = {}
    return [relabel.setdefault(int(v), len(relabel)) for v in model.labels_]


# --- ReCom -----------------------------------------------------------------------------------


def seed_plan(inp: PeerInput, edges: Sequence[tuple[int, int]] | None = None) -> list[int]:
    """The chain's first plan: `inp.current`, completed and made contiguous on `edges` (by
    default the connected graph).

    1. A practice in no network (-1) joins the adjacent network with the fewest patients at
       that moment, taking practices in index order and repeating until none is left (one with
       no labelled neighbour waits for a later round).
    2. A network in several pieces keeps its piece with the most patients (ties: the piece with
       the lowest practice index); every other piece moves whole to the adjacent network with
       which it shares the most edges (ties: fewest patients, then lowest label). Repeated
       until every network is connected. No network disappears, so k is unchanged.
    Labels are then renumbered 0..k-1 in order of first practice."""
    n = len(inp.patients)
    edges = connected_edges(inp) if edges is None else list(edges)
    pats = [float(p) for p in inp.patients]
    adj: dict[int, list[int]] = {i: [] for i in range(n)}
    for i, j in edges:
        adj[i].append(j)
        adj[j].append(i)
    labels = [int(v) for v in inp.current]
    if all(v < 0 for v in labels):
        raise ValueError("recom needs a seed: at least one practice with a current network")

    def totals() -> dict[int, float]:
        out: dict[int, float] = {}
        for i, lab in enumerate(labels):
            if lab >= 0:
                out[lab] = out.get(lab, 0.0) + pats[i]
        return out

    while any(v < 0 for v in labels):
        tot = totals()
        for i in range(n):
            if labels[i] >= 0:
                continue
            near = {labels[j] for j in adj[i] if labels[j] >= 0}
            if near:
                labels[i] = min(near, key=lambda lab: (tot[lab], lab))
                tot[labels[i]] += pats[i]

    changed = True
    while changed:
        changed = False
        for lab in sorted(set(labels)):
            members = [i for i, v in enumerate(labels) if v == lab]
            pieces = _components(n, edges, members)
            if len(pieces) == 1:
                continue
            keep = max(pieces, key=lambda p: (sum(pats[i] for i in p), -p[0]))
            tot = totals()
            for piece in pieces:
                if piece is keep:
                    continue
                shared: dict[int, int] = {}
                for i in piece:
                    for j in adj[i]:
                        if labels[j] != lab:
                            shared[labels[j]] = shared.get(labels[j], 0) + 1
                target = min(shared, key=lambda t: (-shared[t], tot[t], t))
                for i in piece:
                    labels[i] = target
                tot[target] += sum(pats[i] for i in piece)
            changed = True
    relabel: dict[int, int] = {}
    return [relabel.setdefault(v, len(relabel)) for v in labels]


def _half_width(total: float, limit: float, band: tuple[float, float]) -> float:
    """The largest h such that splitting `total` patients into total/2 ± h puts no more than
    `limit` patients outside the band (the sum over both parts). The sum is convex and
    symmetric about total/2, so the allowed splits are exactly [total/2 - h, total/2 + h]."""
    mid = total / 2

    def f(a: float) -> float:
        return _outside(a, band) + _outside(total - a, band)

    if f(mid) > limit:
        return -1.0
    lo, hi = 0.0, mid
    for _ in range(60):
        h = (lo + hi) / 2
        lo, hi = (h, hi) if f(mid + h) <= limit else (lo, h)
    return lo


def recom(
    inp: PeerInput,
    steps: int = 2000,
    seed: int = 0,
    score: Score | None = None,
    *,
    node_repeats: int = 2,
    tree_attempts: int = 50,
) -> tuple[list[int], dict]:
    """A GerryChain ReCom chain of `steps` steps from the current networks; returns the best
    plan seen (by `score`, lower is better, default `default_score`: most networks in band,
    then fewest patients outside it, then compactness) and {steps, accepted, seconds,
    best_step}.

    The graph is the connected practice graph (module docstring); the seed is `seed_plan`
    (unassigned practices to the adjacent network with the fewest patients; detached pieces of
    a split network to the adjacent network sharing the most edges with them), so k is the
    number of networks in the seed (`inp.k` is checked against it).

    The population constraint. GerryChain's ReCom splits a merged pair of districts only where
    both halves are within pop_target·(1 ± epsilon), and its chain is meant to start inside
    that constraint. A real seed is not inside the band (in Dorset 2019, 8 of 18 networks), so
    the band cannot be imposed as it is: pairs whose total is below 2·min or above 2·max could
    never be split, and the chain would be stuck. Instead, each step:
      - picks a cut edge at random (the merged pair, as GerryChain's `recom` does), with total
        T and current patients outside the band D (the pair's two gaps summed);
      - splits the pair on a random spanning tree (GerryChain's `bipartition_tree`, uniform
        Kruskal weights) with pop_target = T/2 and epsilon chosen so that exactly the splits
        whose two gaps sum to at most D are allowed (that set is an interval about T/2: the sum
        is convex and symmetric in the split). When both districts are in band (D = 0) every
        allowed split keeps both in band: for such pairs this is plain ReCom with the band as
        its constraint. An out-of-band pair may be split into any pair no further from the
        band in total, not necessarily the best split;
      - if no such split is found on `tree_attempts` trees (each with `node_repeats` roots),
        another pair is tried; if none can be split the chain stays where it is that step.
    A `Validator` then checks that the plan is contiguous and that the total of patients
    outside the band has not increased (guarding the above). So the chain never moves away
    from the band in total, and moves freely among plans as good; it is a ReCom walk
    restricted to a non-increasing out-of-band total, not a sampler of the band's plans, and
    its result depends on the seed. Every draw uses Python's `random`, seeded with `seed`."""
    gerrychain = _peer("gerrychain")
    from gerrychain.constraints import Validator, contiguous
    from gerrychain.tree import ReselectException, bipartition_tree
    from gerrychain.updaters import Tally, cut_edges

    score = default_score if score is None else score
    started = time.perf_counter()
    n = len(inp.patients)
    edges = connected_edges(inp)
    labels = seed_plan(inp, edges)
    if len(set(labels)) != inp.k:
        raise ValueError(f"the seed has {len(set(labels))} networks, not k = {inp.k}")
    graph = gerrychain.Graph()
    for i in range(n):
        graph.add_node(i, population=float(inp.patients[i]))
    graph.add_edges_from(edges)
    band = (float(inp.band[0]), float(inp.band[1]))
    slack = 1e-6 * max(1.0, band[1])

    def total_outside(partition) -> float:
        return sum(_outside(p, band) for p in partition["population"].values())

    def no_further_from_band(partition) -> bool:
        parent = partition.parent
        return parent is None or total_outside(partition) <= total_outside(parent) + slack

    def propose(partition):
        pops = partition["population"]
        tried: set[tuple[int, int]] = set()
        pairs = {
            tuple(sorted((partition.assignment[u], partition.assignment[v])))
            for u, v in partition["cut_edges"]
        }
        cut = sorted(tuple(sorted(e)) for e in partition["cut_edges"])
        while len(tried) < len(pairs):
            u, v = random.choice(cut)
            pair = tuple(sorted((partition.assignment[u], partition.assignment[v])))
            if pair in tried:
                continue
            total = pops[pair[0]] + pops[pair[1]]
            gap = _outside(pops[pair[0]], band) + _outside(pops[pair[1]], band)
            h = _half_width(total, gap, band) - slack
            if h < 0:
                tried.add(pair)
                continue
            sub = partition.graph.subgraph(partition.parts[pair[0]] | partition.parts[pair[1]])
            try:
                nodes = bipartition_tree(
                    sub.graph,
                    pop_col="population",
                    pop_target=total / 2,
                    epsilon=h / (total / 2),
                    node_repeats=node_repeats,
                    max_attempts=tree_attempts,
                    allow_pair_reselection=True,
                )
            except ReselectException:
                tried.add(pair)
                continue
            flips = {i: (pair[0] if i in nodes else pair[1]) for i in sub.graph.nodes}
            return partition.flip(flips)
        return partition

    random.seed(seed)
    initial = gerrychain.Partition(
        graph,
        assignment=dict(enumerate(labels)),
        updaters={"population": Tally("population", alias="population"), "cut_edges": cut_edges},
    )
    chain = gerrychain.MarkovChain(
        propose,
        Validator([contiguous, no_further_from_band]),
        lambda _partition: True,
        initial,
        total_steps=steps + 1,
    )
    best, best_key, best_step = labels, score(inp, labels), 0
    accepted = 0
    previous = None
    for step, state in enumerate(chain):
        if previous is not None and state is not previous:
            accepted += 1
        previous = state
        if step == 0:
            continue
        plan = [state.assignment[i] for i in range(n)]
        key = score(inp, plan)
        if key < best_key:
            best, best_key, best_step = plan, key, step
    relabel: dict[int, int] = {}
    best = [relabel.setdefault(int(v), len(relabel)) for v in best]
    info = {
        "steps": steps,
        "accepted": accepted,
        "seconds": round(time.perf_counter() - started, 3),
        "best_step": best_step,
    }
    return best, info


# --- Self-demo -------------------------------------------------------------------------------


def grid(rows: int, cols: int, k: int, band: tuple[float, float], current: list[int]) -> PeerInput:
    """A rows x cols grid of practices 1 km apart with 1 patient each (rook adjacency)."""
    n = rows * cols
    xy = np.array([(1000.0 * (i % cols), 1000.0 * (i // cols)) for i in range(n)])
    edges = [(i, i + 1) for i in range(n) if i % cols < cols - 1]
    edges += [(i, i + cols) for i in range(n - cols)]
    return PeerInput(
        codes=[f"P{i:03d}" for i in range(n)],
        patients=[1.0] * n,
        xy=xy,
        edges=sorted(edges),
        current=current,
        k=k,
        band=band,
    )


def main() -> None:
    """On a 6x6 grid (one patient per practice, band [8, 10], k = 4) seeded from four uneven
    horizontal strips (6, 6, 12 and 12 practices; all four out of band): each peer's plan's
    metrics, and the chain's figures."""
    current = [0] * 6 + [1] * 6 + [2] * 12 + [3] * 12
    inp = grid(6, 6, 4, (8.0, 10.0), current)
    out: dict[str, Any] = {"instance": "grid 6x6, k=4, band [8,10]", "seed": metrics(inp, current)}
    started = time.perf_counter()
    out["maxp"] = metrics(inp, maxp(inp, seed=0))
    out["maxp"]["seconds"] = round(time.perf_counter() - started, 3)
    plan, info = recom(inp, steps=100, seed=0)
    out["recom"] = metrics(inp, plan) | info
    print(json.dumps(out))


if __name__ == "__main__":
    main()
