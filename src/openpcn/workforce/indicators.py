"""GP workforce risk indicators per practice, PCN and ICS on a date.

GP headcount and FTE, the share of GPs aged 55 and over (those nearest retirement), GP FTE per
10,000 registered patients and vacancies, each beside the ICS value. Staff come from the
register in the app database; while it is empty, from the warehouse's `workforce` table
(synthetic in the default data), and the result's `source` says which. With the warehouse's
staff, the patients are those registered in the warehouse's patient table (the population the
synthetic staff were drawn for, at its scale); with the register, the published list sizes.
There is no England comparison: no sourced England figure is shipped, and none is invented.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
import pandas as pd

from openpcn.orgs.dates import DateLike, as_date, iso
from openpcn.orgs.hierarchy import ics_view
from openpcn.orgs.population import registered_on
from openpcn.store.appdb import AppDB
from openpcn.workforce.register import aged_55_plus, register_size, staff_for
from openpcn.workforce.roles import gp_roles

STAFF_COLUMNS = ["practice_code", "pcn_code", "role", "fte", "age_band", "vacancy"]
COMPARED = ("gp_fte_per_10k", "gp_55_plus_pct")


def staff_on(
    con: ibis.BaseBackend, db: AppDB | None, date: DateLike
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Posts open on the date, from the register or (when it is empty) the warehouse."""
    day = as_date(date)
    if db is not None and register_size(db):
        rows = staff_for(db, on=day)
        sources = sorted({r["source"] for r in rows})
        source = {
            "kind": "register",
            "detail": "the staff register in the app database",
            "files": sources,
            "vacancies_recorded": True,
        }
        return pd.DataFrame(rows, columns=STAFF_COLUMNS), source
    w = con.table("workforce")
    frame = con.execute(
        w.filter(w.start_date.isnull() | (w.start_date <= day)).select(STAFF_COLUMNS[:5])
    )
    frame["vacancy"] = False
    source = {
        "kind": "warehouse",
        "detail": "the warehouse's workforce table (synthetic in the default data): "
        "the staff register is empty; import one with `openpcn workforce import FILE`",
        "files": [],
        "vacancies_recorded": False,
    }
    return frame[STAFF_COLUMNS], source


def _patients_on(con: ibis.BaseBackend, day: dt.date) -> dict[str, float]:
    """Registered patients per practice in the patient-level table on the day ({} if none)."""
    registered = registered_on(con, day)
    frame = con.execute(registered.group_by("practice_code").aggregate(n=registered.count()))
    return {str(c): float(n) for c, n in zip(frame["practice_code"], frame["n"], strict=True)}


def indicators_for(
    staff: pd.DataFrame, registered: float | None, *, vacancies: bool
) -> dict[str, Any]:
    """The indicators for one set of posts and the list they serve."""
    filled = staff[~staff["vacancy"].astype(bool)]
    gp = filled[filled["role"].isin(list(gp_roles()))]
    heads = len(gp)
    fte = float(gp["fte"].sum())
    older = int(sum(bool(aged_55_plus(b)) for b in gp["age_band"]))
    open_posts = staff[staff["vacancy"].astype(bool)]
    open_gp = open_posts[open_posts["role"].isin(list(gp_roles()))]
    return {
        "registered_patients": None if registered is None else round(registered, 2),
        "gp_headcount": heads,
        "gp_fte": round(fte, 2),
        "gp_55_plus": older,
        "gp_55_plus_pct": round(100 * older / heads, 1) if heads else None,
        "gp_fte_per_10k": round(fte / registered * 10_000, 2) if registered else None,
        "staff_fte": round(float(filled["fte"].sum()), 2),
        "vacancy_posts": len(open_posts) if vacancies else None,
        "vacancy_fte": round(float(open_posts["fte"].sum()), 2) if vacancies else None,
        "gp_vacancy_fte": round(float(open_gp["fte"].sum()), 2) if vacancies else None,
    }


def staffing_indicators(
    con: ibis.BaseBackend, db: AppDB | None, ics: str, date: DateLike
) -> dict[str, Any]:
    """Indicators for the ICS, each PCN and each practice, with the ICS value beside each."""
    day = as_date(date)
    view = ics_view(con, ics, day)
    staff, source = staff_on(con, db, day)
    vacancies = bool(source["vacancies_recorded"])
    members = view.members.drop_duplicates("practice_code")
    listed = pd.concat(
        [
            members,
            view.commissioned[~view.commissioned["practice_code"].isin(members["practice_code"])],
        ]
    )
    lists = dict(zip(listed["practice_code"], listed["registered_patients"], strict=True))
    source["denominator"] = "published list sizes (practice_lists nearest the date)"
    if source["kind"] == "warehouse":
        counted = _patients_on(con, day)
        if counted:  # the population the warehouse's staff were drawn for (or extracted with)
            lists = {code: counted.get(code) for code in lists}
            source["denominator"] = "patients registered on the date in the warehouse"
    pcn_of = dict(zip(members["practice_code"], members["pcn_code"], strict=True))
    pcn_codes = [str(c) for c in view.pcns["pcn_code"]]
    at_practice = staff["practice_code"].notna()
    own_pcn = ~at_practice & staff["pcn_code"].isin(pcn_codes)

    def registered(codes: list[str]) -> float | None:
        values = [lists.get(c) for c in codes]
        known = [float(v) for v in values if v is not None and not pd.isna(v)]
        return sum(known) if known else None

    every = list(lists)
    ics_staff = staff[(at_practice & staff["practice_code"].isin(every)) | own_pcn]
    ics_row = indicators_for(ics_staff, registered(every), vacancies=vacancies)
    beside = {key: ics_row[key] for key in COMPARED}

    pcns = []
    for pcn in view.pcns.itertuples():
        codes = sorted(members.loc[members["pcn_code"] == pcn.pcn_code, "practice_code"])
        mask = (at_practice & staff["practice_code"].isin(codes)) | (
            ~at_practice & (staff["pcn_code"] == pcn.pcn_code)
        )
        row = indicators_for(staff[mask], registered(codes), vacancies=vacancies)
        pcns.append(
            {"code": str(pcn.pcn_code), "name": str(pcn.name), "practices": len(codes), **row,
             "ics": beside}
        )  # fmt: skip
    practices = []
    for practice in listed.sort_values("practice_code").itertuples():
        code = str(practice.practice_code)
        row = indicators_for(
            staff[staff["practice_code"] == code], registered([code]), vacancies=vacancies
        )
        practices.append(
            {"code": code, "name": None if pd.isna(practice.name) else str(practice.name),
             "pcn_code": pcn_of.get(code), "list_as_of": iso(practice.list_as_of), **row,
             "ics": beside}
        )  # fmt: skip
    return {
        "ics": {**view.footprint.as_dict(), **ics_row},
        "date": day.isoformat(),
        "source": source,
        "gp_roles": sorted(gp_roles()),
        "england": None,
        "england_note": "no sourced England figure is shipped, so none is shown",
        "pcns": pcns,
        "practices": practices,
    }
