"""Every figure, table and chart of the ICS report, gathered from the capabilities' functions.

The report never computes a figure itself: counts and sizes come from `openpcn.orgs`
(`summary`, `pcn_table`, `check`, `ics_geojson`), CQC and survey figures from
`openpcn.quality` (`quality_summary`, `variation`). This module only picks them out, names them
(`section.key`, the name the rendered `<data data-figure=...>` carries) and records where each
table came from. Sections are a registry (`SECTIONS`) so later capabilities add theirs; a section
whose function returns None (capability not present) is left out of the report.
"""

from __future__ import annotations

import contextvars
import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ibis

from openpcn import orgs
from openpcn.orgs.dates import DateLike, as_date
from openpcn.orgs.geo import ics_geojson
from openpcn.orgs.hierarchy import shared_views
from openpcn.quality.charts import funnel_spec, ratings_spec
from openpcn.quality.summary import quality_summary
from openpcn.quality.variation import variation
from openpcn.reports import charts

SectionData = dict[str, Any]
SectionBuilder = Callable[[ibis.BaseBackend, str, DateLike], SectionData | None]

RATINGS = ("outstanding", "good", "requires_improvement", "inadequate", "not_rated")
RATING_LABELS = {
    "outstanding": "Outstanding",
    "good": "Good",
    "requires_improvement": "Requires improvement",
    "inadequate": "Inadequate",
    "not_rated": "Not rated",
}


# Results shared between the sections of one report build (e.g. the quality summary feeds both
# the CQC and the survey section), so each underlying function runs once per report.
_SHARED: contextvars.ContextVar[dict[tuple[Any, ...], Any] | None] = contextvars.ContextVar(
    "report_shared", default=None
)


def shared(key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
    """compute() once per report build and key; outside a build, every time."""
    memo = _SHARED.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def _quality(con: ibis.BaseBackend, ics: str, date: DateLike) -> dict[str, Any]:
    return shared(("quality_summary", ics, str(date)), lambda: quality_summary(con, ics, date))


@dataclass(frozen=True)
class Section:
    """One section of the report: `build(con, ics, date)` returns its data, or None when the
    capability it reports on is not present (the section is then left out)."""

    key: str
    title: str
    build: SectionBuilder


class Figures:
    """The named figures of one section: `add("practices", 81)` files it as
    `practices_networks.practices` with a display format (int, patients, pct, text)."""

    def __init__(self, section: str) -> None:
        self.section = section
        self.items: dict[str, dict[str, Any]] = {}

    def add(self, key: str, value: Any, fmt: str = "int", label: str | None = None) -> str:
        name = f"{self.section}.{key}"
        self.items[name] = {"value": value, "format": fmt, "label": label}
        return name


# ---------------------------------------------------------------- practices and networks
def practices_networks(con: ibis.BaseBackend, ics: str, date: DateLike) -> SectionData:
    """Counts, registered population, smallest and largest PCN, map, the size-band check and
    the other formation rules, all from `openpcn.orgs`."""
    summary = orgs.summary(con, ics, date)
    table = orgs.pcn_table(con, ics, date)
    report = orgs.check(con, ics, date).as_dict()
    geojson = ics_geojson(con, ics, date)
    day = summary["date"]
    f = Figures("practices_networks")
    for key in (
        "practices",
        "pcns",
        "pcns_in_band",
        "pcns_below_band",
        "pcns_above_band",
        "pcns_with_exception",
        "commissioned_practices",
        "commissioned_practices_in_pcns",
    ):
        f.add(key, summary[key])
    f.add("registered_patients", summary["registered_patients"], "patients")
    f.add("band_min", summary["band"][0], "patients")
    f.add("band_max", summary["band"][1], "patients")
    f.add("pcn_size_median", summary["pcn_size_median"], "patients")
    for end in ("pcn_size_min", "pcn_size_max"):
        size = summary[end]
        f.add(f"{end}.name", size["name"] if size else None, "text")
        f.add(f"{end}.patients", size["patients"] if size else None, "patients")
    for row in table:
        f.add(f"pcn.{row['pcn_code']}.practices", row["practices"])
        f.add(f"pcn.{row['pcn_code']}.registered_patients", row["registered_patients"], "patients")
    rules = report["rules"]
    band_rule = next((r for r in rules if r["rule"] == "size_band"), None)
    reasons = {x["code"]: x for x in band_rule["findings"]} if band_rule else {}
    outside = [row for row in table if row["band_position"] != "in"]
    for row in outside:
        reason = reasons.get(row["pcn_code"], {}).get("reason")
        f.add(f"pcn.{row['pcn_code']}.reason", reason, "text")
    for rule in rules:
        f.add(f"rule.{rule['rule']}.status", rule["status"], "text")
        f.add(f"rule.{rule['rule']}.summary", rule["summary"], "text")
    lists = "; ".join(
        f"{s['source'] or 'no list'} (as of {s['as_of'] or 'n/a'}, {s['practices']} practices)"
        for s in summary["list_source"]
    )
    membership = _membership_sources(con, [str(r["pcn_code"]) for r in table], date)
    return {
        "summary": summary,
        "pcn_table": table,
        "outside_band": outside,
        "band_rule": band_rule,
        "other_rules": [r for r in rules if r["rule"] != "size_band"],
        "check_status": report["status"],
        "figures": f.items,
        "charts": [
            {
                "key": "map",
                "title": f"Practices and PCN areas, {_long(day)}",
                "alt": (
                    f"Map of the {summary['practices']} member practices of {summary['pcns']} "
                    "PCNs, each dot coloured by its PCN, over the area nearer to each PCN's "
                    "practices than to any other's"
                ),
                "spec": charts.map_spec(geojson),
                "note": geojson["properties"].get("method"),
                "source": f"ODS epraccur practice sites; memberships: {membership}",
                "date": day,
            },
            {
                "key": "sizes",
                "title": f"Registered patients per PCN, {_long(day)}",
                "alt": (
                    "Bar chart of each PCN's registered patients with the band from "
                    f"{summary['band'][0]:,.0f} to {summary['band'][1]:,.0f} marked"
                ),
                "spec": charts.size_spec(table, summary["band"]),
                "source": f"{lists}; memberships: {membership}",
                "date": day,
            },
        ],
        "sources": {
            "pcn_table": {"source": f"memberships: {membership}; lists: {lists}", "date": day},
            "band": {"source": summary["band_source"], "date": day},
            "rules": {"source": "openpcn orgs check (memberships, lists, ODS sites)", "date": day},
        },
    }


def _long(iso: str) -> str:
    day = as_date(iso)
    return f"{day.day} {day:%B %Y}"


def _membership_sources(con: ibis.BaseBackend, pcn_codes: list[str], date: DateLike) -> str:
    """Which published files the memberships of these PCNs on the date come from."""
    on = orgs.memberships_on(con, date)
    frame = con.execute(on.filter(on.pcn_code.isin(pcn_codes or ["-"])).select("source").distinct())
    return ", ".join(sorted(str(s) for s in frame["source"])) or "none"


# ---------------------------------------------------------------- CQC
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
                "title": f"CQC ratings in force by PCN, {_long(day)}",
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


# ---------------------------------------------------------------- GP Patient Survey
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


# ---------------------------------------------------------------- later capabilities
def capability_section(package: str) -> SectionBuilder:
    """The section of a later capability: `openpcn.<package>.report.report_section(con, ics,
    date)` once that module exists; None (section absent) until then."""

    def build(con: ibis.BaseBackend, ics: str, date: DateLike) -> SectionData | None:
        name = f"openpcn.{package}.report"
        try:
            found = importlib.util.find_spec(name)
        except ModuleNotFoundError:
            found = None
        if found is None:
            return None
        return importlib.import_module(name).report_section(con, ics, date)

    return build


SECTIONS: list[Section] = [
    Section("practices_networks", "Practices and networks", practices_networks),
    Section("cqc", "Care Quality Commission ratings", cqc),
    Section("gpps", "GP Patient Survey", gpps),
    Section("funding_workforce", "Funding and workforce", capability_section("funding")),
    Section("case_finding", "Case-finding", capability_section("cohorts")),
    Section("formation", "Formation", capability_section("formation")),
    Section("evaluation", "Evaluation", capability_section("evaluation")),
]


def ics_report_data(
    con: ibis.BaseBackend,
    ics: str,
    date: DateLike,
    sections: list[Section] | None = None,
) -> dict[str, Any]:
    """The whole report as one JSON-ready dict: the ICS, the date, and each present section
    with its figures (`figures`: {"section.key": {"value", "format", "label"}}), tables,
    charts (Vega-Lite specs) and sources."""
    day = as_date(date)
    footprint = orgs.resolve_ics(con, ics).as_dict()
    present = []
    token = _SHARED.set({})
    try:
        with shared_views():  # the ICS view is gathered once, not once per capability call
            for section in SECTIONS if sections is None else sections:
                data = section.build(con, footprint["code"], day)
                if data is not None:
                    present.append({"key": section.key, "title": section.title} | data)
    finally:
        _SHARED.reset(token)
    figures = {k: v for s in present for k, v in s.get("figures", {}).items()}
    return {
        "title": f"Practices and networks of {footprint['name']}",
        "ics": footprint,
        "date": day.isoformat(),
        "sections": present,
        "figures": figures,
        "provenance": [
            {"section": s["key"], "table": name} | source
            for s in present
            for name, source in s.get("sources", {}).items()
        ],
    }
