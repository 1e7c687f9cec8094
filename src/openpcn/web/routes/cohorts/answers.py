"""What the case-finding pages and API answer: `openpcn.cohorts` results, cached per app,
with the rights checks, disclosure control and audit rows that decide what each viewer gets.

- counts on the ICS view are disclosure-controlled for everyone (1-7 hidden, others rounded
  to 5): nobody has patient rights over every PCN;
- a PCN dashboard shows raw counts only to the pcn_manager of that PCN (patient rights), and
  that view is audited; everyone else who may open the PCN sees disclosed counts;
- worklists (patient rows) only for the pcn_manager of the PCN or the practice_user of the
  practice; everyone else 403. A specification's combined list (one row per person) has the
  same rights; a PCN's lists take a member-practice filter (any other practice: 403). Every
  view and export writes an audit row counting the rows shown, returned or exported;
- the model card is aggregate and open to every role;
- a PCN's trend (cohort sizes, the FIT indicator and CVD-02 at past dates) follows the
  dashboard's rule;
- the FIT indicator's status (CAN-01, CAN-02 or CAN-04 by year) is judged on the exact counts
  for every viewer (suppressed, with the reason, where it would narrow a hidden count):
  `openpcn.cohorts.thresholds`. CVD-02 has no status: it is not a target.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from openpcn.cohorts import engine
from openpcn.cohorts.admission_risk import scored
from openpcn.cohorts.definitions import (
    SPECS,
    Definition,
    cohort_date,
    indicator_year,
    load_definitions,
)
from openpcn.cohorts.efi import CATEGORIES
from openpcn.cohorts.indicators import fit_bands
from openpcn.cohorts.summary import disclosed, fit_bands_of, rate, summary
from openpcn.cohorts.thresholds import SUPPRESSED, SUPPRESSED_NOTE, UNKNOWN, Bands
from openpcn.cohorts.trend import disclosed_trend, trend
from openpcn.cohorts.worklists import DEFAULT_SORT, combined, ordered, reason_text
from openpcn.exceptions import NotFoundError
from openpcn.figures import long_date
from openpcn.prevalence.published import expected_hypertension
from openpcn.web.auth import forbid_unless
from openpcn.web.kit.access import (
    Ask,
    may_see_ics,
    may_see_practice,
    open_pcn,
    pcn_detail,
    practice_detail,
    record_view,
)
from openpcn.web.kit.cache import Cache
from openpcn.web.kit.jobs import soon
from openpcn.web.kit.params import DAY

DISCLOSURE_NOTE = "counts of 1-7 hidden, others rounded to the nearest 5"
DEFINITIONS: dict[str, Definition] = load_definitions()  # the default date's: ids and titles


@cache
def _definitions_of(year: str) -> dict[str, Definition]:
    return load_definitions(year=year)


def definitions_on(day: dt.date, year: str | None = None) -> dict[str, Definition]:
    """The definitions in force on the date (its year's, `indicator_year`, unless a `year` is
    asked for), as the CLI reads them: a worklist counts the people the summary beside it does."""
    return _definitions_of(indicator_year(day, year).year)


cached = Cache("cohorts", size=64)
Kind = Literal["pcn", "practice"]


def checked(day: dt.date) -> dt.date:
    """The date, if cohorts can be found on it (a 422 otherwise)."""
    return cohort_date(day)


def raw_summary(ask: Ask, ics: str, day: dt.date, year: str | None = None) -> dict[str, Any]:
    """`openpcn.cohorts.summary.summary`, raw counts: never shown without a rights check.
    The first time for a date (and year) it is a job (the risk model and every cohort)."""
    checked(day)
    chosen = indicator_year(day, year).year
    return soon(
        ask,
        cached,
        ("summary", ics, day, chosen, year is None),  # by date or by year: the note differs
        lambda con: summary(con, ics, day, year),  # the year asked for: its note too
        label=f"Case-finding counts for {ics} on {long_date(day)} ({chosen} definitions)",
    )


def shown_summary(
    ask: Ask, ics: str, day: dt.date, *, raw: bool, year: str | None = None
) -> dict[str, Any]:
    found = raw_summary(ask, ics, day, year)
    if raw:
        return found
    key = ("disclosed", ics, day, indicator_year(day, year).year, year is None)
    return cached(ask.request, key, lambda: disclosed(found))


def spec_refs(day: dt.date, year: str | None = None) -> list[dict[str, Any]]:
    return [
        {
            "spec": spec,
            "title": title,
            "cohorts": [
                {"id": d.id, "title": d.title}
                for d in definitions_on(day, year).values()
                if d.spec == spec
            ],
        }
        for spec, title in SPECS.items()
    ]


def ics_cohorts(ask: Ask, ics: str, day: dt.date, year: str | None = None) -> dict[str, Any]:
    """Every PCN's cohort counts and eFI categories, disclosure-controlled for every viewer."""
    found = may_see_ics(ask, ics)
    code = str(found["code"])
    shown = shown_summary(ask, code, day, raw=False, year=year)
    names = _pcn_names(ask)
    pcns = []
    for pcn in sorted(shown["indicators"]["registered"]):
        counts: dict[str, int | None] = {}
        for spec in SPECS:
            counts |= shown[spec].get(pcn, {})
        pcns.append(
            {
                "code": pcn,
                "name": names.get(pcn, pcn),
                "registered": shown["indicators"]["registered"][pcn],
                "counts": counts,
                "efi": shown["efi"].get(pcn, dict.fromkeys(CATEGORIES, 0)),
            }
        )
    return {
        "ics": code,
        "name": str(found["name"]),
        "date": day.isoformat(),
        "year": shown["year"],
        "year_note": shown["year_note"],
        "disclosure_controlled": True,
        "specs": spec_refs(day, year),
        "pcns": pcns,
    }


def _pcn_names(ask: Ask) -> dict[str, str]:
    def compute() -> dict[str, str]:
        pcns = ask.con.table("pcns").select("pcn_code", "name")
        return {str(r.pcn_code): str(r.name) for r in ask.con.execute(pcns).itertuples()}

    return cached(ask.request, ("names",), compute)


def pcn_cohorts(ask: Ask, code: str, day: dt.date, year: str | None = None) -> dict[str, Any]:
    """The PCN's cohort sizes, indicators and eFI: raw for the PCN's manager (audited)."""
    detail = open_pcn(ask, code)  # 404 first: organisation data is public
    key = str(detail["code"])
    ics = str(detail["commissioner"]["code"] or "")
    rights = ask.principal.patient_rights(pcn_code=key)
    shown = shown_summary(ask, ics, day, raw=rights, year=year)
    indicators = shown["indicators"]
    cohorts = []
    for d in definitions_on(day, year).values():
        cohorts.append(
            {
                "id": d.id,
                "spec": d.spec,
                "spec_title": SPECS[d.spec],
                "title": d.title,
                "description": d.description,
                "indicator": d.indicator or None,
                "local": d.local or None,
                "count": shown[d.spec].get(key, {}).get(d.id, 0),
            }
        )
    can01 = indicators["can01_fit_share"]
    lower, upper = can01["thresholds"]["lower_pct"], can01["thresholds"]["upper_pct"]
    cvd02 = indicators["cvd02_hypertension_register"]
    no_rate = rate(None, None)
    answer = {
        "code": key,
        "name": str(detail["name"]),
        "ics": ics,
        "date": day.isoformat(),
        "disclosure_controlled": not rights,
        "registered": indicators["registered"].get(key, 0),
        "cohorts": cohorts,
        "year": shown["year"],
        "year_note": shown["year_note"],
        "can01_fit_share": {
            **with_status(can01["pcns"].get(key), fit_bands_of(can01)),
            "indicator": can01["indicator"],
            "about": can01["about"],
            "source": can01["source"],
            "lower_pct": lower,
            "upper_pct": upper,
            "thresholds_confirmed": can01["thresholds"]["confirmed"],
        },
        "cvd02_hypertension_register": {
            **(cvd02["pcns"].get(key) or no_rate),
            "about": cvd02["about"],
            "expected": _expected_cvd02(ask, detail, day, indicators["registered"].get(key, 0)),
        },
        "efi": shown["efi"].get(key, dict.fromkeys(CATEGORIES, 0)),
    }
    if rights:
        people = sum(c["count"] or 0 for c in cohorts)
        record_view(ask, scope=f"pcn:{key}:cohort-counts", rows=people)
    return answer


def _expected_cvd02(
    ask: Ask, detail: dict[str, Any], day: dt.date, registered: int | None
) -> dict[str, Any] | None:
    """CVD-02's expected register: QOF's published hypertension prevalence of the PCN's
    practices (public data) times the PCN's registered count as shown; None without one."""
    members = [str(m["practice_code"]) for m in detail["members"]]
    found = cached(
        ask.request,
        ("cvd02-expected", tuple(members), day),
        lambda: expected_hypertension(ask.con, members, day),
    )
    if found is None:
        return None
    pct = float(found["published_pct"])  # type: ignore[arg-type]
    register = None if registered is None else round(pct * registered / 100)
    return found | {"expected_register": register}


def pcn_trend(
    ask: Ask,
    code: str,
    day: dt.date,
    *,
    points: int,
    step: int,
    action: Literal["view", "export"] = "view",
) -> dict[str, Any]:
    """The PCN's cohort sizes and indicators at past dates, with the dashboard's rule: raw for
    the PCN's manager (audited), disclosed for everyone else who may open the PCN."""
    detail = open_pcn(ask, code)
    key = str(detail["code"])
    checked(day)
    rights = ask.principal.patient_rights(pcn_code=key)
    args = (key, day, points, step)
    raw = soon(
        ask,
        cached,
        ("trend", *args),
        lambda con: trend(con, key, day, points=points, step_months=step),
        label=f"{detail['name']}: case-finding at {points} dates to {long_date(day)}",
    )
    shown = raw if rights else cached(ask.request, ("trend-disclosed", *args),
                                      lambda: disclosed_trend(raw))  # fmt: skip
    answer = {**shown, "name": str(detail["name"]), "disclosure_controlled": not rights}
    if rights:
        people = sum(n for c in raw["cohorts"] for n in c["counts"])
        record_view(ask, scope=f"pcn:{key}:cohort-trend", rows=people, action=action)
    return answer


def with_status(found: dict[str, Any] | None, bands: Bands) -> dict[str, Any]:
    """A PCN's rate with its status (judged on the exact counts, or suppressed: see
    `openpcn.cohorts.thresholds`), how the status reads, and why when it is suppressed."""
    shown = found or rate(None, None) | {"status": UNKNOWN}
    status = shown["status"]
    note = SUPPRESSED_NOTE if status == SUPPRESSED else None
    return shown | {"status_label": bands.label(status), "status_note": note}


@dataclass(frozen=True)
class Listing:
    """How a worklist is asked for: the practice filter, the order, and which rows (`limit`
    None: every row, as the CSV export takes them)."""

    practice: str | None = None
    sort: str = DEFAULT_SORT
    offset: int = 0
    limit: int | None = None
    paged: bool = False  # a page past the last is a 404 (and not audited), not an empty page


EVERY_ROW = Listing()


def _scope(ask: Ask, kind: Kind, code: str, practice: str | None) -> dict[str, Any]:
    """The organisation whose patients are listed, after the rights checks (403 without patient
    rights; a practice filter outside the PCN's members is a 403 too), and the engine's scope."""
    request, principal = ask.request, ask.principal
    if kind == "pcn":
        detail = pcn_detail(request, code, DAY)
        key = str(detail["code"])
        forbid_unless(principal.patient_rights(pcn_code=key))
        members = [{"code": str(m["practice_code"]), "name": str(m["name"])}
                   for m in detail.get("members", [])]  # fmt: skip
        chosen = practice.strip().upper() if practice else None
        forbid_unless(chosen is None or chosen in {m["code"] for m in members})
        where = {"pcn": key} if chosen is None else {"practice": chosen}
        label = f"pcn:{key}" if chosen is None else f"pcn:{key}:practice:{chosen}"
        return {"key": key, "where": where, "label": label, "practice": chosen,
                "members": members}  # fmt: skip
    detail = practice_detail(request, code, DAY)
    key = str(detail["code"])
    pcn = detail["pcn"]["code"] if detail.get("pcn") else None
    forbid_unless(
        may_see_practice(principal, key, pcn)
        and principal.patient_rights(pcn_code=pcn, practice_code=key)
    )
    return {"key": key, "where": {"practice": key}, "label": f"practice:{key}",
            "practice": None, "members": []}  # fmt: skip


def _listed(
    ask: Ask,
    found: dict[str, Any],
    rows: list[dict[str, Any]],
    listing: Listing,
    *,
    scope: str,
    action: Literal["view", "export"],
) -> dict[str, Any]:
    """The rows in order, the slice asked for, and the audit row counting exactly those."""
    every = ordered(rows, listing.sort)
    end = None if listing.limit is None else listing.offset + listing.limit
    shown = every[listing.offset : end]
    if listing.paged and listing.offset and not shown:
        raise NotFoundError("the list has no such page", fix="go back to its first page")
    record_view(ask, scope=scope, rows=len(shown), action=action)
    return {
        "code": found["key"],
        "practice": found["practice"],
        "practices": found["members"],
        "sort": listing.sort,
        "total": len(every),
        "offset": listing.offset,
        "count": len(shown),
        "rows": shown,
    }


def worklist(
    ask: Ask,
    *,
    kind: Kind,
    code: str,
    cohort: str,
    day: dt.date,
    action: Literal["view", "export"],
    listing: Listing = EVERY_ROW,
) -> dict[str, Any]:
    """Patient rows of one cohort, only for a viewer with patient rights; always audited with
    the number of rows shown or exported."""
    definition = definitions_on(day)[str(cohort)]
    checked(day)
    found = _scope(ask, kind, code, listing.practice)
    _risk_model_ready(ask, day, [definition])
    frame = engine.run(
        ask.con, definition.id, day, **found["where"], definitions=definitions_on(day)
    )
    rows = frame.loc[:, ["patient_id", "practice_code", "reason"]].to_dict("records")
    scope = f"{found['label']}:{definition.id}"
    answer = _listed(ask, found, rows, listing, scope=scope, action=action)
    return answer | {"kind": kind, "cohort": definition.id, "title": definition.title,
                     "date": day.isoformat()}  # fmt: skip


def spec_worklist(
    ask: Ask,
    *,
    kind: Kind,
    code: str,
    spec: str,
    day: dt.date,
    action: Literal["view", "export"],
    listing: Listing = EVERY_ROW,
) -> dict[str, Any]:
    """Every cohort of a service specification as one list, one row per person with each
    cohort they are in and its reason; the per-cohort worklists' rights checks and audit."""
    chosen = [d for d in definitions_on(day).values() if d.spec == str(spec)]
    checked(day)
    found = _scope(ask, kind, code, listing.practice)
    _risk_model_ready(ask, day, chosen)
    frame = engine.run(ask.con, str(spec), day, **found["where"], definitions=definitions_on(day))
    rows = combined(frame, [d.id for d in chosen])
    scope = f"{found['label']}:spec:{spec}"
    answer = _listed(ask, found, rows, listing, scope=scope, action=action)
    return answer | {
        "kind": kind,
        "spec": str(spec),
        "title": SPECS[str(spec)],
        "cohorts": [{"id": d.id, "title": d.title} for d in chosen],
        "date": day.isoformat(),
    }


def risk_card(ask: Ask, day: dt.date) -> dict[str, Any]:
    """The risk model's card for the date: training it is a job the first time (seconds)."""
    checked(day)
    return soon(
        ask,
        cached,
        ("risk", day),
        lambda con: scored(con, day).card,
        label=f"The emergency admission risk model for {long_date(day)}",
    )


def _risk_model_ready(ask: Ask, day: dt.date, chosen: list[Definition]) -> None:
    """Cohorts on the risk centile need the model for the date: trained first, as a job."""
    if any(d.uses_risk_model for d in chosen):
        risk_card(ask, day)


def definitions_answer() -> dict[str, Any]:
    items = [d.as_dict() | {"spec_title": SPECS[d.spec]} for d in DEFINITIONS.values()]
    return {"items": items}


def ics_csv_columns() -> tuple[str, ...]:
    return ("pcn_code", "name", "registered", *DEFINITIONS, *(f"efi_{c}" for c in CATEGORIES))


def ics_csv_rows(answer: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "pcn_code": p["code"],
            "name": p["name"],
            "registered": p["registered"],
            **p["counts"],
            **{f"efi_{c}": p["efi"][c] for c in CATEGORIES},
        }
        for p in answer["pcns"]
    ]


WORKLIST_COLUMNS = ("patient_id", "practice_code", "cohort", "reason")
SPEC_WORKLIST_COLUMNS = ("patient_id", "practice_code", "cohorts", "reasons")


def spec_csv_rows(answer: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The combined list as CSV rows: cohorts `; `-separated, reasons as `cohort: reason`."""
    return [
        {
            "patient_id": r["patient_id"],
            "practice_code": r["practice_code"],
            "cohorts": "; ".join(r["cohorts"]),
            "reasons": reason_text(r),
        }
        for r in answer["rows"]
    ]


def trend_rows(answer: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The trend as table rows, dates as columns: each cohort, the registered count, and the
    two indicators' percentages and statuses (the page's table and the CSV)."""
    dates = answer["dates"]

    def row(key: str, spec: str, title: str, kind: str, values: list[Any]) -> dict[str, Any]:
        cells = dict(zip(dates, values, strict=True))
        return {"row": key, "spec": spec, "title": title, "kind": kind, **cells}

    rows = [row(c["id"], c["spec_title"], c["title"], "count", c["counts"])
            for c in answer["cohorts"]]  # fmt: skip
    rows.append(row("registered", "", "Registered patients", "count", answer["registered"]))
    fit = answer["can01_fit_share"]
    code = fit["indicator"]
    for key, title in (
        ("can01_fit_share", f"{code}: lower-GI urgent referrals with a FIT (%)"),
        ("cvd02_hypertension_register", "CVD-02: hypertension register (% of registered)"),
    ):
        pcts = [r["pct"] for r in answer[key]["rates"]]
        rows.append(row(f"{key}_pct", "", title, "pct", pcts))
    bands = fit_bands(fit["lower_pct"], fit["upper_pct"])
    title = f"{code} status (against {fit['lower_pct']:g}% and {fit['upper_pct']:g}%)"
    statuses = [bands.label(r["status"]) for r in fit["rates"]]
    rows.append(row("can01_fit_share_status", "", title, "status", statuses))
    return rows
