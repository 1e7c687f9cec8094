"""`openpcn prevalence records`: QOF registers as recorded in the patient records on a date.

The register of a group at a practice on date D is every patient registered there on D (joined on
or before D, not left or dead by D), at least the group's list-type age on D, with a code of the
group's codelists dated on or before D; the denominator is the same patients without the code
condition (the register definition in docs/prevalence.md, shared with the synthetic calibration).
Everything is counted in the warehouse through Ibis (DuckDB or Spark): only per-practice counts
come back, never patient rows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
import pandas as pd

from openpcn.cohorts.codelists import Codelist, load_codelists
from openpcn.exceptions import InputError
from openpcn.orgs.dates import DateLike, as_date
from openpcn.prevalence.groups import QofGroup, load_groups

COLUMNS = ["practice_code", "condition", "register", "list_size"]


def group_codes(
    groups: dict[str, QofGroup], codelists: dict[str, Codelist] | None = None
) -> pd.DataFrame:
    """One row per (SNOMED CT code, group code, min age): the codes that put a patient on each
    register. A group naming a list that does not exist is an InputError."""
    codelists = load_codelists() if codelists is None else codelists
    rows = []
    for group in groups.values():
        for name in group.codelists:
            if name not in codelists:
                raise InputError(
                    f"QOF group {group.code} reads codelist {name!r}, which does not exist",
                    file="qof_groups.toml",
                    column="codelists",
                    fix="name a list of data/codelists/codelists.toml",
                )
            rows += [(code, group.code, group.min_age) for code in codelists[name].codes]
    frame = pd.DataFrame(rows, columns=["snomed_code", "group_code", "min_age"])
    return frame.drop_duplicates().reset_index(drop=True)


def _age_on(birth_month: ibis.Value, day: dt.date) -> ibis.Value:
    """Whole years from the first of the birth month to `day` (birthdays fall on the 1st)."""
    return (day.year - birth_month.year()) - ibis.ifelse(birth_month.month() > day.month, 1, 0)


def recorded_registers(
    con: ibis.BaseBackend,
    date: DateLike,
    practices: list[str] | None = None,
    groups: dict[str, QofGroup] | None = None,
    codelists: dict[str, Codelist] | None = None,
) -> pd.DataFrame:
    """practice_code, condition (QOF group code), register, list_size: one row per practice
    with a registered patient on the date and per group, zeros included."""
    day = as_date(date)
    groups = load_groups() if groups is None else groups
    p = con.table("patients")
    on_list = (
        (p.registration_date <= day)
        & (p.deregistration_date.isnull() | (p.deregistration_date > day))
        & (p.death_date.isnull() | (p.death_date > day))
    )
    if practices is not None:
        on_list = on_list & p.practice_code.isin(practices or ["-"])
    people = p.filter(on_list).select(
        "patient_id", "practice_code", age=_age_on(p.birth_month, day)
    )
    ages = sorted({g.min_age for g in groups.values()})
    lists = con.execute(
        people.group_by("practice_code").aggregate(
            **{f"age{a}": ibis.ifelse(people.age >= a, 1, 0).sum() for a in ages}
        )
    )
    mapping = ibis.memtable(group_codes(groups, codelists))
    e = con.table("events")
    coded = (
        e.filter((e.date <= day) & e.snomed_code.isin(mapping.snomed_code))
        .inner_join(mapping, "snomed_code")
        .select("patient_id", "group_code", "min_age")
        .distinct()
    )
    joined = people.inner_join(coded, "patient_id")
    registers = con.execute(
        joined.filter(joined.age >= joined.min_age)
        .group_by(["practice_code", "group_code"])
        .aggregate(register=joined.patient_id.nunique())
    )
    found = {(r.practice_code, r.group_code): int(r.register) for r in registers.itertuples()}
    rows = []
    for practice in sorted(lists["practice_code"].astype(str)):
        sizes = lists.loc[lists["practice_code"] == practice].iloc[0]
        for group in groups.values():
            rows.append(
                {
                    "practice_code": practice,
                    "condition": group.code,
                    "register": found.get((practice, group.code), 0),
                    "list_size": int(sizes[f"age{group.min_age}"]),
                }
            )
    return pd.DataFrame(rows, columns=COLUMNS)


def pct(register: float | None, list_size: float | None) -> float | None:
    """Prevalence on 0-100, or None without a register or a list to divide by."""
    if register is None or list_size is None or pd.isna(register) or pd.isna(list_size):
        return None
    return None if list_size <= 0 else 100.0 * float(register) / float(list_size)


def records(con: ibis.BaseBackend, date: DateLike, practices: list[str]) -> dict[str, Any]:
    """The recorded registers of the given practices (the ICS's) on the date, with ICS totals."""
    groups = load_groups()
    frame = recorded_registers(con, date, practices, groups)
    totals = frame.groupby("condition", sort=False)[["register", "list_size"]].sum()
    return {
        "date": as_date(date).isoformat(),
        "groups": [
            {
                "condition": g.code,
                "description": g.description,
                "list_type": g.list_type,
                "codelists": list(g.codelists),
                "simplification": g.simplification,
            }
            for g in groups.values()
        ],
        "ics_totals": [
            {
                "condition": code,
                "register": int(totals.loc[code, "register"]),
                "list_size": int(totals.loc[code, "list_size"]),
                "prevalence_pct": pct(totals.loc[code, "register"], totals.loc[code, "list_size"]),
            }
            for code in groups
            if code in totals.index
        ],
        "practices": frame.to_dict(orient="records"),
    }
