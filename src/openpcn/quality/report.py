"""The ICS report's "Care Quality Commission ratings" and "GP Patient Survey" sections.

Both read one `quality_summary` per report (shared between the two sections); the survey section
adds each measure's `variation` between practices. This module only picks the figures out and
names them (`cqc.key`, `gpps.measure.key`).
"""

from __future__ import annotations

from typing import Any

import ibis

from openpcn.figures import Audience, Figures, Section, SectionData, long_date, shared
from openpcn.orgs.dates import DateLike
from openpcn.quality.charts import RATING_LABELS, funnel_spec, ratings_spec
from openpcn.quality.summary import quality_summary
from openpcn.quality.variation import variation

RATINGS = tuple(RATING_LABELS)


def _quality(con: ibis.BaseBackend, ics: str, date: DateLike) -> dict[str, Any]:
    return shared(("quality_summary", ics, str(date)), lambda: quality_summary(con, ics, date))


def cqc(con: ibis.BaseBackend, ics: str, date: DateLike) -> SectionData:
    """CQC ratings in force on the date, for the ICS and per PCN, with the data's caveat."""
    quality = _quality(con, ics, date)
    counts = quality["cqc"]
    f = Figures("cqc")
    f.add("practices", counts.get("practices", 0))
    for rating in RATINGS:
        f.add(rating, counts.get(rating, 0), label=RATING_LABELS[rating])
    f.add("uncertain", len(counts.get("uncertain", [])))
    f.add("rated_later", len(counts.get("rated_later", [])))
    for pcn in quality["pcns"]:
        for rating in (*RATINGS, "practices"):
            f.add(f"pcn.{pcn['pcn_code']}.{rating}", pcn["cqc"].get(rating, 0))
    source = _cqc_sources(con)
    day = quality["date"]
    chart = ratings_spec(quality)
    return {
        "counts": counts,
        "ratings": [{"key": r, "label": RATING_LABELS[r]} for r in RATINGS],
        "pcns": quality["pcns"],
        "caveat": counts.get("caveat"),
        "rule": counts.get("rule"),
        "note": counts.get("note"),
        "figures": f.items,
        "charts": [
            {
                "key": "ratings",
                "title": f"CQC ratings in force by PCN, {long_date(day)}",
                "alt": "Stacked bar chart of the number of practices in each PCN by CQC rating",
                "spec": chart,
                "source": source,
                "date": day,
            }
        ]
        if chart
        else [],
        "sources": {"ratings": {"source": source, "date": day}},
    }


def _cqc_sources(con: ibis.BaseBackend) -> str:
    t = con.table("cqc_ratings")
    frame = con.execute(t.select("source").distinct())
    return ", ".join(sorted(str(s) for s in frame["source"])) or "no CQC ratings imported"


def gpps(con: ibis.BaseBackend, ics: str, date: DateLike) -> SectionData:
    """Each survey measure: ICS against England, practices, range, and the variation between
    practices (flagged high and low, the method, the funnel chart)."""
    quality = _quality(con, ics, date)
    day = quality["date"]
    f = Figures("gpps")
    measures = []
    # The summary's measures are `available_measures(con, ics, date)` (the same survey rows of
    # the same practices); reading them here saves a second pass over the hierarchy.
    for measure in sorted(quality["gpps"]):
        headline = quality["gpps"].get(measure, {})
        result = variation(con, ics, date, measure)
        prefix = measure
        f.add(f"{prefix}.year", result["year"], "year")
        f.add(f"{prefix}.value_pct", headline.get("value_pct"), "pct")
        f.add(f"{prefix}.england_pct", headline.get("england_pct"), "pct")
        f.add(f"{prefix}.practices", headline.get("practices"))
        f.add(f"{prefix}.min_pct", headline.get("min_pct"), "pct")
        f.add(f"{prefix}.max_pct", headline.get("max_pct"), "pct")
        f.add(f"{prefix}.flagged_high", len(result["flagged"]["high"]))
        f.add(f"{prefix}.flagged_low", len(result["flagged"]["low"]))
        f.add(f"{prefix}.suppressed", len(result["suppressed"]))
        by_code = {u["code"]: u for u in result["units"]}
        flagged = []
        for side in ("high", "low"):
            for code in result["flagged"][side]:
                unit = by_code[code]
                f.add(f"{prefix}.unit.{code}.value_pct", unit["value_pct"], "pct")
                flagged.append(unit | {"side": side})
        chart = funnel_spec(result)
        source = result["source"]
        measures.append(
            {
                "measure": measure,
                "label": result["label"],
                "question": result["question"],
                "year": result["year"],
                "weighting": headline.get("weighting"),
                "england_source": headline.get("england_source"),
                "method": result["method"],
                "method_note": result["method_note"],
                "flagged": flagged,
                "source": source,
                "charts": [
                    {
                        "key": f"funnel_{measure}",
                        "title": f"{result['label']}: practices against the ICS value",
                        "alt": (
                            f"Funnel plot of each practice's {result['label'].lower()} against "
                            "the ICS value with 95% and 99.8% limits"
                        ),
                        "spec": chart,
                        "source": f"{source} (survey year {result['year']})",
                        "date": day,
                    }
                ]
                if chart
                else [],
            }
        )
    return {
        "measures": measures,
        "figures": f.items,
        "charts": [c for m in measures for c in m["charts"]],
        "sources": {
            m["measure"]: {"source": f"{m['source']} (survey year {m['year']})", "date": day}
            for m in measures
        },
    }


CQC = Section("cqc", "Care Quality Commission ratings", cqc, Audience.EVERYONE)
GPPS = Section("gpps", "GP Patient Survey", gpps, Audience.EVERYONE)
