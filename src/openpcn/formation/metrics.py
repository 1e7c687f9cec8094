"""Measures of a configuration (today's or a proposal), the same for every solver and peer.

- patients_outside_band: summed distance of each network's list from the band;
- compactness_km: patient-weighted mean distance from each practice to its network's
  patient-weighted centre (the centroid of its practices' sites, weighted by patients);
- centre_km: patient-weighted mean distance from each practice to its network's best centre
  practice: the exact solver's objective (p-median), so its bound and gap are in these units;
- moved: practices whose network changes name against today's (practices in no network today
  are counted as `joined`, not moved).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

from openpcn.formation.heuristic import components, violation
from openpcn.formation.problem import NO_NETWORK, Instance
from openpcn.orgs.band import SizeBand


def centroid(instance: Instance, members: list[int]) -> np.ndarray:
    """The patient-weighted centre of the members' sites (the plain centre when all are 0)."""
    weights = instance.patients[members]
    if weights.sum() <= 0:
        return instance.xy[members].mean(axis=0)
    return (instance.xy[members] * weights[:, None]).sum(axis=0) / weights.sum()


def compactness_km(instance: Instance, labels: np.ndarray) -> float:
    total = float(instance.patients.sum())
    if total <= 0:
        return 0.0
    cost = 0.0
    for k in np.unique(labels[labels != NO_NETWORK]):
        members = list(np.flatnonzero(labels == k))
        gap = instance.xy[members] - centroid(instance, members)
        cost += float(instance.patients[members] @ np.hypot(gap[:, 0], gap[:, 1]))
    return cost / total / 1000


def centre_km(instance: Instance, labels: np.ndarray) -> float:
    """The p-median value: each network measured from its best centre practice."""
    total = float(instance.patients.sum())
    if total <= 0:
        return 0.0
    dist = instance.distances()
    cost = 0.0
    for k in np.unique(labels[labels != NO_NETWORK]):
        members = list(np.flatnonzero(labels == k))
        cost += float((instance.patients[members] @ dist[np.ix_(members, members)]).min())
    return cost / total / 1000


def band_counts(instance: Instance, labels: np.ndarray, band: SizeBand) -> tuple[int, int, float]:
    """(networks, networks in the band, patients outside the band)."""
    ks = np.unique(labels[labels != NO_NETWORK])
    loads = [float(instance.patients[labels == k].sum()) for k in ks]
    inside = sum(band.position(load) == "in" for load in loads)
    return len(ks), int(inside), float(sum(violation(load, band) for load in loads))


def contiguous_count(instance: Instance, labels: np.ndarray) -> int:
    nbrs = instance.neighbours()
    ks = np.unique(labels[labels != NO_NETWORK])
    return sum(len(components(list(np.flatnonzero(labels == k)), nbrs)) == 1 for k in ks)


def moved_and_joined(
    instance: Instance, labels: np.ndarray, names: np.ndarray
) -> tuple[int, int, float]:
    """(practices moved, practices joined, patients moved). `names[i]` is the current network
    whose name practice i's proposed network carries (NO_NETWORK for a new network)."""
    today = instance.current
    was = today != NO_NETWORK
    moved = was & (names != today)
    joined = ~was & (labels != NO_NETWORK)
    return int(moved.sum()), int(joined.sum()), float(instance.patients[moved].sum())


def names_by_overlap(instance: Instance, labels: np.ndarray) -> list[int]:
    """Per network label: the current PCN whose name it carries (the one it keeps most practices
    of, then patients, matched one to one), or NO_NETWORK for a new network."""
    ks = sorted(set(labels[labels != NO_NETWORK].tolist()))
    count = len(instance.networks)
    if not ks or not count:
        return [NO_NETWORK] * (max(ks) + 1 if ks else 0)
    big = float(instance.patients.sum()) + 1
    score = np.zeros((len(ks), count))
    for row, k in enumerate(ks):
        for i in np.flatnonzero(labels == k):
            c = instance.current[i]
            if c != NO_NETWORK:
                score[row, c] += big + instance.patients[i]
    rows, cols = linear_sum_assignment(-score)
    names = [NO_NETWORK] * (max(ks) + 1)
    for r, c in zip(rows, cols, strict=True):
        if score[r, c] > 0:
            names[ks[r]] = int(c)
    return names
