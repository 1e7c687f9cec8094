"""QOF's published registers (the qof_prevalence table): per practice, for an ICS, and England.

England is the sum over every practice of the year with a published register: the published
national prevalence is computed the same way (register total over list total).
"""

from __future__ import annotations

import datetime as dt

import ibis
import pandas as pd

from openpcn.config import DEFAULT_DATE
from openpcn.orgs import ics_view
from openpcn.orgs.dates import as_date
from openpcn.orgs.hierarchy import IcsView
from openpcn.quality.ratings import ics_practices

PCNS_BEGAN = dt.date(2019, 7, 1)
"""PCNs began on 1 July 2019 (Network Contract DES): a QOF year ending earlier is grouped by the
PCNs as they first were."""

PRACTICE_COLUMNS = ["practice_code", "practice_name", "pcn_code", "pcn_name"]


def ics_practice_frame(
    con: ibis.BaseBackend, ics: str, day: dt.date, year: str | None = None
) -> tuple[IcsView, pd.DataFrame]:
    """The ICS's practices with their PCN: the core members on `day` (or on 1 July 2019 for an
    earlier day; where the data holds no membership yet on that date, on the date of the shipped
    ePCN extract, `DEFAULT_DATE`), plus practices QOF places in the ICS's commissioners in `year`
    that were no longer members (merged or closed: kept in the ICS, with no PCN)."""
    view = ics_view(con, ics, max(day, PCNS_BEGAN))
    if view.members.empty and as_date(DEFAULT_DATE) > view.date:
        view = ics_view(con, ics, DEFAULT_DATE)
    members = ics_practices(view)
    frame = pd.DataFrame(
        {
            "practice_code": members["practice_code"],
            "practice_name": [view.practice_name(c) for c in members["practice_code"]],
            "pcn_code": members["pcn_code"],
            "pcn_name": [None if p is None else view.pcn_name(p) for p in members["pcn_code"]],
        }
    )
    if year is not None and "qof_practices" in con.list_tables():
        t = con.table("qof_practices")
        qof = con.execute(
            t.filter((t.year == year) & t.ccg_code.isin(list(view.footprint.commissioners))).select(
                "practice_code", "practice_name"
            )
        )
        extra = qof[~qof["practice_code"].isin(frame["practice_code"])]
        frame = pd.concat(
            [frame, extra.assign(pcn_code=None, pcn_name=None)[PRACTICE_COLUMNS]],
            ignore_index=True,
        )
    return view, frame.sort_values("practice_code").reset_index(drop=True)


def published_rows(
    con: ibis.BaseBackend, year: str, practices: list[str] | None = None
) -> pd.DataFrame:
    """practice_code, group_code, register, list_type, list_size of a QOF year (all practices
    when `practices` is None)."""
    t = con.table("qof_prevalence")
    rows = t.filter(t.year == year)
    if practices is not None:
        rows = rows.filter(t.practice_code.isin(practices or ["-"]))
    return con.execute(
        rows.select("practice_code", "group_code", "register", "list_type", "list_size")
    )


def england_totals(con: ibis.BaseBackend, year: str) -> pd.DataFrame:
    """group_code -> register, list_size, practices: sums over practices with a register."""
    t = con.table("qof_prevalence")
    valued = t.filter((t.year == year) & t.register.notnull() & t.list_size.notnull())
    frame = con.execute(
        valued.group_by("group_code").aggregate(
            register=valued.register.sum(),
            list_size=valued.list_size.sum(),
            practices=valued.practice_code.nunique(),
        )
    )
    return frame.set_index("group_code")


def group_names(con: ibis.BaseBackend, year: str) -> dict[str, tuple[str, str]]:
    """{group code: (description, list type)} from the qof_groups table, when it has the year."""
    if "qof_groups" not in con.list_tables():
        return {}
    t = con.table("qof_groups")
    frame = con.execute(t.filter(t.year == year).select("group_code", "description", "list_type"))
    return {r.group_code: (r.description, r.list_type) for r in frame.itertuples()}


CVD02_SOURCE = (
    "IIF CVD-02 (NCD015) is the percentage of registered patients on the QOF hypertension "
    "register, used by CQRS for prevalence adjustment (NHS Digital, NHSDigital/ncdes, "
    "ncdes/utils/adhoc_fix/remove_problem_indicators.py, commit 2df1d2d4); expected = QOF's "
    "published hypertension prevalence of the same practices"
)


def expected_hypertension(
    con: ibis.BaseBackend, practices: list[str], day: dt.date
) -> dict[str, object] | None:
    """The published QOF hypertension prevalence of these practices in the latest QOF year
    ended on or before `day` (registers over lists of the practices QOF publishes), or None
    where QOF publishes none: the expected register CVD-02's recorded one is set against."""
    t = con.table("qof_prevalence")
    rows = con.execute(
        t.filter(
            (t.group_code == "HYP")
            & t.practice_code.isin(practices or ["-"])
            & t.register.notnull()
            & t.list_size.notnull()
        ).select("year", "practice_code", "register", "list_size")
    )
    ended = sorted(y for y in set(rows["year"]) if dt.date(int(y[:4]) + 1, 3, 31) <= day)
    if not ended:
        return None
    year = ended[-1]
    own = rows[rows["year"] == year]
    register, size = int(own["register"].sum()), int(own["list_size"].sum())
    if size <= 0:
        return None
    return {
        "year": year,
        "practices": int(own["practice_code"].nunique()),
        "published_register": register,
        "published_list_size": size,
        "published_pct": 100.0 * register / size,
        "source": CVD02_SOURCE,
    }
