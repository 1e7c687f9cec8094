"""What an ICS, a PCN or a practice looks like on a date, as JSON-ready dicts and table rows.

Patients are summed from the fractional published list sizes; they are rounded to whole
patients only where shown (2 decimals are kept in the numbers so totals add up).
"""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd

from openpcn.codes import PCN_CODE, PRACTICE_CODE
from openpcn.exceptions import NotFoundError
from openpcn.orgs.band import BandLike, SizeBand, as_band
from openpcn.orgs.contiguity import to_grid, to_latlon
from openpcn.orgs.dates import DateLike, as_date, iso, open_on
from openpcn.orgs.hierarchy import IcsView, ics_view, memberships_on, pcn_totals
from openpcn.orgs.lists import list_history, lists_on

_CODE_FIX = "practice codes look like J81002; PCN codes like U02749"


def pcn_table(
    con: ibis.BaseBackend, ics: str, date: DateLike, band: BandLike = None
) -> list[dict[str, object]]:
    """One row per PCN of the ICS on the date, with its size and place against the band."""
    return _pcn_rows(ics_view(con, ics, date), as_band(band))


def _pcn_rows(view: IcsView, band: SizeBand) -> list[dict[str, object]]:
    allowed = dict(zip(view.exceptions["pcn_code"], view.exceptions["reason"], strict=True))
    rows = []
    for row in pcn_totals(view).itertuples():
        position = band.position(row.registered_patients) if row.practices else "below"
        rows.append(
            {
                "pcn_code": row.pcn_code,
                "name": row.name,
                "practices": int(row.practices),
                "registered_patients": round(row.registered_patients, 2),
                "weighted_patients": _round(row.weighted_patients),
                "in_band": position == "in",
                "band_position": position,
                "exception": allowed.get(row.pcn_code),
            }
        )
    return rows


def summary(
    con: ibis.BaseBackend, ics: str, date: DateLike, band: BandLike = None
) -> dict[str, object]:
    """The ICS on one date: practices, PCNs, patients, and how the PCNs sit against the band."""
    size_band = as_band(band)
    view = ics_view(con, ics, date)
    rows = _pcn_rows(view, size_band)
    members = view.members.drop_duplicates("practice_code")
    sized = [r for r in rows if r["practices"]]
    smallest = min(sized, key=lambda r: r["registered_patients"], default=None)
    largest = max(sized, key=lambda r: r["registered_patients"], default=None)
    weighted = members["weighted_patients"]
    sizes = [float(r["registered_patients"]) for r in sized]
    covered = view.commissioned["practice_code"].isin(set(members["practice_code"]))
    return {
        "ics": view.footprint.as_dict(),
        "date": view.date.isoformat(),
        "practices": len(members),
        "pcns": len(rows),
        "registered_patients": round(float(members["registered_patients"].fillna(0).sum()), 2),
        "weighted_patients": round(float(weighted.sum()), 2) if weighted.notna().any() else None,
        "band": size_band.as_list(),
        "band_source": size_band.source,
        "pcns_in_band": sum(r["band_position"] == "in" for r in rows),
        "pcns_below_band": sum(r["band_position"] == "below" for r in rows),
        "pcns_above_band": sum(r["band_position"] == "above" for r in rows),
        "pcns_with_exception": sum(r["exception"] is not None for r in rows),
        "pcn_size_min": _size(smallest),
        "pcn_size_max": _size(largest),
        "pcn_size_median": round(float(np.median(sizes)), 2) if sizes else None,
        "single_practice_pcns": sum(r["practices"] == 1 for r in rows),
        "practices_per_pcn_max": max((int(r["practices"]) for r in rows), default=0),
        "commissioned_practices": len(view.commissioned),
        "commissioned_practices_in_pcns": int(covered.sum()),
        "dormant_members": sorted(
            members.loc[members["status"] == "dormant", "practice_code"].astype(str)
        ),
        "list_source": _list_sources(members),
    }


def _size(row: dict[str, object] | None) -> dict[str, object] | None:
    if row is None:
        return None
    return {"code": row["pcn_code"], "name": row["name"], "patients": row["registered_patients"]}


def _list_sources(members: pd.DataFrame) -> list[dict[str, object]]:
    """Which list sizes were used: practices per (source, as_of), and those with none."""
    out = []
    listed = members[members["list_source"].notna()]
    for (source, as_of), group in listed.groupby(["list_source", "list_as_of"], sort=True):
        out.append({"source": str(source), "as_of": iso(as_of), "practices": len(group)})
    missing = int(members["list_source"].isna().sum())
    if missing:
        out.append({"source": None, "as_of": None, "practices": missing})
    return out


def show(
    con: ibis.BaseBackend, code: str, date: DateLike, band: BandLike = None
) -> dict[str, object]:
    """Everything about one PCN (U code) or practice on the date."""
    key = code.strip().upper()
    day = as_date(date)
    if PCN_CODE.match(key):
        return _show_pcn(con, key, day, as_band(band))
    if PRACTICE_CODE.match(key):
        return _show_practice(con, key, day)
    raise NotFoundError(f"{code!r} is not a practice or PCN code", fix=_CODE_FIX)


def _one(con: ibis.BaseBackend, table: str, column: str, key: str) -> pd.Series:
    t = con.table(table)
    frame = con.execute(t.filter(t[column] == key).limit(1))
    if frame.empty:
        kind = "PCN" if table == "pcns" else "practice"
        raise NotFoundError(f"no {kind} with code {key} in the warehouse", fix=_CODE_FIX)
    return frame.iloc[0]


def _commissioner(con: ibis.BaseBackend, code: object) -> dict[str, object]:
    t = con.table("commissioners")
    frame = con.execute(t.filter(t.code == str(code)).select("code", "name"))
    name = str(frame["name"].iloc[0]) if not frame.empty else None
    return {"code": _text(code), "name": name}


def _show_pcn(con: ibis.BaseBackend, key: str, day, band: SizeBand) -> dict[str, object]:
    pcn = _one(con, "pcns", "pcn_code", key)
    on = memberships_on(con, day)
    p = con.table("practices")
    lists = lists_on(con, day).select(
        "practice_code",
        "registered_patients",
        "weighted_patients",
        list_as_of="as_of",
        list_source="source",
    )
    expr = (
        on.filter(on.pcn_code == key)
        .select("practice_code", "start_date")
        .left_join(
            p.select("practice_code", "name", "status", "postcode", "lat", "lon"), "practice_code"
        )
        .select(~ibis.selectors.endswith("_right"))
        .left_join(lists, "practice_code")
        .select(~ibis.selectors.endswith("_right"))
        .order_by("practice_code")
    )
    members = con.execute(expr)
    ex = con.table("band_exceptions")
    exception = con.execute(
        ex.filter((ex.pcn_code == key) & open_on(ex.start_date, ex.end_date, day)).select("reason")
    )
    registered = float(members["registered_patients"].fillna(0).sum())
    weighted = members["weighted_patients"]
    position = band.position(registered) if len(members) else "below"
    return {
        "kind": "pcn",
        "code": key,
        "name": str(pcn["name"]),
        "date": day.isoformat(),
        "commissioner": _commissioner(con, pcn["commissioner_code"]),
        "open_date": iso(pcn["open_date"]),
        "close_date": iso(pcn["close_date"]),
        "postcode": _text(pcn["postcode"]),
        "members": [
            {
                "practice_code": str(m.practice_code),
                "name": _text(m.name),
                "status": _text(m.status),
                "member_since": iso(m.start_date),
                "registered_patients": _round(m.registered_patients),
                "weighted_patients": _round(m.weighted_patients),
                "list_as_of": iso(m.list_as_of),
                "list_source": _text(m.list_source),
                "postcode": _text(m.postcode),
                "lat": _round(m.lat, 6),
                "lon": _round(m.lon, 6),
            }
            for m in members.itertuples()
        ],
        "practices": len(members),
        "registered_patients": round(registered, 2),
        "weighted_patients": round(float(weighted.sum()), 2) if weighted.notna().any() else None,
        "band": band.as_list(),
        "band_position": position,
        "in_band": position == "in",
        "exception": str(exception["reason"].iloc[0]) if not exception.empty else None,
        "centroid": _centroid(members),
    }


def _centroid(members: pd.DataFrame) -> dict[str, object] | None:
    """Patient-weighted mean of member sites on the national grid (unweighted if no lists)."""
    placed = members[members["lat"].notna() & members["lon"].notna()]
    if placed.empty:
        return None
    xy = to_grid(placed["lat"], placed["lon"])
    weights = placed["registered_patients"].fillna(0).to_numpy(float)
    method = "mean of member sites weighted by registered patients"
    if weights.sum() <= 0:
        weights, method = np.ones(len(placed)), "mean of member sites"
    x, y = np.average(xy, axis=0, weights=weights)
    lat, lon = to_latlon(float(x), float(y))
    return {
        "lat": round(lat, 6),
        "lon": round(lon, 6),
        "method": method,
        "unplaced": int(len(members) - len(placed)),
    }


def _show_practice(con: ibis.BaseBackend, key: str, day) -> dict[str, object]:
    practice = _one(con, "practices", "practice_code", key)
    m = con.table("memberships")
    pcns = con.table("pcns").select("pcn_code", pcn_name="name")
    history = con.execute(
        m.filter(m.practice_code == key)
        .left_join(pcns, "pcn_code")
        .select(~ibis.selectors.endswith("_right"))
        .order_by(["start_date", "pcn_code"])
    )
    memberships = [
        {
            "pcn_code": str(r.pcn_code),
            "pcn_name": _text(r.pcn_name),
            "start_date": iso(r.start_date),
            "end_date": iso(r.end_date),
            "source": _text(r.source),
        }
        for r in history.itertuples()
    ]
    open_now = [
        r
        for r in memberships
        if r["start_date"] <= day.isoformat()
        and (r["end_date"] is None or r["end_date"] >= day.isoformat())
    ]
    current = max(open_now, key=lambda r: (r["start_date"], r["pcn_code"]), default=None)
    lists = lists_on(con, day)
    chosen = con.execute(lists.filter(lists.practice_code == key))
    cqc = con.table("cqc_ratings")
    rating = con.execute(
        cqc.filter(cqc.practice_code == key).order_by(ibis.desc("rating_year")).limit(1)
    )
    return {
        "kind": "practice",
        "code": key,
        "name": str(practice["name"]),
        "date": day.isoformat(),
        "status": _text(practice["status"]),
        "commissioner": _commissioner(con, practice["commissioner_code"]),
        "open_date": iso(practice["open_date"]),
        "close_date": iso(practice["close_date"]),
        "contract_type": _text(practice["contract_type"]),
        "pcn": (
            {
                "code": current["pcn_code"],
                "name": current["pcn_name"],
                "since": current["start_date"],
            }
            if current
            else None
        ),
        "pcns_on_date": len(open_now),
        "memberships": memberships,
        "list_on_date": (
            {
                "as_of": iso(chosen["as_of"].iloc[0]),
                "source": str(chosen["source"].iloc[0]),
                "registered_patients": _round(chosen["registered_patients"].iloc[0]),
                "weighted_patients": _round(chosen["weighted_patients"].iloc[0]),
            }
            if not chosen.empty
            else None
        ),
        "lists": list_history(con, key),
        "location": {
            "postcode": _text(practice["postcode"]),
            "lat": _round(practice["lat"], 6),
            "lon": _round(practice["lon"], 6),
            "coord_source": _text(practice["coord_source"]),
        },
        "imd2019_score": _round(practice["imd2019_score"], 3),
        "rurality": _text(practice["rurality"]),
        "dispensing": None if pd.isna(practice["dispensing"]) else bool(practice["dispensing"]),
        "cqc": (
            {
                "rating": str(rating["rating"].iloc[0]),
                "year": int(rating["rating_year"].iloc[0]),
                "source": str(rating["source"].iloc[0]),
            }
            if not rating.empty
            else None
        ),
    }


def _round(value: object, digits: int = 2) -> float | None:
    if value is None or pd.isna(value):
        return None
    return round(float(value), digits)


def _text(value: object) -> str | None:
    return None if value is None or pd.isna(value) else str(value)
