"""Which list size counts for a practice on a date, when several sources publish one.

Rule: for each practice, take the practice_lists row whose as_of is nearest the date, before or
after it; on a tie in distance the earlier as_of wins (it was known on the date); on the same
as_of from two sources, the source whose name sorts first wins, so the choice is deterministic.
The chosen as_of and source travel with the number so every total can say where it came from.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from openpcn.orgs.dates import as_date, iso


def lists_on(con: ibis.BaseBackend, date: dt.date | str) -> ir.Table:
    """One row per practice: the list nearest the date, with days_from_date (as_of - date)."""
    day = as_date(date)
    t = con.table("practice_lists")
    t = t.mutate(days_from_date=t.as_of.delta(ibis.date(day), unit="day"))
    t = t.mutate(_distance=t.days_from_date.abs())
    order = [t._distance, t.as_of, t.source]
    ranked = t.mutate(_rank=ibis.row_number().over(group_by=t.practice_code, order_by=order))
    return ranked.filter(ranked._rank == 0).drop("_rank", "_distance")


def list_history(con: ibis.BaseBackend, practice_code: str) -> list[dict[str, object]]:
    """Every practice_lists row of one practice, oldest first, for `show`."""
    t = con.table("practice_lists")
    frame = con.execute(t.filter(t.practice_code == practice_code).order_by(["as_of", "source"]))
    return [
        {
            "as_of": iso(row.as_of),
            "source": str(row.source),
            "registered_patients": float(row.registered_patients),
            "weighted_patients": _float(row.weighted_patients),
        }
        for row in frame.itertuples()
    ]


def _float(value: object) -> float | None:
    """A nullable number as float or None (NaN/NA become None for JSON)."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if number != number else number
