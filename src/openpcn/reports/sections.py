"""The ICS report's sections in order, and the report's data built from them.

Each capability builds its own section (`openpcn.<capability>.report`); this list is the one
place that says which sections the report has and in what order. A new capability adds its
`Section` here. A section whose builder returns None (nothing to report on the date) is left out;
so is a section the viewer may not see (its `audience`), and the report lists those in
`left_out` so that it says what is missing and why.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import ibis

from openpcn.cohorts import report as cohorts_report
from openpcn.figures import EVERY_AUDIENCE, Audience, Section, one_report
from openpcn.orgs import report as orgs_report
from openpcn.orgs.dates import DateLike, as_date
from openpcn.orgs.hierarchy import resolve_ics, shared_views
from openpcn.prevalence import report as prevalence_report
from openpcn.progress import part, report
from openpcn.quality import report as quality_report
from openpcn.workforce import report as workforce_report

SECTIONS: list[Section] = [
    orgs_report.SECTION,
    quality_report.CQC,
    quality_report.GPPS,
    prevalence_report.SECTION,
    workforce_report.SECTION,
    cohorts_report.SECTION,
]


def ics_report_data(
    con: ibis.BaseBackend,
    ics: str,
    date: DateLike,
    sections: list[Section] | None = None,
    *,
    audiences: Collection[Audience] = EVERY_AUDIENCE,
) -> dict[str, Any]:
    """The whole report as one JSON-ready dict: the ICS, the date, and each present section
    with its figures (`figures`: {"section.key": {"value", "format", "label"}}), tables,
    charts (Vega-Lite specs) and sources. Only the sections whose audience is in `audiences`
    (the viewer's) are built; the others are named in `left_out` with what they need. The
    default, every audience, is the operator's full report."""
    day = as_date(date)
    footprint = resolve_ics(con, ics).as_dict()
    wanted = SECTIONS if sections is None else sections
    shown = [s for s in wanted if s.audience in audiences]
    present = []
    # the ICS view is gathered once, not once per capability call; shared results likewise
    with one_report(), shared_views():
        for index, section in enumerate(shown):
            report(f"Section: {section.title}", index, len(shown))
            with part(index, len(shown)):
                data = section.build(con, footprint["code"], day)
            if data is not None:
                present.append({"key": section.key, "title": section.title} | data)
    figures = {k: v for s in present for k, v in s.get("figures", {}).items()}
    return {
        "title": f"Practices and networks of {footprint['name']}",
        "ics": footprint,
        "date": day.isoformat(),
        "sections": present,
        "left_out": [
            {"key": s.key, "title": s.title, "needs": s.audience.needs}
            for s in wanted
            if s.audience not in audiences
        ],
        "figures": figures,
        "provenance": [
            {"section": s["key"], "table": name} | source
            for s in present
            for name, source in s.get("sources", {}).items()
        ],
    }
