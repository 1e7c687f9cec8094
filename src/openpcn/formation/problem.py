"""The formation problem for one ICS on one date: practices, patients, sites, the graph.

The practices are the ones `openpcn orgs check` judges: every member of an ICS PCN and every
live (active or dormant) practice the ICS commissions. The adjacency graph is the orgs rules'
Delaunay graph of their sites (`orgs.contiguity.site_graph`, one function), spread to practices:
two practices are neighbours when their sites share a Delaunay edge or they share a site. A
network is contiguous on this graph exactly when its sites are contiguous on the site graph,
so a proposal passes the contiguity rule by construction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

import ibis
import numpy as np
import pandas as pd

from openpcn.exceptions import ConfigError, NotFoundError, UserError
from openpcn.orgs.band import SizeBand
from openpcn.orgs.contiguity import SiteGraph, site_graph
from openpcn.orgs.hierarchy import Footprint, IcsView, ics_view

NO_NETWORK = -1
MODES = ("fresh", "least-change")


@dataclass(frozen=True)
class Params:
    """What the user asked for, parsed once at the surface."""

    ics: str = "11J"
    date: dt.date = dt.date(2019, 12, 1)
    band: SizeBand = field(default_factory=lambda: SizeBand(30_000, 50_000))
    pcns: int | None = None  # None: today's number where the band allows
    mode: str = "fresh"
    within: str | None = None  # a grouping kind (e.g. district, locality) or None
    keep_together: tuple[tuple[str, ...], ...] = ()
    keep_apart: tuple[tuple[str, ...], ...] = ()
    fix: tuple[tuple[str, str], ...] = ()  # (practice, current PCN code or name)
    time_limit: float = 60.0
    workers: int = 2

    def as_dict(self) -> dict[str, object]:
        return {
            "ics": self.ics,
            "date": self.date.isoformat(),
            "min": self.band.as_list()[0],
            "max": self.band.as_list()[1],
            "pcns": self.pcns,
            "mode": self.mode,
            "within": self.within or "none",
            "keep_together": [list(g) for g in self.keep_together],
            "keep_apart": [list(g) for g in self.keep_apart],
            "fix": [f"{p}={n}" for p, n in self.fix],
            "time_limit": self.time_limit,
        }


@dataclass(frozen=True)
class Network:
    """A current PCN, as a label a proposed network can carry."""

    code: str
    name: str


@dataclass(frozen=True)
class Instance:
    """Everything a solver needs, as arrays indexed by practice."""

    footprint: Footprint
    date: dt.date
    codes: list[str]
    names: list[str]
    patients: np.ndarray  # registered patients nearest the date (0 when unknown)
    xy: np.ndarray  # (n, 2) British National Grid metres
    edges: list[tuple[int, int]]  # practice-level adjacency, i < j
    current: np.ndarray  # index into `networks`, NO_NETWORK when in none
    networks: list[Network]  # the ICS's current PCNs with members in the instance
    groups: list[str | None]  # the grouping each practice is in (None without --within)
    unplaced: list[str]  # practices without coordinates: listed, left where they are
    without_list: list[str]  # practices with no list size nearest the date (counted as 0)
    graph: SiteGraph

    @property
    def n(self) -> int:
        return len(self.codes)

    def index(self, code: str) -> int:
        try:
            return self.codes.index(code)
        except ValueError:
            raise NotFoundError(
                f"practice {code!r} is not one of the {self.n} placed practices of "
                f"{self.footprint.code} on {self.date.isoformat()}",
                fix="use a practice code from `openpcn orgs summary --ics "
                f"{self.footprint.code}` (e.g. {self.codes[0] if self.codes else 'J81002'})",
            ) from None

    def neighbours(self) -> list[list[int]]:
        """Each practice's neighbours on the graph (worked out once; read, never change)."""
        return self._neighbours

    def distances(self) -> np.ndarray:
        """Straight-line distance between practice sites, metres (worked out once, read-only)."""
        return self._distances

    @cached_property
    def _neighbours(self) -> list[list[int]]:
        out: list[list[int]] = [[] for _ in range(self.n)]
        for i, j in self.edges:
            out[i].append(j)
            out[j].append(i)
        return out

    @cached_property
    def _distances(self) -> np.ndarray:
        d = self.xy[:, None, :] - self.xy[None, :, :]
        out = np.hypot(d[..., 0], d[..., 1])
        out.flags.writeable = False
        return out

    def network_index(self, key: str) -> int:
        """A current PCN by code or name (case-insensitive)."""
        wanted = key.strip().upper()
        for k, net in enumerate(self.networks):
            if wanted in (net.code.upper(), net.name.upper()):
                return k
        known = ", ".join(f"{n.code} ({n.name})" for n in self.networks[:4])
        raise NotFoundError(
            f"no current PCN {key!r} in {self.footprint.code} on {self.date.isoformat()}",
            fix=f"name a PCN by its code or name, e.g. {known}",
        )


def load_instance(con: ibis.BaseBackend, params: Params) -> Instance:
    """Gather the ICS's practices on the date and build the graph the solvers work on."""
    view = ics_view(con, params.ics, params.date)
    return instance_from_view(view, _groups(con, params.within) if params.within else None)


def instance_from_view(view: IcsView, groups: dict[str, str] | None = None) -> Instance:
    """The instance for an ICS view (groups: practice -> group when networks stay inside)."""
    cols = ["practice_code", "name", "lat", "lon", "registered_patients"]
    members = view.members.drop_duplicates("practice_code")
    frame = pd.concat([members[cols], view.commissioned[cols]]).drop_duplicates("practice_code")
    frame = frame.sort_values("practice_code").reset_index(drop=True)
    if frame.empty:
        raise NotFoundError(
            f"{view.footprint.code} has no practices on {view.date.isoformat()}",
            fix="choose a date when the ICS's practices were open, e.g. 2019-12-01",
        )
    graph = site_graph(frame[["practice_code", "lat", "lon"]])
    placed = frame[frame["practice_code"].isin(graph.site_of)].reset_index(drop=True)
    if placed.empty:
        raise ConfigError(
            f"none of the {len(frame)} practices of {view.footprint.code} has coordinates",
            fix="load practice coordinates (postcodes) before proposing networks",
        )
    codes = [str(c) for c in placed["practice_code"]]
    site = np.array([graph.site_of[c] for c in codes])
    pcn_of = dict(
        zip(members["practice_code"].astype(str), members["pcn_code"].astype(str), strict=True)
    )
    used = sorted({pcn_of[c] for c in codes if c in pcn_of})
    networks = [Network(code, view.pcn_name(code)) for code in used]
    number = {net.code: k for k, net in enumerate(networks)}
    current = np.array([number.get(pcn_of.get(c, ""), NO_NETWORK) for c in codes])
    patients = placed["registered_patients"].astype(float).fillna(0.0).to_numpy()
    return Instance(
        footprint=view.footprint,
        date=view.date,
        codes=codes,
        names=[str(n) for n in placed["name"].fillna("")],
        patients=patients,
        xy=graph.xy[site],
        edges=_practice_edges(site, graph.edges),
        current=current,
        networks=networks,
        groups=[groups.get(c) for c in codes] if groups is not None else [None] * len(codes),
        unplaced=list(graph.unplaced),
        without_list=sorted(
            str(c) for c in placed.loc[placed["registered_patients"].isna(), "practice_code"]
        ),
        graph=graph,
    )


def _practice_edges(
    site: np.ndarray, site_edges: frozenset[tuple[int, int]]
) -> list[tuple[int, int]]:
    """Neighbouring practices: at one site, or at two sites joined by a Delaunay edge."""
    at: dict[int, list[int]] = {}
    for i, s in enumerate(site):
        at.setdefault(int(s), []).append(i)
    edges: set[tuple[int, int]] = set()
    for group in at.values():
        edges.update((a, b) for a in group for b in group if a < b)
    for s, t in site_edges:
        for a in at.get(s, []):
            for b in at.get(t, []):
                edges.add((min(a, b), max(a, b)))
    return sorted(edges)


def _groups(con: ibis.BaseBackend, kind: str) -> dict[str, str]:
    """practice -> group code for one grouping kind (e.g. district), refusing unknown kinds."""
    g = con.table("groupings")
    kinds = sorted(con.execute(g.select("grouping").distinct())["grouping"].astype(str))
    if kind not in kinds:
        known = ", ".join(kinds) if kinds else "none are loaded"
        raise NotFoundError(
            f"no grouping of kind {kind!r} to keep networks within",
            fix=f"use --within with one of: {known}, or none",
        )
    frame = con.execute(g.filter(g.grouping == kind).select("practice_code", "group_code"))
    return dict(
        zip(frame["practice_code"].astype(str), frame["group_code"].astype(str), strict=True)
    )


def checked_params(params: Params, instance: Instance) -> None:
    """Refuse constraints that name unknown practices or contradict each other, before solving."""
    if params.mode not in MODES:
        raise UserError(f"mode {params.mode!r} is not known", fix="use fresh or least-change")
    if params.pcns is not None and not 1 <= params.pcns <= instance.n:
        raise UserError(
            f"--pcns {params.pcns} is not possible with {instance.n} practices",
            fix=f"give a number of networks from 1 to {instance.n}",
        )
    if params.time_limit <= 0:
        raise UserError("the time limit must be positive", fix="give seconds, e.g. --time-limit 60")
    together = _union(instance, params.keep_together)
    for group in params.keep_apart:
        idx = [instance.index(c) for c in group]
        if len(idx) < 2:
            raise UserError(
                f"--keep-apart {','.join(group)} names one practice",
                fix="name two or more practices separated by commas, e.g. J81002,J81003",
            )
        roots = [together(i) for i in idx]
        if len(set(roots)) < len(roots):
            raise UserError(
                f"--keep-apart {','.join(group)} contradicts --keep-together: two of these "
                "practices must be in the same network",
                fix="drop one of the two constraints",
            )
    fixed: dict[int, int] = {}
    for code, pcn in params.fix:
        i, k = instance.index(code), instance.network_index(pcn)
        root = together(i)
        if fixed.get(root, k) != k:
            raise UserError(
                f"--fix {code}={pcn} contradicts another --fix of a practice it must join",
                fix="fix practices kept together to the same PCN",
            )
        fixed[root] = k
    for group in params.keep_apart:
        labels = [fixed.get(together(instance.index(c))) for c in group]
        labels = [k for k in labels if k is not None]
        if len(labels) != len(set(labels)):
            raise UserError(
                f"--keep-apart {','.join(group)} contradicts --fix: two of these practices are "
                "fixed to the same PCN",
                fix="drop the --fix or the --keep-apart",
            )
    if params.within:
        missing = [c for c, g in zip(instance.codes, instance.groups, strict=True) if g is None]
        if missing:
            raise UserError(
                f"{len(missing)} practices are in no {params.within} grouping "
                f"(e.g. {', '.join(missing[:3])})",
                fix=f"load a {params.within} grouping that covers every practice, or --within none",
            )
        for group in params.keep_together:
            if len({instance.groups[instance.index(c)] for c in group}) > 1:
                raise UserError(
                    f"--keep-together {','.join(group)} spans two {params.within} groups, but "
                    f"--within {params.within} keeps each network inside one",
                    fix="drop one of the two constraints",
                )


def _union(instance: Instance, groups: tuple[tuple[str, ...], ...]):
    """Find for keep-together groups: practice index -> representative index."""
    parent = list(range(instance.n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for group in groups:
        idx = [instance.index(c) for c in group]
        if len(idx) < 2:
            raise UserError(
                f"--keep-together {','.join(group)} names one practice",
                fix="name two or more practices separated by commas, e.g. J81002,J81003",
            )
        for i in idx[1:]:
            parent[find(i)] = find(idx[0])
    return find


def instance_from_frame(
    frame: pd.DataFrame, *, code: str = "TEST", date: dt.date = dt.date(2019, 12, 1)
) -> Instance:
    """An instance from a plain table (practice_code, lat, lon, registered_patients, optional
    name, pcn_code, group): for small worked examples, tests and benchmarks."""
    frame = frame.copy()
    frame["name"] = frame.get("name", frame["practice_code"])
    frame["pcn_code"] = frame.get("pcn_code", None)
    members = frame[frame["pcn_code"].notna()].assign(start_date=date)
    pcns = pd.DataFrame(
        {
            "pcn_code": sorted(members["pcn_code"].unique()),
            "name": sorted(members["pcn_code"].unique()),
        }
    )
    memberships = members[["practice_code", "pcn_code"]].assign(
        pcn_name=members["pcn_code"], pcn_commissioner=code
    )
    view = IcsView(
        footprint=Footprint(code, code, (code,)),
        date=date,
        pcns=pcns.assign(commissioner_code=code, postcode=None),
        members=members,
        commissioned=frame,
        memberships=memberships,
        exceptions=pd.DataFrame(columns=["pcn_code", "reason"]),
        commissioner_names={code: code},
    )
    groups = None
    if "group" in frame:
        groups = dict(zip(frame["practice_code"], frame["group"], strict=True))
    return instance_from_view(view, groups)


def breaches(instance: Instance, params: Params, labels: np.ndarray, names: list[int]) -> list[str]:
    """The hard limits a labelling breaks (the heuristic does not enforce them; the exact
    solver does), in words; `names[k]` is the current network network k is named after."""
    out = []
    for group in params.keep_together:
        if len({int(labels[instance.index(c)]) for c in group}) > 1:
            out.append(f"--keep-together {','.join(group)}")
    for group in params.keep_apart:
        idx = [int(labels[instance.index(c)]) for c in group]
        if len(set(idx)) < len(idx):
            out.append(f"--keep-apart {','.join(group)}")
    for code, pcn in params.fix:
        k = int(labels[instance.index(code)])
        if k < 0 or k >= len(names) or names[k] != instance.network_index(pcn):
            out.append(f"--fix {code}={pcn}")
    if params.within:
        for k in np.unique(labels):
            groups = {instance.groups[i] for i in np.flatnonzero(labels == k)}
            if len(groups) > 1:
                out.append(f"--within {params.within}")
                break
    return out
