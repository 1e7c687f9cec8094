"""Maps of an ICS without a tile server: practice points and drawn PCN areas as GeoJSON.

Method (docs/orgs.md, "PCN areas on the map"): project the ICS's practice sites to British
National Grid metres, merge practices at the same site (to the metre), cut the plane into the
Voronoi cells of the sites, clip the cells to the convex hull of the sites buffered by
`BUFFER_M`, and union the cells of each PCN's sites into its area. A site shared by practices
of two PCNs goes to the PCN with more registered patients there (then the lower code). The
areas are illustrative catchments, not registered boundaries. Practices without coordinates
are left out and counted in the collection's properties, never silently dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import ibis
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from openpcn.orgs.band import BandLike, as_band
from openpcn.orgs.contiguity import _transformer, to_grid
from openpcn.orgs.dates import DateLike
from openpcn.orgs.hierarchy import ics_view
from openpcn.orgs.summary import _pcn_rows

#: metres added around the convex hull of the sites before clipping the Voronoi cells
BUFFER_M = 3_000.0
#: Okabe-Ito colour-blind-safe palette (black swapped for a mid grey), in a fixed order
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#999999",
)
METHOD = (
    "Voronoi cells of practice sites (British National Grid), clipped to the sites' convex "
    f"hull buffered by {BUFFER_M / 1000:g} km, unioned per PCN; illustrative, not boundaries"
)


def ics_geojson(
    con: ibis.BaseBackend, ics: str, date: DateLike, band: BandLike = None
) -> dict[str, object]:
    """A WGS84 FeatureCollection: one area per placed PCN, then one point per placed practice."""
    view = ics_view(con, ics, date)
    rows = {r["pcn_code"]: r for r in _pcn_rows(view, as_band(band))}
    members = view.members.drop_duplicates("practice_code").reset_index(drop=True)
    placed_mask = members["lat"].notna() & members["lon"].notna()
    placed = members[placed_mask].reset_index(drop=True)
    unplaced = sorted(members.loc[~placed_mask, "practice_code"].astype(str))

    areas = pcn_areas(placed)
    colours = assign_colours(areas, sorted(rows))
    features: list[dict[str, object]] = []
    for code in sorted(areas):
        row = rows.get(code, {})
        features.append(
            _feature(
                _to_wgs84(areas[code]),
                {
                    "kind": "pcn",
                    "code": code,
                    "name": str(row.get("name") or view.pcn_name(code)),
                    "colour": colours[code],
                    "registered_patients": _whole(row.get("registered_patients")),
                    "practices": int(row.get("practices") or 0),
                    "in_band": bool(row.get("in_band")),
                    "band_position": row.get("band_position"),
                },
            )
        )
    for practice in placed.sort_values("practice_code").itertuples():
        code = str(practice.pcn_code)
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(float(practice.lon), 6), round(float(practice.lat), 6)],
                },
                "properties": {
                    "kind": "practice",
                    "code": str(practice.practice_code),
                    "name": view.practice_name(str(practice.practice_code)),
                    "pcn_code": code,
                    "pcn_name": view.pcn_name(code),
                    "registered_patients": _whole(practice.registered_patients),
                    "colour": colours.get(code, PALETTE[-1]),
                },
            }
        )
    return {
        "type": "FeatureCollection",
        "properties": {
            "ics": view.footprint.code,
            "date": view.date.isoformat(),
            "method": METHOD,
            "practices": len(members),
            "placed_practices": len(placed),
            "unplaced_practices": len(unplaced),
            "unplaced": unplaced,
            "pcns_without_area": sorted(set(rows) - set(areas)),
        },
        "features": features,
    }


def networks_geojson(
    practices: pd.DataFrame,
    names: Mapping[str, str],
    colours: Mapping[str, str] | None = None,
    extra: Iterable[str] = (),
) -> dict[str, object]:
    """Any configuration of practices into networks (a proposal, say), drawn as `ics_geojson`
    draws the PCNs: rows practice_code, name, pcn_code, lat, lon, registered_patients (and the
    `extra` columns, copied to the points). `names`: network code -> name; `colours`: fixed
    colours (e.g. today's, so a network keeps its colour on two maps), the rest assigned."""
    points = practices[practices["lat"].notna() & practices["lon"].notna()]
    placed = points[points["pcn_code"].notna()].reset_index(drop=True)
    areas = pcn_areas(placed)
    given = dict(colours or {})
    free = assign_colours({c: a for c, a in areas.items() if c not in given}, [])
    taken = {c: given[c] for c in areas if c in given} | {
        c: colour for c, colour in free.items() if c not in given
    }
    features: list[dict[str, object]] = []
    for code in sorted(areas):
        members = placed[placed["pcn_code"] == code]
        features.append(
            _feature(
                _to_wgs84(areas[code]),
                {
                    "kind": "pcn",
                    "code": code,
                    "name": names.get(code, code),
                    "colour": taken[code],
                    "registered_patients": _whole(members["registered_patients"].sum()),
                    "practices": len(members),
                },
            )
        )
    for row in points.sort_values("practice_code").to_dict("records"):
        code = str(row["pcn_code"]) if pd.notna(row["pcn_code"]) else ""
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(float(row["lon"]), 6), round(float(row["lat"]), 6)],
                },
                "properties": {
                    "kind": "practice",
                    "code": str(row["practice_code"]),
                    "name": str(row["name"]),
                    "pcn_code": code,
                    "pcn_name": names.get(code, code) if code else "no network",
                    "registered_patients": _whole(row["registered_patients"]),
                    "colour": taken.get(code, PALETTE[-1]),
                }
                | {key: row[key] for key in extra},
            }
        )
    return {
        "type": "FeatureCollection",
        "properties": {"method": METHOD, "placed_practices": len(points)},
        "features": features,
    }


def pcn_areas(placed: pd.DataFrame, buffer_m: float = BUFFER_M) -> dict[str, BaseGeometry]:
    """PCN code -> its area in grid metres, from rows with practice_code, pcn_code, lat, lon."""
    if placed.empty:
        return {}
    xy = np.round(to_grid(placed["lat"], placed["lon"]))
    frame = placed.assign(
        x=xy[:, 0],
        y=xy[:, 1],
        patients=placed["registered_patients"].fillna(0).astype(float),
        pcn_code=placed["pcn_code"].astype(str),
    )
    by_site = frame.groupby(["x", "y", "pcn_code"], as_index=False)["patients"].sum()
    by_site = by_site.sort_values(["x", "y", "patients", "pcn_code"], ascending=[1, 1, 0, 1])
    sites = by_site.drop_duplicates(["x", "y"]).reset_index(drop=True)
    points = shapely.points(sites[["x", "y"]].to_numpy())
    region = shapely.convex_hull(shapely.multipoints(points)).buffer(buffer_m)
    if len(sites) == 1:
        cells = [region]
    else:
        diagram = shapely.voronoi_polygons(
            shapely.multipoints(points), extend_to=region, ordered=True
        )
        cells = [shapely.intersection(cell, region) for cell in shapely.get_parts(diagram)]
    out: dict[str, BaseGeometry] = {}
    for code, group in sites.groupby("pcn_code", sort=True):
        merged = shapely.union_all([cells[i] for i in group.index])
        out[str(code)] = shapely.make_valid(merged)
    return out


def assign_colours(areas: dict[str, BaseGeometry], codes: Iterable[str]) -> dict[str, str]:
    """A palette colour per PCN, different from its touching neighbours where the palette allows.

    Greedy colouring in PCN-code order: the same areas always get the same colours.
    """
    ordered = sorted(set(codes) | set(areas))
    colours: dict[str, str] = {}
    for position, code in enumerate(ordered):
        near = {
            colours[other]
            for other in colours
            if code in areas and other in areas and _touch(areas[code], areas[other])
        }
        free = [c for c in PALETTE if c not in near]
        colours[code] = free[0] if free else PALETTE[position % len(PALETTE)]
    return colours


def _touch(a: BaseGeometry, b: BaseGeometry) -> bool:
    """Neighbours share more than a point (within a metre)."""
    return a.distance(b) < 1.0 and a.buffer(1.0).intersection(b).area > 1.0


def _to_wgs84(geometry: BaseGeometry) -> BaseGeometry:
    """Grid metres -> lon/lat, rounded to 6 decimals (about 0.1 m)."""
    transformer = _transformer(inverse=True)

    def project(coords: np.ndarray) -> np.ndarray:
        lon, lat = transformer.transform(coords[:, 0], coords[:, 1])
        return np.round(np.column_stack([lon, lat]), 6)

    return shapely.transform(geometry, project)


def _feature(geometry: BaseGeometry, properties: dict[str, object]) -> dict[str, object]:
    return {"type": "Feature", "geometry": _plain(mapping(geometry)), "properties": properties}


def _plain(value: object) -> object:
    """Tuples from shapely's mapping as lists, so the result equals its JSON round trip."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _whole(value: object) -> int | None:
    if value is None or pd.isna(value):
        return None
    return round(float(value))
