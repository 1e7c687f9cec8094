"""What the organisation pages and API answer: `openpcn.orgs` results, cached per app, and
the population pyramid with its disclosure control.

The pyramid is built from patient-level rows, so it passes through disclosure control unless
the viewer has patient rights for exactly those patients (then the view is audited).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import Request

from openpcn import orgs
from openpcn.cohorts.disclosure import disclose, total_of
from openpcn.orgs.geo import ics_geojson
from openpcn.orgs.population import pyramid
from openpcn.web.charts import pyramid_spec
from openpcn.web.kit.access import Ask, cached, ics_code, pcn_of, record_view
from openpcn.web.kit.params import API


def pcn_rows(request: Request, ics: str, day: dt.date) -> list[dict[str, Any]]:
    return cached.query(request, ("pcns", ics, day), lambda con: orgs.pcn_table(con, ics, day))


def summary_of(request: Request, ics: str, day: dt.date) -> dict[str, Any]:
    return cached.query(request, ("summary", ics, day), lambda con: orgs.summary(con, ics, day))


def check_of(request: Request, ics: str, day: dt.date) -> dict[str, Any]:
    return cached.query(
        request, ("check", ics, day), lambda con: orgs.check(con, ics, day).as_dict()
    )


def geojson_of(request: Request, ics: str, day: dt.date) -> dict[str, Any]:
    return cached.query(request, ("geojson", ics, day), lambda con: ics_geojson(con, ics, day))


def population(
    ask: Ask, *, kind: Literal["pcn", "practice"], code: str, day: dt.date
) -> dict[str, Any]:
    """Pyramid rows, exact only for a viewer with patient rights over exactly these patients."""
    request, principal = ask.request, ask.principal
    if kind == "pcn":
        rights = principal.patient_rights(pcn_code=code)
        where = {"pcn_code": code}
    else:
        pcn = pcn_of(request, code, day)
        rights = principal.patient_rights(pcn_code=pcn, practice_code=code)
        where = {"practice_code": code}
    rows = cached.query(
        request, ("pyramid", kind, code, day), lambda con: pyramid(con, date=day, **where)
    )
    shown = [dict(r) for r in rows]
    if not rights:
        for row in shown:
            row["patients"] = disclose(int(row["patients"]))
    total = total_of(r["patients"] for r in shown)
    if rights:
        record_view(ask, scope=f"{kind}:{code}", rows=total)
    what = "PCN" if kind == "pcn" else "practice"
    return {
        "kind": kind,
        "code": code,
        "date": day.isoformat(),
        "disclosure_controlled": not rights,
        "total_patients": total,
        "rows": shown,
        "spec": pyramid_spec(
            shown,
            title=f"Registered patients of {what} {code} by age and sex, {day.day} {day:%B %Y}",
        ),
    }


def ics_overview(request: Request, ics: str, day: dt.date) -> dict[str, Any]:
    """What the ICS overview shows on a date: one function for the full page and its partial
    (the region the date selector refreshes), so the two always show the same figures."""
    code = ics_code(ics)
    return {
        "ics": code,
        "date": day,
        "summary": summary_of(request, code, day),
        "pcns": pcn_rows(request, code, day),
        "check": check_of(request, code, day),
        "page_url": f"/ics/{code}?date={day.isoformat()}",
        "partial_url": f"/ics/{code}/partials/overview",
        "csv_url": f"{API}/pcns.csv?ics={code}&date={day.isoformat()}",
    }
