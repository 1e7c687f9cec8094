"""The funding figures of the ICS report's "Funding and workforce" section.

The section itself is built in `openpcn.workforce.report` (workforce reads funding, never the
other way). The financial year is the one containing the report's date; a date outside the
years the rules cover leaves the section out.
"""

from __future__ import annotations

from typing import Any

import ibis

from openpcn.figures import Figures
from openpcn.funding.charts import STREAM_LABELS, streams_spec
from openpcn.funding.entitlements import entitlements
from openpcn.funding.rules import financial_years, rules_for
from openpcn.orgs.dates import DateLike, as_date

STREAMS = tuple(STREAM_LABELS)


def year_of(date: DateLike) -> str | None:
    """The financial year ("2019/20") whose rules cover the date, or None."""
    day = as_date(date)
    for year in financial_years():
        rules = rules_for(year)
        if rules.start <= day <= rules.end:
            return year
    return None


def ics_totals(rows: list[dict[str, Any]]) -> dict[str, float]:
    """Each stream (and the total) summed over the ICS's PCNs, to the penny."""
    return {key: round(sum(float(r[key]) for r in rows), 2) for key in (*STREAMS, "total")}


def funding_figures(
    con: ibis.BaseBackend, ics: str, date: DateLike, f: Figures
) -> dict[str, Any] | None:
    """The funding half of the report's "Funding and workforce" section: files each PCN's
    entitlements for the date's financial year in `f` and returns the year, the PCNs, the
    unconfirmed streams, the chart and the source; None (section left out) for a date no year's
    rules cover or an ICS without PCNs."""
    year = year_of(date)
    if year is None:
        return None
    rows = entitlements(con, year, ics=ics)
    if not rows:
        return None
    day = as_date(date)
    rules = rules_for(year)
    totals = ics_totals(rows)
    f.add("year", year, "text")
    f.add("pcns", len(rows))
    for key in (*STREAMS, "total"):
        f.add(f"ics.{key}", totals[key], "gbp", label=STREAM_LABELS.get(key, "Total"))
    for row in rows:
        f.add(f"pcn.{row['pcn_code']}.total", row["total"], "gbp")
        f.add(f"pcn.{row['pcn_code']}.arrs_sum", row["arrs_sum"], "gbp")
    unconfirmed = sorted(
        {STREAM_LABELS.get(k, k) for r in rows for k in r["unconfirmed"] if k in STREAM_LABELS}
    )
    source = f"Network Contract DES rules {year} ({rules.source_file}); list sizes as of " + (
        ", ".join(sorted({str(r["list_as_of"]) for r in rows}))
    )
    return {
        "year": year,
        "pcns": [{"pcn_code": r["pcn_code"], "name": r["name"]} for r in rows],
        "unconfirmed": unconfirmed,
        "chart": {
            "key": "funding",
            "title": f"What each PCN is owed in {year}, by stream",
            "alt": f"Stacked bars of the {len(rows)} PCNs' entitlements by funding stream",
            "spec": streams_spec(rows, title=f"Entitlements {year}", width=640),
            "source": source,
            "date": day.isoformat(),
        },
        "source": {"source": source, "date": day.isoformat()},
    }
