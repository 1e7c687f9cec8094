"""What the quality pages and API answer: `openpcn.quality` results, cached per app, and a
PCN's or practice's quality put together from them.

Quality data is published at practice level, so it is public to every signed-in role: no
disclosure control and no audit. A pcn_manager or practice_user may open the quality of their
own PCN and practice only, with the organisation pages' scope rules.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
import pandas as pd
from fastapi import Request

from openpcn.config import DEFAULT_ICS
from openpcn.exceptions import NotFoundError
from openpcn.figures import long_date
from openpcn.quality.ratings import RATING_KEYS, practice_ratings
from openpcn.quality.summary import quality_summary
from openpcn.quality.variation import variation
from openpcn.web.kit.access import Ask, ics_code, open_pcn, open_practice
from openpcn.web.kit.cache import Cache
from openpcn.web.routes.quality.models import PracticeMeasure
from openpcn.web.routes.quality.params import Asked

cached = Cache("quality", size=512)


def summary_for(request: Request, ics: str, day: dt.date) -> dict[str, Any]:
    code = ics_code(ics)
    return cached.query(
        request, ("summary", code, day), lambda con: quality_summary(con, code, day)
    )


def variation_for(request: Request, asked: Asked) -> dict[str, Any]:
    code, day, measure, by = ics_code(asked.ics), asked.date, asked.measure, asked.by
    key = ("variation", code, day, measure, by)
    return cached.query(request, key, lambda con: variation(con, code, day, measure, by))


def ratings_for(request: Request, codes: list[str], day: dt.date) -> list[dict[str, Any]]:
    """practice_ratings as plain dicts (years as int or None)."""

    def compute(con: ibis.BaseBackend) -> list[dict[str, Any]]:
        frame = practice_ratings(con, codes, day)
        return [
            {
                "practice_code": str(r.practice_code),
                "rating": str(r.rating),
                "rating_year": None if pd.isna(r.rating_year) else int(r.rating_year),
                "uncertain": bool(r.uncertain),
                "rated_later": bool(r.rated_later),
            }
            for r in frame.itertuples()
        ]

    return cached.query(request, ("ratings", tuple(codes), day), compute)


def _ics_of(detail: dict[str, Any]) -> str:
    return str(detail["commissioner"]["code"] or DEFAULT_ICS)


def _summary_or_none(request: Request, ics: str, day: dt.date) -> dict[str, Any] | None:
    """The ICS summary, or None when the organisation's commissioner is not an ICS we know."""
    try:
        return summary_for(request, ics, day)
    except NotFoundError:
        return None


def pcn_quality(ask: Ask, code: str, day: dt.date) -> dict[str, Any]:
    """A PCN's quality: ratings of its member practices, its survey values against the ICS's
    and England's, and where it sits among the ICS's PCNs."""
    request = ask.request
    detail = open_pcn(ask, code, day)  # 404, then 403 out of scope
    ics = _ics_of(detail)
    members = detail["members"]
    ratings = ratings_for(request, [m["practice_code"] for m in members], day)
    names = {m["practice_code"]: m["name"] for m in members}
    practices = [r | {"name": names.get(r["practice_code"])} for r in ratings]
    counts = {key: sum(r["rating"] == key for r in ratings) for key in RATING_KEYS}
    summary = _summary_or_none(request, ics, day)
    gpps = []
    own = None
    if summary is not None:
        own = next((p for p in summary["pcns"] if p["pcn_code"] == detail["code"]), None)
        for measure, whole in sorted(summary["gpps"].items()):
            mine = (own or {}).get("gpps", {}).get(measure)
            result = variation_for(request, Asked(ics, measure, "pcn", day))
            unit = next((u for u in result["units"] if u["code"] == detail["code"]), None)
            gpps.append(
                {
                    "measure": measure,
                    "label": result["label"],
                    "year": whole["year"],
                    "value_pct": mine["value_pct"] if mine else None,
                    "ics_pct": whole["value_pct"],
                    "england_pct": whole.get("england_pct"),
                    "weighting": mine["weighting"] if mine else None,
                    "practices": mine["practices"] if mine else 0,
                    "min_pct": mine["min_pct"] if mine else None,
                    "max_pct": mine["max_pct"] if mine else None,
                    "flag": unit["flag"] if unit else None,
                    "flag_level": unit["flag_level"] if unit else None,
                    "method": result["method"],
                }
            )
    caveat = summary["cqc"]["caveat"] if summary else ""
    return {
        "kind": "pcn",
        "code": detail["code"],
        "name": detail["name"],
        "date": day.isoformat(),
        "ics": ics,
        "cqc": {"practices": len(ratings), **counts},
        "practices": practices,
        "gpps": gpps,
        "caveat": caveat,
    }


NO_SURVEY = "no GP Patient Survey results for the practices of {ics} on {date}"
NOT_A_MEMBER = (
    "the practice is not a core member of a PCN on this date, so it is not among the ICS's "
    "practices the survey variation is computed over"
)


def practice_quality(ask: Ask, code: str, day: dt.date) -> dict[str, Any]:
    """A practice's quality: its rating in force, its survey values with intervals and flags."""
    request = ask.request
    detail = open_practice(ask, code, day)
    ics = _ics_of(detail)
    rating = ratings_for(request, [detail["code"]], day)[0] | {"name": detail["name"]}
    summary = _summary_or_none(request, ics, day)
    gpps = []
    note = None
    measures = sorted(summary["gpps"]) if summary else []
    for measure in measures:
        result = variation_for(request, Asked(ics, measure, "practice", day))
        unit = next((u for u in result["units"] if u["code"] == detail["code"]), None)
        if unit is None:
            note = NOT_A_MEMBER
            continue
        gpps.append(
            {
                "measure": measure,
                "label": result["label"],
                "year": result["year"],
                "ics_pct": result["target_pct"],
                "england_pct": result["england_pct"],
                "method": result["method"],
                **{k: unit[k] for k in PracticeMeasure.model_fields if k in unit},
            }
        )
    if not measures:
        note = NO_SURVEY.format(ics=ics, date=long_date(day.isoformat()))
    pcn = detail["pcn"]
    return {
        "kind": "practice",
        "code": detail["code"],
        "name": detail["name"],
        "date": day.isoformat(),
        "ics": ics,
        "pcn_code": pcn["code"] if pcn else None,
        "cqc": rating,
        "gpps": gpps,
        "note": note,
    }
