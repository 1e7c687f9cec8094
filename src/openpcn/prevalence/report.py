"""The ICS report's "Disease prevalence" section: QOF's published registers of the latest QOF
year ended on or before the report's date, the ICS against England, the change from the year
before, PCN ranges and the practices outside the funnel limits, with the hypertension funnel.

Published practice-level data, so every audience sees it (as the prevalence page). This module
only picks the figures out of `prevalence_summary` and names them (`prevalence.GROUP.key`).
"""

from __future__ import annotations

from typing import Any

import ibis

from openpcn.figures import Audience, Figures, Section, SectionData
from openpcn.orgs.dates import DateLike, as_date
from openpcn.prevalence.charts import funnel_spec
from openpcn.prevalence.groups import year_end
from openpcn.prevalence.summary import prevalence_summary

CHARTED = "HYP"  # the one funnel the report draws: the register CVD-02 and case-finding use


def report_year(con: ibis.BaseBackend, date: DateLike) -> str | None:
    """The latest QOF year with published registers whose 31 March is on or before the date."""
    t = con.table("qof_prevalence")
    years = con.execute(t.select("year").distinct())["year"].astype(str)
    day = as_date(date)
    ended = sorted(y for y in years if year_end(y) <= day)
    return ended[-1] if ended else None


def prevalence(con: ibis.BaseBackend, ics: str, date: DateLike) -> SectionData | None:
    """Per condition: ICS and England prevalence, change, PCN range, practices outside the
    limits; None (the section is left out) when no QOF year has ended with data by the date."""
    year = report_year(con, date)
    if year is None:
        return None
    summary = prevalence_summary(con, ics, year)
    if not summary["conditions"]:
        return None
    f = Figures("prevalence")
    rows: list[dict[str, Any]] = []
    for c in summary["conditions"]:
        key = c["condition"]
        ics_value, england = c["ics"], c["england"]
        pcns = [p["prevalence_pct"] for p in c["pcns"] if p["prevalence_pct"] is not None]
        high = [p for p in c["practices"] if p["flag"] == "high" and p["flag_level"] == 0.998]
        low = [p for p in c["practices"] if p["flag"] == "low" and p["flag_level"] == 0.998]
        f.add(f"{key}.ics_pct", ics_value["prevalence_pct"], "pct")
        f.add(f"{key}.england_pct", england["prevalence_pct"], "pct")
        f.add(f"{key}.change_pct_points", ics_value["change_pct_points"], "decimal")
        f.add(f"{key}.pcn_min_pct", min(pcns) if pcns else None, "pct")
        f.add(f"{key}.pcn_max_pct", max(pcns) if pcns else None, "pct")
        f.add(f"{key}.practices_high", len(high))
        f.add(f"{key}.practices_low", len(low))
        rows.append(
            {
                "condition": key,
                "description": c["description"],
                "list_type": c["list_type"],
                "vs_england": ics_value["vs_england"],
            }
        )
    day = as_date(date).isoformat()  # the report's date; the registers are at the year's end
    source = (
        f"NHS Digital, Quality and Outcomes Framework {year}: prevalence, registers at "
        f"{summary['date']} (qof_prevalence)"
    )
    charted = next((c for c in summary["conditions"] if c["condition"] == CHARTED), None)
    charts = []
    if charted is not None:
        charts.append(
            {
                "key": f"prevalence_{CHARTED}",
                "title": f"{charted['description']}: practices against the ICS value, QOF {year}",
                "alt": (
                    f"Funnel plot of each practice's {charted['description'].lower()} "
                    "prevalence against its list size, with 95% and 99.8% limits"
                ),
                "spec": funnel_spec(charted, summary["ics"]["name"], year),
                "source": source,
                "date": day,
            }
        )
    return {
        "year": year,
        "previous_year": summary["previous_year"],
        "conditions": rows,
        "method": summary["method"],
        "figures": f.items,
        "charts": charts,
        "sources": {"qof_prevalence": {"source": source, "date": day}},
    }


SECTION = Section("prevalence", "Disease prevalence", prevalence, Audience.EVERYONE)
