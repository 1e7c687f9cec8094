"""What the prevalence pages and API answer: `openpcn.prevalence` results, cached per app, with
the disclosure control applied to what is counted from the records.

QOF's published registers are public practice-level data: every signed-in role sees them as
published. Registers counted from the patient records are patient-derived: every ICS-wide view
shows them disclosure-controlled (`openpcn.cohorts.disclosure`: 1-7 redacted, others to the
nearest 5, prevalences worked out from the shown counts; flags from the exact ones); a PCN's
own manager sees its practices' exact counts, and that view is audited.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import Request

from openpcn.cohorts.disclosure import disclose
from openpcn.exceptions import NotFoundError
from openpcn.orgs.dates import as_date
from openpcn.prevalence.compare import prevalence_compare
from openpcn.prevalence.groups import load_groups, parse_year
from openpcn.prevalence.published import ics_practice_frame
from openpcn.prevalence.records import pct, recorded_registers
from openpcn.prevalence.summary import measure, prevalence_summary
from openpcn.web.kit.access import Ask, ics_code, may_see_ics, open_pcn, record_view
from openpcn.web.kit.cache import Cache

cached = Cache("prevalence", size=128)

DISCLOSURE_NOTE = (
    "counts from the patient records are disclosure-controlled: 1 to 7 are not shown and the "
    "rest are rounded to the nearest 5; prevalences are worked out from the shown counts, flags "
    "from the exact ones"
)


def summary_for(request: Request, ics: str, year: str) -> dict[str, Any]:
    """`prevalence_summary` of the ICS and QOF year (published data: no disclosure control)."""
    code, year = ics_code(ics), parse_year(year)
    return cached.query(
        request, ("summary", code, year), lambda con: prevalence_summary(con, code, year)
    )


def condition_of(summary: dict[str, Any], condition: str) -> dict[str, Any]:
    """One condition of a summary: a QOF group with nothing published is an empty condition
    (its chart says so); a code that is no QOF group is a 404 naming the conditions there are."""
    key = condition.strip().upper()
    for entry in summary["conditions"]:
        if entry["condition"] == key:
            return entry
    groups = load_groups()
    if key in groups:
        nothing = measure(None, None)
        return {
            "condition": key,
            "description": groups[key].description,
            "list_type": groups[key].list_type,
            "england": nothing,
            "ics": nothing | {"previous": nothing, "change_pct_points": None, "practices": 0},
            "pcns": [],
            "practices": [],
            "not_published": 0,
        }
    there = ", ".join(c["condition"] for c in summary["conditions"]) or "none"
    raise NotFoundError(
        f"no published QOF {summary['year']} register for {key!r} in {summary['ics']['code']}",
        fix=f"choose one of the conditions published: {there}",
    )


def _compare(request: Request, code: str, year: str) -> dict[str, Any]:
    return cached.query(
        request, ("compare", code, year), lambda con: prevalence_compare(con, code, year)
    )


def _shown_pct(register: int | None, size: int | None) -> float | None:
    return pct(register, size) if register is not None and size else None


def disclosed_row(row: dict[str, Any]) -> dict[str, Any]:
    """A compare row with its recorded counts disclosed and its recorded prevalence and
    difference worked out again from them."""
    register, size = disclose(row["recorded_register"]), disclose(row["recorded_list_size"])
    recorded = _shown_pct(register, size)
    published = row["published_pct"]
    return row | {
        "recorded_register": register,
        "recorded_list_size": size,
        "recorded_pct": recorded,
        "difference_pct_points": None
        if recorded is None or published is None
        else recorded - published,
    }


def disclosed_compare(result: dict[str, Any]) -> dict[str, Any]:
    """The whole compare answer, disclosure-controlled (rows and the ICS recorded totals)."""
    rows = [disclosed_row(r) for r in result["practices"]]
    by_condition = {}
    for code, c in result["summary"]["by_condition"].items():
        register, size = disclose(c["recorded_register"]), disclose(c["recorded_list_size"])
        recorded = _shown_pct(register, size)
        by_condition[code] = c | {
            "recorded_register": register,
            "recorded_list_size": size,
            "recorded_pct": recorded,
            "difference_pct_points": None
            if recorded is None or c["published_pct"] is None
            else recorded - c["published_pct"],
        }
    summary = result["summary"] | {"by_condition": by_condition}
    return result | {"practices": rows, "summary": summary}


def ics_compare(ask: Ask, ics: str, year: str) -> dict[str, Any]:
    """Recorded against published for the ICS: ICS-wide roles only, disclosure-controlled."""
    found = may_see_ics(ask, ics)
    code, year = str(found["code"]), parse_year(year)
    shown = cached(
        ask.request,
        ("compare-disclosed", code, year),
        lambda: disclosed_compare(_compare(ask.request, code, year)),
    )
    return shown | {"disclosure_controlled": True, "disclosure_note": DISCLOSURE_NOTE}


def ics_records(ask: Ask, ics: str, day: dt.date) -> dict[str, Any]:
    """Registers recorded on the date, summed for the ICS and each PCN, disclosure-controlled."""
    found = may_see_ics(ask, ics)
    code = str(found["code"])

    def compute() -> dict[str, Any]:
        view, practices = ics_practice_frame(ask.con, code, as_date(day))
        frame = recorded_registers(ask.con, day, list(practices["practice_code"]))
        frame = frame.merge(practices[["practice_code", "pcn_code", "pcn_name"]], how="left")
        totals = frame.groupby("condition", sort=False)[["register", "list_size"]].sum()
        by_pcn = frame.groupby(["pcn_code", "condition"], sort=False)[["register", "list_size"]]
        pcn_totals = by_pcn.sum().reset_index()
        names = dict(zip(practices["pcn_code"], practices["pcn_name"], strict=True))

        def shown(register: int, size: int) -> dict[str, Any]:
            reg, lst = disclose(int(register)), disclose(int(size))
            return {"register": reg, "list_size": lst, "prevalence_pct": _shown_pct(reg, lst)}

        return {
            "ics": view.footprint.as_dict(),
            "date": day.isoformat(),
            "conditions": [
                {"condition": str(c)} | shown(r.register, r.list_size) for c, r in totals.iterrows()
            ],
            "pcns": [
                {
                    "pcn_code": str(r.pcn_code),
                    "name": names.get(r.pcn_code),
                    "condition": r.condition,
                }
                | shown(r.register, r.list_size)
                for r in pcn_totals.itertuples()
            ],
        }

    answer = cached(ask.request, ("records", code, day), compute)
    return answer | {"disclosure_controlled": True, "disclosure_note": DISCLOSURE_NOTE}


def pcn_prevalence(ask: Ask, code: str, year: str) -> dict[str, Any]:
    """A PCN's own prevalence: per condition the PCN, the ICS and England, its practices, and
    its practices' recorded registers against the published ones (exact for its own manager,
    audited; disclosure-controlled for everyone else who may open the PCN)."""
    year = parse_year(year)
    detail = open_pcn(ask, code)  # 404 first, then 403 out of scope
    key = str(detail["code"])
    ics = str(detail["commissioner"]["code"] or "")
    summary = summary_for(ask.request, ics, year)
    conditions = []
    for c in summary["conditions"]:
        own = next((p for p in c["pcns"] if p["pcn_code"] == key), None)
        conditions.append(
            {
                "condition": c["condition"],
                "description": c["description"],
                "list_type": c["list_type"],
                "pcn": own,
                "ics": {k: v for k, v in c["ics"].items() if k != "previous"},
                "ics_previous_pct": c["ics"]["previous"]["prevalence_pct"],
                "england": c["england"],
                "practices": [p for p in c["practices"] if p["pcn_code"] == key],
            }
        )
    rights = ask.principal.patient_rights(pcn_code=key)
    compared = _compare(ask.request, ics, year)
    rows = [r for r in compared["practices"] if r["pcn_code"] == key]
    if rights:
        people = sum(r["recorded_register"] or 0 for r in rows)
        record_view(ask, scope=f"pcn:{key}:prevalence-records", rows=people)
    else:
        rows = [disclosed_row(r) for r in rows]
    return {
        "code": key,
        "name": str(detail["name"]),
        "ics": summary["ics"],
        "year": year,
        "date": summary["date"],
        "conditions": conditions,
        "compare": rows,
        "disclosure_controlled": not rights,
        "disclosure_note": DISCLOSURE_NOTE if not rights else None,
    }
