"""Covariates on each person's own index date, for treated people and control candidates alike,
as one set-based Ibis query (DuckDB or Spark) over a table of (patient_id, index_date) rows.

Windows are in calendar months before the index date: the prior period (index - prior_months,
index] and the period before it (index - 2 x prior_months, index - prior_months]. The earlier
period is matched on too because the planted ICT (like real services) chooses people on their
admissions in a fixed calendar year (the year before the service starts): someone referred 18
months later was chosen on admissions that lie partly before their own prior year, and matching
on the prior year alone could leave the groups unlike in what chose them. Two years of history
cover the choosing year for most referrals (a design choice, not a measured gain).

eFI: the Clegg deficits of `openpcn.cohorts.efi` (coded deficits recorded by the index date,
plus polypharmacy: 5+ repeat medicines current on it), counted from each person's first record
of each deficit, so one scan of events serves every index date. Long-term conditions: the risk
model's codelist, one 0/1 column per condition (a code recorded by the index date).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pandas as pd

from openpcn.cohorts.efi import (
    CUTS_PERCENT,
    DEFICITS,
    POLYPHARMACY_MIN,
    REPEAT_CURRENT_DAYS,
    load_codelist,
)
from openpcn.evaluation.definition import CONDITIONS, ETHNIC_GROUPS
from openpcn.evaluation.population import add_months

#: the numeric columns of the covariate table (ethnicity expanded to one 0/1 column per group)
COLUMNS = (
    "age",
    "male",
    "imd_decile",
    *(f"ethnicity_{g.lower()}" for g in ETHNIC_GROUPS),
    "prior_emergency_admissions",
    "prior_ae_attendances",
    "prior_elective_admissions",
    "prior_emergency_bed_days",
    "earlier_emergency_admissions",
    "earlier_ae_attendances",
    "efi_category",
    *CONDITIONS,
    "care_home",
    "prior_appointments",
)


def columns_for(covariates: tuple[str, ...]) -> list[str]:
    """The table's columns a definition's covariate names stand for, in table order."""
    wanted = set(covariates)
    out = []
    for column in COLUMNS:
        name = "ethnicity" if column.startswith("ethnicity_") else column
        if name in wanted:
            out.append(column)
    return out


def windows(people: pd.DataFrame, prior_months: int) -> pd.DataFrame:
    """patient_id, index_date plus the start of the prior and earlier periods (exclusive)."""
    unique = pd.Series(pd.unique(people["index_date"]))
    prior = {d: add_months(d, -prior_months) for d in unique}
    earlier = {d: add_months(d, -2 * prior_months) for d in unique}
    return pd.DataFrame(
        {
            "patient_id": people["patient_id"].astype(str).to_numpy(),
            "index_date": people["index_date"].to_numpy(),
            "prior_start": people["index_date"].map(prior).to_numpy(),
            "earlier_start": people["index_date"].map(earlier).to_numpy(),
        }
    )


def _efi_parts(con: ibis.BaseBackend, rows: ir.Table, ids: ir.Table) -> ir.Table:
    """patient_id, index_date, coded_deficits, repeat_medicines on each row's index date."""
    codelist = load_codelist()
    index = {name: k for k, name in enumerate(codelist.deficits)}
    codes = ibis.memtable(
        {
            "snomed_code": [code for code, _ in codelist.pairs],
            "deficit": [index[name] for _, name in codelist.pairs],
        }
    )
    e = con.table("events").semi_join(ids, "patient_id")
    named = e.inner_join(codes, "snomed_code")
    first = named.group_by(["patient_id", "deficit"]).aggregate(first=named.date.min())
    got = rows.inner_join(first, "patient_id")
    got = got.filter(got.first <= got.index_date)
    coded = got.group_by(["patient_id", "index_date"]).aggregate(
        coded_deficits=got.deficit.nunique()
    )
    m = con.table("medications")
    m = m.filter(m.repeat).semi_join(ids, "patient_id")
    spans = m.group_by(["patient_id", "dmd_code"]).aggregate(
        first=m.date.min(), latest=m.date.max()
    )
    cur = rows.inner_join(spans, "patient_id")
    cur = cur.filter(
        (cur.first <= cur.index_date)
        & (cur.latest >= cur.index_date - ibis.interval(days=REPEAT_CURRENT_DAYS))
    )
    repeats = cur.group_by(["patient_id", "index_date"]).aggregate(
        repeat_medicines=cur.dmd_code.nunique()
    )
    return coded.outer_join(repeats, ["patient_id", "index_date"]).select(
        patient_id=ibis.coalesce(coded.patient_id, repeats.patient_id),
        index_date=ibis.coalesce(coded.index_date, repeats.index_date),
        coded_deficits=coded.coded_deficits,
        repeat_medicines=repeats.repeat_medicines,
    )


def covariate_table(con: ibis.BaseBackend, people: pd.DataFrame, prior_months: int) -> pd.DataFrame:
    """One row per (patient_id, index_date) of `people`: `eligible_registration` (registered
    and alive on the index date and registered since the prior period began) and COLUMNS."""
    if people.empty:
        return pd.DataFrame(columns=["patient_id", "index_date", "eligible", *COLUMNS])
    rows = ibis.memtable(windows(people, prior_months))
    ids = rows.select("patient_id").distinct()

    p = con.table("patients").semi_join(ids, "patient_id")
    base = rows.inner_join(p, "patient_id")
    day, birth = base.index_date, base.birth_month
    age = day.year() - birth.year() - (birth.month() > day.month()).ifelse(1, 0)
    eligible = (
        (base.registration_date <= base.prior_start)
        & (base.deregistration_date.isnull() | (base.deregistration_date > day))
        & (base.death_date.isnull() | (base.death_date > day))
    )
    base = base.select(
        "patient_id",
        "index_date",
        "prior_start",
        "earlier_start",
        eligible=eligible,
        age=age.cast("int64"),
        male=(base.sex == "M").ifelse(1, 0),
        imd_decile=base.imd_decile,
        ethnicity=base.ethnicity_group,
        care_home=base.care_home_code.notnull().ifelse(1, 0),
    )

    h = con.table("hospital_activity").semi_join(ids, "patient_id")
    hj = rows.inner_join(h, "patient_id")
    hj = hj.filter((hj.start_date > hj.earlier_start) & (hj.start_date <= hj.index_date))
    recent = hj.start_date > hj.prior_start

    def count(kind: str, when: ir.BooleanValue) -> ir.IntegerValue:
        return ((hj.kind == kind) & when).ifelse(1, 0).sum()

    hospital = hj.group_by(["patient_id", "index_date"]).aggregate(
        prior_emergency_admissions=count("emergency_admission", recent),
        prior_ae_attendances=count("ae", recent),
        prior_elective_admissions=count("elective_admission", recent),
        prior_emergency_bed_days=((hj.kind == "emergency_admission") & recent)
        .ifelse(hj.los_days.fill_null(0), 0)
        .sum(),
        earlier_emergency_admissions=count("emergency_admission", ~recent),
        earlier_ae_attendances=count("ae", ~recent),
    )

    conditions = {code: name for name, (_, codes) in CONDITIONS.items() for code in codes}
    e = con.table("events").semi_join(ids, "patient_id")
    e = e.filter(e.snomed_code.isin(list(conditions)))
    codes = ibis.memtable({"snomed_code": list(conditions), "condition": list(conditions.values())})
    named = e.inner_join(codes, "snomed_code")
    firsts = named.group_by(["patient_id", "condition"]).aggregate(first=named.date.min())
    cj = rows.inner_join(firsts, "patient_id")
    cj = cj.filter(cj.first <= cj.index_date)
    ltc = cj.group_by(["patient_id", "index_date"]).aggregate(
        **{name: (cj.condition == name).ifelse(1, 0).max() for name in CONDITIONS}
    )

    a = con.table("appointments")
    a = a.filter(a.status == "attended").semi_join(ids, "patient_id")
    a = a.group_by(["patient_id", "date"]).aggregate(n=a.patient_id.count())
    aj = rows.inner_join(a, "patient_id")
    aj = aj.filter((aj.date > aj.prior_start) & (aj.date <= aj.index_date))
    appts = aj.group_by(["patient_id", "index_date"]).aggregate(prior_appointments=aj.n.sum())

    joined = base
    for part in (hospital, _efi_parts(con, rows, ids), ltc, appts):
        joined = joined.left_join(part, ["patient_id", "index_date"]).select(
            joined, *[c for c in part.columns if c not in ("patient_id", "index_date")]
        )
    frame = con.to_pyarrow(joined).to_pandas()
    return _finish(frame)


def _finish(frame: pd.DataFrame) -> pd.DataFrame:
    """Nulls (no record) to 0, eFI category from the deficit count, ethnicity to columns."""
    frame["index_date"] = pd.to_datetime(frame["index_date"]).dt.date
    counts = [
        "prior_emergency_admissions",
        "prior_ae_attendances",
        "prior_elective_admissions",
        "prior_emergency_bed_days",
        "earlier_emergency_admissions",
        "earlier_ae_attendances",
        "prior_appointments",
        "coded_deficits",
        "repeat_medicines",
        *CONDITIONS,
    ]
    for column in counts:
        frame[column] = pd.to_numeric(frame[column]).fillna(0).astype("float64")
    deficits = frame["coded_deficits"] + (frame["repeat_medicines"] >= POLYPHARMACY_MIN)
    hundredths = deficits * 100
    cuts = [cut * DEFICITS for cut in CUTS_PERCENT]
    frame["efi_category"] = (
        (hundredths > cuts[0]).astype(int)
        + (hundredths > cuts[1]).astype(int)
        + (hundredths > cuts[2]).astype(int)
    ).astype("float64")
    imd = pd.to_numeric(frame["imd_decile"]).astype("float64")
    frame["imd_decile"] = imd.fillna(imd.median() if imd.notna().any() else 5.5)
    for group in ETHNIC_GROUPS:
        frame[f"ethnicity_{group.lower()}"] = (frame["ethnicity"] == group).astype("float64")
    for column in ("age", "male", "care_home"):
        frame[column] = pd.to_numeric(frame[column]).astype("float64")
    frame["eligible"] = frame["eligible"].astype(bool)
    keep = ["patient_id", "index_date", "eligible", *COLUMNS]
    return frame[keep].sort_values(["patient_id", "index_date"]).reset_index(drop=True)
