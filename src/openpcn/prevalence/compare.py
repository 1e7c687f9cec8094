"""`openpcn prevalence compare`: registers recorded in the records against QOF's publication.

The data-quality check an ICS runs on a newly loaded extract: for each practice and condition,
the prevalence recorded on the QOF year's end date against the published one. The recorded value
is placed on a funnel around the published prevalence with the recorded denominator: outside the
99.8% limits is a `flag` (about 3 standard errors: under- or over-recording, or a different
register rule), outside only the 95% limits a `warning`.
"""

from __future__ import annotations

from typing import Any

import ibis
import pandas as pd

from openpcn.prevalence.groups import load_groups, parse_year, year_end
from openpcn.prevalence.published import ics_practice_frame, published_rows
from openpcn.prevalence.records import pct, recorded_registers
from openpcn.prevalence.summary import funnel

STATUSES = ("flag", "warning", "ok", "not_published", "no_records")


def status_of(flag_label: str | None, level: float | None) -> str:
    """'flag' outside the 99.8% limits, 'warning' outside only the 95% limits, else 'ok'."""
    if flag_label is None or flag_label == "within":
        return "ok"
    return "flag" if level == 0.998 else "warning"


def compare_frames(
    recorded: pd.DataFrame, published: pd.DataFrame, practices: pd.DataFrame
) -> list[dict[str, Any]]:
    """One row per practice and condition present in either frame, in group then practice order."""
    rec = recorded.rename(
        columns={"condition": "group_code", "register": "rec_reg", "list_size": "rec_list"}
    )
    pub = published.rename(columns={"register": "pub_reg", "list_size": "pub_list"})
    both = rec.merge(pub, on=["practice_code", "group_code"], how="outer")
    both = both.merge(practices[["practice_code", "pcn_code"]], on="practice_code", how="left")
    order = {code: i for i, code in enumerate(load_groups())}
    both["_order"] = both["group_code"].map(order).fillna(len(order))
    both = both.sort_values(["_order", "group_code", "practice_code"])
    rows = []
    for r in both.itertuples():
        recorded_pct = pct(r.rec_reg, r.rec_list)
        published_pct = pct(r.pub_reg, r.pub_list)
        row: dict[str, Any] = {
            "practice_code": r.practice_code,
            "pcn_code": None if pd.isna(r.pcn_code) else r.pcn_code,
            "condition": r.group_code,
            "recorded_register": None if pd.isna(r.rec_reg) else int(r.rec_reg),
            "recorded_list_size": None if pd.isna(r.rec_list) else int(r.rec_list),
            "recorded_pct": recorded_pct,
            "published_register": None if pd.isna(r.pub_reg) else int(r.pub_reg),
            "published_list_size": None if pd.isna(r.pub_list) else int(r.pub_list),
            "published_pct": published_pct,
            "difference_pct_points": None
            if recorded_pct is None or published_pct is None
            else recorded_pct - published_pct,
        }
        if published_pct is None:
            row |= {"flag": None, "flag_level": None, "status": "not_published"}
        elif recorded_pct is None:
            row |= {"flag": None, "flag_level": None, "status": "no_records"}
        else:
            row |= funnel(recorded_pct, row["recorded_list_size"], published_pct)
            row["status"] = status_of(row["flag"], row["flag_level"])
        rows.append(row)
    return rows


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Conditions, practices compared, flags and warnings per condition, ICS recorded vs published
    (registers over lists, over the practice-conditions with both)."""
    frame = pd.DataFrame(rows)
    compared = frame[frame["status"].isin(["flag", "warning", "ok"])] if len(frame) else frame
    per: dict[str, Any] = {}
    for code in dict.fromkeys(frame["condition"]) if len(frame) else []:
        own = compared[compared["condition"] == code]
        rec_reg, rec_list = own["recorded_register"].sum(), own["recorded_list_size"].sum()
        pub_reg, pub_list = own["published_register"].sum(), own["published_list_size"].sum()
        recorded_pct, published_pct = pct(rec_reg, rec_list), pct(pub_reg, pub_list)
        per[str(code)] = {
            "practices": len(own),
            "flags_low": int(((own["status"] == "flag") & (own["flag"] == "low")).sum()),
            "flags_high": int(((own["status"] == "flag") & (own["flag"] == "high")).sum()),
            "warnings": int((own["status"] == "warning").sum()),
            "recorded_register": int(rec_reg),
            "recorded_list_size": int(rec_list),
            "recorded_pct": recorded_pct,
            "published_register": int(pub_reg),
            "published_list_size": int(pub_list),
            "published_pct": published_pct,
            "difference_pct_points": None
            if recorded_pct is None or published_pct is None
            else recorded_pct - published_pct,
        }
    return {
        "conditions": len(per),
        "practices_compared": int(compared["practice_code"].nunique()) if len(compared) else 0,
        "flags": int((compared["status"] == "flag").sum()) if len(compared) else 0,
        "warnings": int((compared["status"] == "warning").sum()) if len(compared) else 0,
        "by_condition": per,
    }


def prevalence_compare(con: ibis.BaseBackend, ics: str, year: str) -> dict[str, Any]:
    """Recorded (on the year's end date) against published registers for the ICS's practices."""
    year = parse_year(year)
    day = year_end(year)
    view, practices = ics_practice_frame(con, ics, day, year)
    codes = list(practices["practice_code"])
    groups = load_groups()
    recorded = recorded_registers(con, day, codes, groups)
    published = published_rows(con, year, codes)
    published = published[published["group_code"].isin(list(groups))]
    rows = compare_frames(recorded, published, practices)
    return {
        "ics": view.footprint.as_dict(),
        "year": year,
        "date": day.isoformat(),
        "summary": summarise(rows),
        "practices": rows,
        "method": (
            "recorded prevalence = register / list size on the year's end date (docs/prevalence.md:"
            " a code on or before the date, QOF's list-type ages); flagged where outside the 99.8%"
            " funnel limits around the published prevalence for the recorded list size, a warning"
            " where outside only the 95% limits"
        ),
    }
