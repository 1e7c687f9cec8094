"""`openpcn quality summary`: CQC ratings in force and GP Patient Survey headlines for an ICS.

GPPS values are per practice for a survey year; the ICS and each PCN get the weighted mean of
their practices (`stats.aggregate`: by responses, else by list size on the date, and the result
says which). The survey used is the latest year on or before the date's year. England values come
from data/rules/gpps_england.toml with their source. Percentages are on 0-100.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from typing import Any

import ibis
import pandas as pd

from openpcn.orgs import ics_view
from openpcn.orgs.dates import DateLike
from openpcn.quality.ratings import ics_practices, ratings_for
from openpcn.quality.stats import aggregate


def england_values() -> dict[tuple[int, str], dict[str, Any]]:
    """{(year, measure): {"value_pct", "source"}} from the shipped England file."""
    text = resources.files("openpcn.data").joinpath("rules", "gpps_england.toml").read_text("utf-8")
    return {
        (int(row["year"]), str(row["measure"])): {
            "value_pct": float(row["value_pct"]),
            "source": str(row["source"]),
        }
        for row in tomllib.loads(text)["england"]
    }


def survey_rows(con: ibis.BaseBackend, codes: list[str], year: int) -> pd.DataFrame:
    """GPPS rows of these practices from the latest survey year on or before `year`."""
    t = con.table("gpps")
    own = t.filter(t.practice_code.isin(codes or ["-"]) & (t.year <= year))
    frame = con.execute(own.select("practice_code", "year", "measure", "value_pct", "responses"))
    if frame.empty:
        return frame
    return frame[frame["year"] == frame["year"].max()].reset_index(drop=True)


def _measure(rows: pd.DataFrame, england: dict[str, Any] | None) -> dict[str, Any]:
    """One measure over a set of practices: weighted value, weighting, count, min and max."""
    valued = rows[rows["value_pct"].notna()]
    result: dict[str, Any] = {
        "value_pct": None,
        "weighting": None,
        "practices": len(valued),
        "min_pct": float(valued["value_pct"].min()) if len(valued) else None,
        "max_pct": float(valued["value_pct"].max()) if len(valued) else None,
    }
    if len(valued):
        try:
            agg = aggregate(rows, "value_pct", "responses", "registered_patients")
        except ValueError:
            result["note"] = "no responses or list sizes to weight by"
        else:
            result |= {"value_pct": agg.value, "weighting": agg.weighting}
    if england is not None:
        result["england_pct"] = england["value_pct"]
    return result


def _measures(
    rows: pd.DataFrame, england: dict[tuple[int, str], dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    out = {}
    for measure in sorted(rows["measure"].unique()) if len(rows) else []:
        own = rows[rows["measure"] == measure]
        year = int(own["year"].iloc[0])
        out[str(measure)] = {"year": year} | _measure(own, england.get((year, str(measure))))
    return out


def quality_summary(con: ibis.BaseBackend, ics: str, date: DateLike) -> dict[str, Any]:
    """CQC counts and GPPS measures for the ICS on the date, and the same for each PCN."""
    view = ics_view(con, ics, date)
    practices = ics_practices(view)
    cqc = ratings_for(con, view)
    england = england_values()
    survey = survey_rows(con, list(practices["practice_code"]), view.date.year)
    rows = survey.merge(practices, on="practice_code", how="left")
    rows["responses"] = pd.to_numeric(rows["responses"]).astype(float)
    sources = {(year, measure): value["source"] for (year, measure), value in england.items()}
    pcns = []
    for pcn in cqc.pop("pcns"):
        own = rows[rows["pcn_code"] == pcn["pcn_code"]]
        pcns.append(
            {
                "pcn_code": pcn["pcn_code"],
                "name": pcn["name"],
                "cqc": {k: v for k, v in pcn.items() if k not in ("pcn_code", "name")},
                "gpps": _measures(own, england),
            }
        )
    gpps = _measures(rows, england)
    for measure, value in gpps.items():
        source = sources.get((value["year"], measure))
        if source:
            value["england_source"] = source
    return {
        "ics": view.footprint.as_dict(),
        "date": view.date.isoformat(),
        "cqc": cqc,
        "gpps": gpps,
        "pcns": pcns,
    }
