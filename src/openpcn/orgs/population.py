"""Who is registered: counts by age band and sex from the patient-level warehouse table.

A patient counts on a date when registered by then (registration_date <= date), not yet
deregistered (deregistration_date null or after the date) and alive (death_date null or after
the date). Age is whole years on the date from the birth month's first day. The result always
has every band for both sexes (zeros included), so charts and disclosure see the same grid.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from openpcn.orgs.dates import DateLike, as_date
from openpcn.orgs.hierarchy import members_of

BAND_YEARS = 5
TOP_AGE = 90  # 90 and over share one band
AGE_BANDS: tuple[str, ...] = (
    *(f"{low}-{low + BAND_YEARS - 1}" for low in range(0, TOP_AGE, BAND_YEARS)),
    f"{TOP_AGE}+",
)
SEXES = ("F", "M")


def registered_on(con: ibis.BaseBackend, date: DateLike) -> ir.Table:
    """Patients registered and alive on the date, with `age` in whole years."""
    day = as_date(date)
    p = con.table("patients")
    alive = p.death_date.isnull() | (p.death_date > day)
    registered = (p.registration_date <= day) & (
        p.deregistration_date.isnull() | (p.deregistration_date > day)
    )
    kept = p.filter(alive & registered & (p.birth_month <= day))
    before_birthday = (kept.birth_month.month() > day.month).ifelse(1, 0)
    return kept.mutate(age=day.year - kept.birth_month.year() - before_birthday)


def pyramid(
    con: ibis.BaseBackend,
    *,
    pcn_code: str | None = None,
    practice_code: str | None = None,
    date: DateLike,
) -> list[dict[str, object]]:
    """Rows {age_band, sex, patients} for a PCN's member practices, a practice, or everyone.

    Bands run youngest first, F before M within a band. Sexes other than F and M are not
    shown (the warehouse holds only F and M).
    """
    day = as_date(date)
    t = registered_on(con, day)
    if pcn_code is not None:
        t = t.filter(t.practice_code.isin(members_of(con, pcn_code, day) or ["-"]))
    if practice_code is not None:
        t = t.filter(t.practice_code == practice_code)
    band = ibis.least(t.age // BAND_YEARS, len(AGE_BANDS) - 1).cast("int64")
    counted = con.execute(
        t.mutate(band=band).group_by(["band", "sex"]).aggregate(patients=ibis._.count())
    )
    found = {
        (int(r.band), str(r.sex)): int(r.patients)
        for r in counted.itertuples()
        if str(r.sex) in SEXES
    }
    return [
        {"age_band": label, "sex": sex, "patients": found.get((i, sex), 0)}
        for i, label in enumerate(AGE_BANDS)
        for sex in SEXES
    ]
