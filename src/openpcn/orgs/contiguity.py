"""Is a PCN one joined-up area? Adjacency of practice sites by Delaunay triangulation.

Method (docs/orgs.md): project every practice site of the ICS to British National Grid metres
(EPSG:4326 -> EPSG:27700), merge practices at the same site (to the metre), and join sites that
share an edge of the Delaunay triangulation. A PCN is contiguous when the sites of its members
form one connected piece of that graph, so no other PCN's practice lies between its parts.
Collinear sites (no triangles exist) are chained in order along their line. Practices without
coordinates cannot be placed: they are listed, never silently dropped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise

import numpy as np
import pandas as pd
from pyproj import Transformer
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import Delaunay, QhullError


@lru_cache(maxsize=2)
def _transformer(inverse: bool = False) -> Transformer:
    pair = ("EPSG:27700", "EPSG:4326") if inverse else ("EPSG:4326", "EPSG:27700")
    return Transformer.from_crs(*pair, always_xy=True)


def to_grid(lat: Iterable[float], lon: Iterable[float]) -> np.ndarray:
    """WGS84 latitude/longitude to British National Grid (easting, northing) in metres."""
    x, y = _transformer().transform(np.asarray(list(lon), float), np.asarray(list(lat), float))
    return np.column_stack([np.atleast_1d(x), np.atleast_1d(y)])


def to_latlon(easting: float, northing: float) -> tuple[float, float]:
    """British National Grid metres back to WGS84 (lat, lon)."""
    lon, lat = _transformer(inverse=True).transform(easting, northing)
    return float(lat), float(lon)


@dataclass(frozen=True)
class SiteGraph:
    """Practice sites of one ICS and which sites are neighbours."""

    xy: np.ndarray  # (sites, 2) metres
    site_of: dict[str, int]  # practice code -> site index
    edges: frozenset[tuple[int, int]]  # (i, j) with i < j
    unplaced: tuple[str, ...]  # practices without coordinates
    method: str  # delaunay | chain (collinear sites) | single site | no sites

    @property
    def matrix(self) -> csr_matrix:
        """Symmetric adjacency weighted by distance in metres."""
        n = len(self.xy)
        if not self.edges:
            return csr_matrix((n, n))
        i, j = np.array(sorted(self.edges)).T
        w = np.hypot(*(self.xy[i] - self.xy[j]).T)
        w = np.maximum(w, 1e-6)  # a zero weight would read as "no edge"
        m = coo_matrix((np.r_[w, w], (np.r_[i, j], np.r_[j, i])), shape=(n, n))
        return m.tocsr()

    def practices_at(self, site: int) -> list[str]:
        return sorted(code for code, s in self.site_of.items() if s == site)


def site_graph(practices: pd.DataFrame) -> SiteGraph:
    """Build the adjacency graph from a frame with practice_code, lat, lon (nulls allowed)."""
    frame = practices.drop_duplicates("practice_code")
    has = frame["lat"].notna() & frame["lon"].notna()
    unplaced = tuple(sorted(frame.loc[~has, "practice_code"].astype(str)))
    placed = frame[has]
    if placed.empty:
        return SiteGraph(np.zeros((0, 2)), {}, frozenset(), unplaced, "no sites")
    grid = np.round(to_grid(placed["lat"], placed["lon"]))  # same site to the metre
    xy, index = np.unique(grid, axis=0, return_inverse=True)
    site_of = {str(c): int(s) for c, s in zip(placed["practice_code"], index.ravel(), strict=True)}
    edges, method = _edges(xy)
    return SiteGraph(xy, site_of, frozenset(edges), unplaced, method)


def _edges(xy: np.ndarray) -> tuple[set[tuple[int, int]], str]:
    """Delaunay edges; a chain along the line when the sites are collinear (or only two)."""
    n = len(xy)
    if n == 1:
        return set(), "single site"
    if n >= 3 and not _collinear(xy):
        try:
            tri = Delaunay(xy)
        except QhullError:
            pass
        else:
            edges = set()
            for a, b, c in tri.simplices:
                for i, j in ((a, b), (b, c), (a, c)):
                    edges.add((int(min(i, j)), int(max(i, j))))
            return edges, "delaunay"
    centred = xy - xy.mean(axis=0)
    axis = np.linalg.svd(centred, full_matrices=False)[2][0]
    order = np.argsort(centred @ axis, kind="stable")
    edges = {(int(min(a, b)), int(max(a, b))) for a, b in pairwise(order)}
    return edges, "chain (collinear sites)"


def _collinear(xy: np.ndarray) -> bool:
    """True when every site lies on one line (to a millimetre over the spread of the sites)."""
    centred = xy - xy.mean(axis=0)
    s = np.linalg.svd(centred, compute_uv=False)
    return bool(s[0] == 0 or s[-1] / s[0] < 1e-9)


@dataclass(frozen=True)
class Contiguity:
    """Whether one PCN's placed members form one connected piece, and if not, what divides it."""

    contiguous: bool
    components: list[list[str]] = field(default_factory=list)  # largest first
    separators: list[str] = field(default_factory=list)  # other practices lying between parts
    unplaced: list[str] = field(default_factory=list)  # members without coordinates
    gap_km: float | None = None  # widest gap from a part to its nearest other part


def pcn_contiguity(graph: SiteGraph, members: Iterable[str]) -> Contiguity:
    """Test one PCN: its members' sites must form a connected subgraph of the site graph."""
    codes = sorted(set(members))
    unplaced = [c for c in codes if c not in graph.site_of]
    placed = [c for c in codes if c in graph.site_of]
    sites = sorted({graph.site_of[c] for c in placed})
    if len(sites) <= 1:
        return Contiguity(True, [placed] if placed else [], [], unplaced, None)
    full = graph.matrix
    sub = full[sites][:, sites]
    count, labels = connected_components(sub, directed=False)
    by_label: dict[int, list[int]] = {}
    for site, label in zip(sites, labels, strict=True):
        by_label.setdefault(int(label), []).append(site)
    parts = sorted(by_label.values(), key=lambda s: (-len(s), min(s)))
    part_codes = [sorted(c for c in placed if graph.site_of[c] in part) for part in parts]
    part_codes = sorted(part_codes, key=lambda p: (-len(p), p))
    if count == 1:
        return Contiguity(True, part_codes, [], unplaced, None)
    own = set(sites)
    between: set[int] = set()
    gaps = []
    for part in parts:
        others = [s for s in sites if s not in part]
        dist, pred, _ = dijkstra(
            full, directed=False, indices=part, min_only=True, return_predecessors=True
        )
        target = min(others, key=lambda s: dist[s])
        node = target
        while node >= 0 and node not in part:
            if node not in own:
                between.add(int(node))
            node = pred[node]
        gaps.append(_nearest(graph.xy, part, others))
    separators = sorted({c for s in between for c in graph.practices_at(s) if c not in set(codes)})
    return Contiguity(False, part_codes, separators, unplaced, round(max(gaps) / 1000, 1))


def _nearest(xy: np.ndarray, a: list[int], b: list[int]) -> float:
    """Shortest straight-line distance in metres between two sets of sites."""
    d = xy[a][:, None, :] - xy[b][None, :, :]
    return float(np.hypot(d[..., 0], d[..., 1]).min())
