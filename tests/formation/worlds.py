"""Small hand-made worlds for the formation tests, laid out in grid metres.

Points are given in British National Grid metres around Dorchester and turned into latitude
and longitude, so the instance goes through the same site graph as real data; distances come
back to the metre.
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from openpcn.formation.problem import Instance, instance_from_frame
from openpcn.orgs.contiguity import to_latlon

ORIGIN = (369_000.0, 90_000.0)


def world(
    points: list[tuple[float, float]],
    patients: list[float],
    *,
    pcns: list[str | None] | None = None,
    groups: list[str] | None = None,
    edges: list[tuple[int, int]] | None = None,
) -> Instance:
    """An instance with practices P00, P01, ... at `points` (km east, km north of ORIGIN).

    `edges` replaces the Delaunay graph (for a star or an island, which Delaunay never draws).
    """
    rows = []
    for i, ((east, north), count) in enumerate(zip(points, patients, strict=True)):
        lat, lon = to_latlon(ORIGIN[0] + east * 1000, ORIGIN[1] + north * 1000)
        row = {"practice_code": f"P{i:02d}", "lat": lat, "lon": lon, "registered_patients": count}
        if pcns is not None:
            row["pcn_code"] = pcns[i]
        if groups is not None:
            row["group"] = groups[i]
        rows.append(row)
    inst = instance_from_frame(pd.DataFrame(rows))
    if edges is not None:
        inst = dataclasses.replace(inst, edges=sorted((min(a, b), max(a, b)) for a, b in edges))
    return inst


def path(n: int, each: float = 10_000) -> Instance:
    """n practices 1 km apart on a line, `each` patients apiece."""
    return world([(float(i), 0.0) for i in range(n)], [each] * n)


def grid(side: int, each: float = 10_000, pcns: list[str | None] | None = None) -> Instance:
    """side x side practices 1 km apart (row by row), `each` patients apiece."""
    points = [(float(c), float(r)) for r in range(side) for c in range(side)]
    return world(points, [each] * len(points), pcns=pcns)
