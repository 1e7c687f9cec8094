"""Who was treated and when, and who could have been a control and from when.

Treated people come from the definition (the first event of a code, membership of a cohort on
a date, or a file of pairs), limited to people registered at a practice of the ICS. A person
belongs to the PCN their practice is a core member of at the extract date (PCNs began in July
2019, after most index dates, so the PCN map is the latest the warehouse holds).

Controls get a pseudo index date drawn (seeded) from the treated people's index dates, so the
controls' index dates have the treated people's distribution, quarter by quarter, and matching is
exact on the calendar quarter. Eligibility (registered and alive on the index date, registered for
`prior_months` before it, `min_age` or over) is checked by `covariates.covariate_table` for
treated and controls alike.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import ibis
import numpy as np
import pandas as pd

from openpcn.cohorts import engine
from openpcn.cohorts.admission_risk import data_end
from openpcn.evaluation.definition import StudyDefinition
from openpcn.exceptions import InputError, UserError
from openpcn.orgs.hierarchy import memberships_on, resolve_ics


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (earlier when negative), clipped to the month's end."""
    return (pd.Timestamp(day) + pd.DateOffset(months=months)).date()


def quarter_of(days: pd.Series) -> pd.Series:
    """Calendar quarter labels like 2018Q3."""
    return pd.to_datetime(days).dt.to_period("Q").astype(str)


@dataclass(frozen=True)
class Placement:
    """The ICS's practices and the PCN each is a core member of at the extract date."""

    extract_date: dt.date
    practices: pd.DataFrame  # practice_code, pcn_code


def extract_date(con: ibis.BaseBackend) -> dt.date:
    """The last day the extract covers; refuses a warehouse with no hospital activity."""
    end = data_end(con)
    if end is None:
        raise UserError(
            "the warehouse holds no hospital activity, so no outcome can be counted",
            fix="build the warehouse with `openpcn init` or import an extract with activity",
        )
    return end


def placement(con: ibis.BaseBackend, ics: str) -> Placement:
    """The ICS's member practices and their PCNs at the extract date."""
    end = extract_date(con)
    footprint = resolve_ics(con, ics)
    pcns = con.table("pcns")
    ics_pcns = pcns.filter(pcns.commissioner_code.isin(footprint.commissioners))
    m = memberships_on(con, end)
    m = m.filter(m.pcn_code.isin(ics_pcns.pcn_code))
    m = m.group_by("practice_code").aggregate(pcn_code=m.pcn_code.min())
    practices = con.execute(m).astype(str).sort_values("practice_code").reset_index(drop=True)
    if practices.empty:
        raise UserError(
            f"ICS {ics} has no practices in a PCN at the extract date {end.isoformat()}",
            fix="check the ICS code (e.g. 11J) and the memberships in the warehouse",
        )
    return Placement(end, practices)


def treated_people(
    con: ibis.BaseBackend, definition: StudyDefinition, place: Placement
) -> pd.DataFrame:
    """patient_id, index_date, practice_code, pcn_code of the treated people registered (by the
    patients table) at a practice of the ICS; eligibility is checked later."""
    i = definition.intervention
    if i.kind == "event":
        e = con.table("events")
        first = (
            e.filter(e.snomed_code == i.code)
            .group_by("patient_id")
            .aggregate(index_date=e.date.min())
        )
        raw = con.execute(first)
    elif i.kind == "cohort":
        day = i.date or add_months(place.extract_date, -definition.followup_months)
        members = engine.run(con, str(i.code), day)
        raw = pd.DataFrame({"patient_id": members["patient_id"].unique(), "index_date": day})
    else:
        raw = pd.DataFrame(list(i.people), columns=["patient_id", "index_date"])
        raw = raw.groupby("patient_id", as_index=False)["index_date"].min()
    if raw.empty:
        what = {"event": f"event {i.code}", "cohort": f"cohort {i.code}", "file": "the file"}
        raise InputError(
            f"nobody in the warehouse was treated by {what[i.kind]}",
            column="intervention",
            fix="check the code (events are matched exactly) or the patient ids",
        )
    raw["index_date"] = pd.to_datetime(raw["index_date"]).dt.date
    p = con.table("patients").select("patient_id", "practice_code")
    practice = con.execute(
        p.filter(p.patient_id.isin(raw["patient_id"].astype(str).tolist()))
    ).astype(str)
    out = raw.astype({"patient_id": str}).merge(practice, on="patient_id")
    out = out.merge(place.practices, on="practice_code")
    return out.sort_values("patient_id").reset_index(drop=True)


def control_pcns(controls: str, place: Placement, treated_pcns: set[str]) -> list[str]:
    """The PCNs controls may come from under the definition's `controls` rule."""
    every = set(place.practices["pcn_code"])
    if controls == "other-pcns":
        return sorted(every - treated_pcns)
    if controls == "same-pcns":
        return sorted(every & treated_pcns)
    return sorted(every)


def control_candidates(
    con: ibis.BaseBackend,
    place: Placement,
    pcns: list[str],
    treated: pd.DataFrame,
    *,
    exclude: set[str],
    min_age: int,
    prior_months: int,
    seed: int,
) -> pd.DataFrame:
    """patient_id, index_date (pseudo), quarter, practice_code, pcn_code: one row per person of
    the control pool, with a pseudo index date drawn (seeded) from the treated index dates.

    Drawing from all treated dates picks a quarter in proportion to the treated people in it and
    then one of that quarter's treated dates, so within each quarter the controls' dates follow
    the treated people's. One draw per person (not one per quarter) keeps the covariate query to
    one row per person: on full Dorset 7 quarters would mean 7 times the rows for a pool that is
    already ~100 controls per treated person in each quarter. The pool is pre-filtered in the
    warehouse on what the treated dates allow (old enough by the last, registered long enough,
    alive and registered at the first); the full check on the drawn date comes later.
    `exclude`: every treated person, eligible or not.
    """
    columns = ["patient_id", "index_date", "quarter", "practice_code", "pcn_code"]
    practices = place.practices[place.practices["pcn_code"].isin(pcns)]
    if practices.empty or treated.empty:
        return pd.DataFrame(columns=columns)
    first, last = min(treated["index_date"]), max(treated["index_date"])
    p = con.table("patients")
    pool = p.filter(
        p.practice_code.isin(practices["practice_code"].tolist()),
        p.birth_month <= add_months(last, -12 * min_age),
        p.registration_date <= add_months(last, -prior_months),
        p.death_date.isnull() | (p.death_date > first),
        p.deregistration_date.isnull() | (p.deregistration_date > first),
    ).select("patient_id", "practice_code")
    ids = con.execute(pool.order_by("patient_id")).astype(str)
    ids = ids[~ids["patient_id"].isin(exclude)].reset_index(drop=True)
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    dates = np.sort(treated["index_date"].to_numpy())
    drawn = pd.Series(dates[rng.integers(0, len(dates), len(ids))])
    out = ids.assign(index_date=drawn.to_numpy(), quarter=quarter_of(drawn).to_numpy())
    return out.merge(place.practices, on="practice_code")[columns]
