"""A PCN's cohort sizes and indicators at a run of past dates (raw counts).

The issue asks the PCN dashboard for a trend: each cohort's count at `points` dates, every
`step_months` back from the chosen date, with the FIT indicator (its status judged on the exact
counts) and CVD-02 (hypertension register %) at each. Dates before the PCN opened
(or after it closed) and before the patient records start are left out and said so: a count
there would read as a real zero.

Every date's cohorts compile to one Ibis expression (`compile_cohorts`); by default the dates'
grouped counts are unioned, with a literal date column, into ONE query. Surfaces without patient
rights show `disclosed_trend(trend(...))`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import ibis
import ibis.expr.types as ir

from openpcn.cohorts.compile import compile_cohorts, registered
from openpcn.cohorts.definitions import (
    EARLIEST,
    SPECS,
    Definition,
    Window,
    cohort_date,
    indicator_year,
    leaves,
    load_definitions,
)
from openpcn.cohorts.disclosure import disclose
from openpcn.cohorts.indicators import fit_bands, fit_indicator
from openpcn.cohorts.summary import CVD02_ABOUT, disclosed_rate, judged_rate, rate
from openpcn.exceptions import InputError, NotFoundError
from openpcn.orgs.dates import DateLike, iso

MAX_POINTS = 24
MAX_STEP_MONTHS = 12
#: criteria left out of a trend: the risk centile would refit the risk model for every date
LEFT_OUT_CRITERIA = ("risk_centile",)
_REGISTERED = "__registered__"  # the pseudo-cohort that carries the registered count
CVD02 = "cvd-02-hypertension-register"


def trend_definitions(
    definitions: dict[str, Definition] | None = None,
) -> tuple[list[Definition], list[Definition]]:
    """(cohorts in the trend, cohorts left out because of a LEFT_OUT_CRITERIA criterion)."""
    definitions = load_definitions() if definitions is None else definitions
    kept, dropped = [], []
    for d in definitions.values():
        slow = any(leaf.kind in LEFT_OUT_CRITERIA for leaf in leaves(d.criteria))
        (dropped if slow else kept).append(d)
    return kept, dropped


def pcn_span(con: ibis.BaseBackend, pcn_code: str) -> tuple[dt.date | None, dt.date | None]:
    """(opened, closed) of the PCN: its open_date, else its first membership start; None = open
    ended. NotFoundError for a PCN the warehouse does not hold."""
    pcns = con.table("pcns")
    found = con.execute(
        pcns.filter(pcns.pcn_code == pcn_code).select("open_date", "close_date").limit(1)
    )
    if found.empty:
        raise NotFoundError(
            f"no PCN with code {pcn_code!r}", fix="use a PCN code from `openpcn orgs list`"
        )
    opened, closed = (_day(found.iloc[0][c]) for c in ("open_date", "close_date"))
    if opened is None:
        m = con.table("memberships")
        first = m.filter(m.pcn_code == pcn_code).start_date.min()
        opened = _day(con.execute(first))
    return opened, closed


def data_start(con: ibis.BaseBackend) -> dt.date | None:
    """The first day every kind of record the cohorts read is present: the latest of the
    earliest event and the earliest prescription (None for an empty warehouse)."""
    starts = [_day(con.execute(con.table(t).date.min())) for t in ("events", "medications")]
    found = [s for s in starts if s is not None]
    return max(found) if found else None


def trend_dates(
    con: ibis.BaseBackend,
    pcn_code: str,
    date: DateLike,
    *,
    points: int = 8,
    step_months: int = 3,
) -> tuple[list[dt.date], list[dict[str, str]]]:
    """(dates kept, oldest first; [{"date", "reason"}] for the dates left out)."""
    day = cohort_date(date)
    if not 1 <= points <= MAX_POINTS:
        raise InputError(
            f"cannot show {points} dates", column="points", fix=f"ask for 1 to {MAX_POINTS}"
        )
    if not 1 <= step_months <= MAX_STEP_MONTHS:
        raise InputError(
            f"cannot step {step_months} months",
            column="step_months",
            fix=f"step 1 to {MAX_STEP_MONTHS} months",
        )
    opened, closed = pcn_span(con, pcn_code)
    start = data_start(con)
    kept: list[dt.date] = []
    left_out: list[dict[str, str]] = []
    for i in reversed(range(points)):
        when = Window(step_months * i, "months").cutoff(day) if i else day
        reason = None
        if when < EARLIEST:
            reason = f"before {EARLIEST.isoformat()}, the earliest date cohorts are found on"
        elif opened is not None and when < opened:
            reason = f"before the PCN opened on {opened.isoformat()}"
        elif closed is not None and when > closed:
            reason = f"after the PCN closed on {closed.isoformat()}"
        elif start is None:
            reason = "the warehouse holds no events or prescriptions"
        elif when < start:
            reason = f"before the records start on {start.isoformat()}"
        if reason:
            left_out.append({"date": when.isoformat(), "reason": reason})
        else:
            kept.append(when)
    return kept, left_out


def _counts_on(
    con: ibis.BaseBackend, definitions: list[Definition], day: dt.date, pcn_code: str
) -> ir.Table:
    """(date, cohort, n) for one date: each cohort's people and the registered people."""
    expr = compile_cohorts(con, definitions, day, pcns=[pcn_code])
    counts = expr.group_by("cohort").aggregate(n=expr.patient_id.count())
    people = registered(con, day, pcns=[pcn_code])
    listed = people.aggregate(n=people.patient_id.count()).mutate(cohort=ibis.literal(_REGISTERED))
    both = ibis.union(counts.select("cohort", "n"), listed.select("cohort", "n"))
    return both.select(date=ibis.literal(day, type="date"), cohort=both.cohort, n=both.n)


def trend_counts(
    con: ibis.BaseBackend,
    definitions: Iterable[Definition],
    dates: Iterable[dt.date],
    pcn_code: str,
    *,
    one_query: bool = True,
) -> dict[dt.date, dict[str, int]]:
    """{date: {cohort_id or "__registered__": n}}: one unioned query, or one per date."""
    chosen, days = list(definitions), list(dates)
    found: dict[dt.date, dict[str, int]] = {day: {} for day in days}
    if not days or not chosen:
        return found
    pieces = [_counts_on(con, chosen, day, pcn_code) for day in days]
    if one_query:
        frames = [con.execute(ibis.union(*pieces) if len(pieces) > 1 else pieces[0])]
    else:
        frames = [con.execute(piece) for piece in pieces]
    for frame in frames:
        for row in frame.itertuples():
            found[_day(row.date)][str(row.cohort)] = int(row.n)
    return found


def trend(
    con: ibis.BaseBackend,
    pcn_code: str,
    date: DateLike,
    *,
    points: int = 8,
    step_months: int = 3,
    definitions: dict[str, Definition] | None = None,
    one_query: bool = True,
    year: str | None = None,
) -> dict[str, Any]:
    """The PCN's cohort counts, registered count, the FIT indicator and CVD-02 at each date
    (raw), every date read with the definitions of one year (`year`, default the chosen
    date's), so the points compare like with like.

    Lists ("counts", "registered", "rates") run parallel to "dates", oldest first.
    """
    code = pcn_code.strip().upper()
    chosen = indicator_year(cohort_date(date), year)
    fit = fit_indicator(chosen.year)
    if definitions is None:
        definitions = load_definitions(year=chosen.year)
    kept, dropped = trend_definitions(definitions)
    dates, left_out = trend_dates(con, code, date, points=points, step_months=step_months)
    found = trend_counts(con, kept, dates, code, one_query=one_query)
    at = [found[day] for day in dates]
    with_fit = [c.get(fit.numerator, 0) for c in at]
    referred = [c.get(fit.numerator, 0) + c.get(fit.rest, 0) for c in at]
    listed = [c.get(_REGISTERED, 0) for c in at]
    notes = [
        f"Left out: {d.title} ({d.id}). Its emergency-admission risk centile would refit the "
        "risk model for every date; it is on the dashboard for the chosen date."
        for d in dropped
    ]
    return {
        "code": code,
        "date": cohort_date(date).isoformat(),
        "year": chosen.year,
        "year_note": chosen.note,
        "points": points,
        "step_months": step_months,
        "dates": [day.isoformat() for day in dates],
        "left_out": left_out,
        "registered": listed,
        "cohorts": [
            {
                "id": d.id,
                "spec": d.spec,
                "spec_title": SPECS[d.spec],
                "title": d.title,
                "counts": [c.get(d.id, 0) for c in at],
            }
            for d in kept
        ],
        "can01_fit_share": {
            "indicator": fit.code,
            "about": fit.about,
            "lower_pct": fit.lower_pct,
            "upper_pct": fit.upper_pct,
            "thresholds_confirmed": fit.thresholds_confirmed,
            "rates": [
                judged_rate(fit.bands, n, m) for n, m in zip(with_fit, referred, strict=True)
            ],
        },
        "cvd02_hypertension_register": {
            "about": CVD02_ABOUT,
            "rates": [rate(c.get(CVD02, 0), n) for c, n in zip(at, listed, strict=True)],
        },
        "notes": notes,
    }


def disclosed_trend(raw: dict[str, Any]) -> dict[str, Any]:
    """The trend as it may be shown without patient rights: every count through `disclose`,
    every rate recomputed from the disclosed numerator and denominator, every status judged on
    the exact counts (as `summary.disclosed`)."""
    fit = raw["can01_fit_share"]
    return {
        **raw,
        "registered": [disclose(n) for n in raw["registered"]],
        "cohorts": [{**c, "counts": [disclose(n) for n in c["counts"]]} for c in raw["cohorts"]],
        "can01_fit_share": {
            **raw["can01_fit_share"],
            "rates": [
                disclosed_rate(fit_bands(fit["lower_pct"], fit["upper_pct"]), r)
                for r in raw["can01_fit_share"]["rates"]
            ],
        },
        "cvd02_hypertension_register": {
            **raw["cvd02_hypertension_register"],
            "rates": [
                rate(disclose(r["numerator"]), disclose(r["denominator"]))
                for r in raw["cvd02_hypertension_register"]["rates"]
            ],
        },
        "left_out": [dict(x) for x in raw["left_out"]],
        "notes": list(raw["notes"]),
    }


def _day(value: object) -> dt.date | None:
    """A date-like value from either engine (date, Timestamp, NaT, None) as a date or None."""
    found = iso(value)
    return None if found is None else dt.date.fromisoformat(found[:10])
