"""CQC ratings in force on a date, per practice of an ICS, counted for the ICS and each PCN.

Where a rating carries its publication date (CQC's own ratings file), the rating in force on a
date is exact: the latest published on or before the date. The shipped data (HEEC) has only the
year a rating was issued, so for those rows the rule (documented in docs/quality.md) is: a rating
issued in year Y is taken as in force on any date in a later year; on a date within Y itself it
may or may not be in force yet, so the rating issued before Y is used and the practice is listed
under `uncertain` rather than guessed. Practices with no rating in force are `not_rated`; those
among them with a rating issued after the date are listed under `rated_later`, because the shipped
extract holds mostly one (the current) rating per practice, so what was in force on the date is
not in the data.

The practices are the core members of the ICS's PCNs on the date, as `openpcn orgs summary`
counts them; on a date before any membership, the practices the ICS commissioned (and a note).
"""

from __future__ import annotations

from typing import Any

import ibis
import pandas as pd

from openpcn.orgs import ics_view
from openpcn.orgs.dates import DateLike, as_date
from openpcn.orgs.hierarchy import IcsView

RATING_KEYS: tuple[str, ...] = (
    "outstanding",
    "good",
    "requires_improvement",
    "inadequate",
    "not_rated",
)

CAVEAT = (
    "Ratings with a publication date are in force from that day. Ratings that carry only the "
    "year they were issued (the shipped data) may not yet have been in force on a date in that "
    "same year, so the rating issued before that year is counted and the practices concerned "
    "are listed as uncertain. The shipped data holds mostly each practice's current rating "
    "only: practices counted not_rated but rated after the date are listed as rated_later, "
    "because what was in force for them on the date is not known."
)

NO_MEMBERS = "no practice is a core member of one of this ICS's PCNs on the date"
BEFORE_PCNS = (
    "no practice is a core member of one of this ICS's PCNs on the date (PCNs began on "
    "1 July 2019): the practices the ICS commissioned on the date are counted instead"
)


def rating_key(rating: object) -> str:
    """'Requires improvement' -> 'requires_improvement'; missing or unknown -> 'not_rated'."""
    if rating is None or (isinstance(rating, float) and rating != rating):
        return "not_rated"
    key = str(rating).strip().lower().replace(" ", "_")
    return key if key in RATING_KEYS else "not_rated"


def ics_practices(view: IcsView) -> pd.DataFrame:
    """The ICS's practices on the date: practice_code, pcn_code, registered_patients.

    The core members of the ICS's PCNs on the date, with the list size nearest the date. A
    practice wrongly in two PCNs keeps the membership started last (`orgs check` reports it).
    On a date before the ICS had any PCN members (PCNs began on 1 July 2019) the practices it
    commissioned are used instead, with no PCN (`pcn_code` None), so a 2019-05-31 report still
    has its practices.
    """
    cols = ["practice_code", "pcn_code", "registered_patients"]
    if view.members.empty:
        frame = view.commissioned.assign(pcn_code=None)[cols].copy()
        frame["practice_code"] = frame["practice_code"].astype(str)
        frame["registered_patients"] = pd.to_numeric(frame["registered_patients"]).astype(float)
        return frame.sort_values("practice_code").reset_index(drop=True)
    members = view.members.sort_values(["practice_code", "start_date"])
    frame = members.drop_duplicates("practice_code", keep="last")[cols].copy()
    frame["practice_code"] = frame["practice_code"].astype(str)
    frame["pcn_code"] = frame["pcn_code"].astype(str)
    frame["registered_patients"] = pd.to_numeric(frame["registered_patients"]).astype(float)
    return frame.sort_values("practice_code").reset_index(drop=True)


def practice_ratings(con: ibis.BaseBackend, codes: list[str], date: DateLike) -> pd.DataFrame:
    """Per practice code: rating key in force, its year, and whether a newer one is uncertain.

    A row with a publication date is in force from that day; a year-only row from the year
    after it was issued, and it makes the date's own year uncertain. The warehouse holds at most
    one rating per practice and year, so the latest year in force decides.
    """
    day = as_date(date)
    year = day.year
    t = con.table("cqc_ratings")
    wanted = ["practice_code", "rating", "rating_year"]
    if "rating_date" in t.columns:  # absent in a warehouse built before the column existed
        wanted.append("rating_date")
    found = con.execute(t.filter(t.practice_code.isin(codes or ["-"])).select(*wanted))
    if "rating_date" not in found:
        found["rating_date"] = None
    dated = found["rating_date"].notna()
    published, stamp = pd.to_datetime(found["rating_date"]), pd.Timestamp(day)
    in_force = (dated & (published <= stamp)) | (~dated & (found["rating_year"] < year))
    later = (dated & (published > stamp)) | (~dated & (found["rating_year"] > year))
    unsure = ~dated & (found["rating_year"] == year)
    found = found.assign(_in_force=in_force, _later=later, _unsure=unsure)
    rows = []
    for code in codes:
        own = found[found["practice_code"] == code]
        before = own[own["_in_force"]].sort_values("rating_year")
        rows.append(
            {
                "practice_code": code,
                "rating": rating_key(before["rating"].iloc[-1]) if len(before) else "not_rated",
                "rating_year": int(before["rating_year"].iloc[-1]) if len(before) else None,
                "uncertain": bool(own["_unsure"].any()),
                "rated_later": bool(own["_later"].any()),
            }
        )
    columns = ["practice_code", "rating", "rating_year", "uncertain", "rated_later"]
    return pd.DataFrame(rows, columns=columns)


def _counts(ratings: pd.Series) -> dict[str, int]:
    return {key: int((ratings == key).sum()) for key in RATING_KEYS}


def _note(view: IcsView, practices: int) -> dict[str, str]:
    if not practices:
        return {"note": NO_MEMBERS}
    return {"note": BEFORE_PCNS} if view.members.empty else {}


def ratings_on(con: ibis.BaseBackend, ics: str, date: DateLike) -> dict[str, Any]:
    """Counts of CQC ratings in force on the date for the ICS's practices and for each PCN."""
    return ratings_for(con, ics_view(con, ics, date))


def ratings_for(con: ibis.BaseBackend, view: IcsView) -> dict[str, Any]:
    """`ratings_on` for an IcsView already gathered (the summary shares one)."""
    day = view.date
    practices = ics_practices(view)
    rated = practices.merge(
        practice_ratings(con, list(practices["practice_code"]), day), on="practice_code"
    )
    pcns = []
    for pcn in view.pcns.itertuples():
        own = rated[rated["pcn_code"] == pcn.pcn_code]
        pcns.append(
            {
                "pcn_code": str(pcn.pcn_code),
                "name": str(pcn.name),
                "practices": len(own),
                **_counts(own["rating"]),
            }
        )
    return {
        "date": day.isoformat(),
        "practices": len(rated),
        **_counts(rated["rating"]),
        "uncertain": sorted(rated.loc[rated["uncertain"], "practice_code"]),
        "rated_later": sorted(
            rated.loc[(rated["rating"] == "not_rated") & rated["rated_later"], "practice_code"]
        ),
        "rule": "latest rating published on or before the date; for year-only ratings, the latest "
        "issued in a year before the date's year",
        "caveat": CAVEAT,
        **_note(view, len(rated)),
        "pcns": pcns,
    }
