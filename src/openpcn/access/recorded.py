"""Appointments recorded in the patient records, counted per month, practice and category in the
database (no patient-level row leaves it) and mapped onto the publication's categories."""

from __future__ import annotations

import datetime as dt

import ibis
import pandas as pd

from openpcn.access.categories import categories
from openpcn.access.months import next_month


def recorded_counts(
    con: ibis.BaseBackend, codes: list[str], first: dt.date, last: dt.date
) -> pd.DataFrame:
    """Counts per month, practice, status, hcp_type and mode from `appointments` in
    [first, last]; cancelled appointments are left out (the publication has no such status)."""
    a = con.table("appointments")
    own = a.filter(
        a.practice_code.isin(codes or ["-"]) & (a.date >= first) & (a.date < next_month(last))
    )
    grouped = own.group_by(
        month=own.date.truncate("M"),
        practice_code=own.practice_code,
        mode=own["mode"],
        staff_role=own.staff_role,
        status=own.status,
    ).aggregate(count=own.count())
    frame = con.execute(grouped)
    mapping = categories().recorded
    frame["month"] = pd.to_datetime(frame["month"]).dt.date
    frame["mode"] = frame["mode"].map(mapping["mode"]).fillna("unknown")
    frame["hcp_type"] = frame.pop("staff_role").map(mapping["staff_role"]).fillna("unknown")
    frame["status"] = frame["status"].map(mapping["status"]).fillna("unknown")
    frame["count"] = frame["count"].astype("int64")
    return frame[frame["status"] != ""].reset_index(drop=True)
