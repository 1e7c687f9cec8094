"""The ICS report's "Practices and networks" section: counts, sizes, the map and the rule checks.

Every figure comes from this capability's functions (`summary`, `pcn_table`, `check`,
`ics_geojson`); this module only picks them out, names them (`practices_networks.key`, the name
the rendered `<data data-figure=...>` carries) and records where each table came from.
"""

from __future__ import annotations

import ibis

from openpcn.figures import Audience, Figures, Section, SectionData, long_date
from openpcn.orgs.charts import map_spec, size_spec
from openpcn.orgs.dates import DateLike
from openpcn.orgs.geo import ics_geojson
from openpcn.orgs.hierarchy import memberships_on
from openpcn.orgs.rules import check
from openpcn.orgs.summary import pcn_table, summary

COUNTS = (
    "practices",
    "pcns",
    "pcns_in_band",
    "pcns_below_band",
    "pcns_above_band",
    "pcns_with_exception",
    "commissioned_practices",
    "commissioned_practices_in_pcns",
)


def practices_networks(con: ibis.BaseBackend, ics: str, date: DateLike) -> SectionData:
    """Counts, registered population, smallest and largest PCN, map, the size-band check and
    the other formation rules."""
    ics_summary = summary(con, ics, date)
    table = pcn_table(con, ics, date)
    report = check(con, ics, date).as_dict()
    geojson = ics_geojson(con, ics, date)
    day = ics_summary["date"]
    band = ics_summary["band"]
    f = Figures("practices_networks")
    for key in COUNTS:
        f.add(key, ics_summary[key])
    f.add("registered_patients", ics_summary["registered_patients"], "patients")
    f.add("band_min", band[0], "patients")
    f.add("band_max", band[1], "patients")
    f.add("pcn_size_median", ics_summary["pcn_size_median"], "patients")
    for end in ("pcn_size_min", "pcn_size_max"):
        size = ics_summary[end]
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
        for s in ics_summary["list_source"]
    )
    membership = _membership_sources(con, [str(r["pcn_code"]) for r in table], date)
    return {
        "summary": ics_summary,
        "pcn_table": table,
        "outside_band": outside,
        "band_rule": band_rule,
        "other_rules": [r for r in rules if r["rule"] != "size_band"],
        "check_status": report["status"],
        "figures": f.items,
        "charts": [
            {
                "key": "map",
                "title": f"Practices and PCN areas, {long_date(day)}",
                "alt": (
                    f"Map of the {ics_summary['practices']} member practices of "
                    f"{ics_summary['pcns']} PCNs, each dot coloured by its PCN, over the area "
                    "nearer to each PCN's practices than to any other's"
                ),
                "spec": map_spec(geojson),
                "note": geojson["properties"].get("method"),
                "source": f"ODS epraccur practice sites; memberships: {membership}",
                "date": day,
            },
            {
                "key": "sizes",
                "title": f"Registered patients per PCN, {long_date(day)}",
                "alt": (
                    "Bar chart of each PCN's registered patients with the band from "
                    f"{band[0]:,.0f} to {band[1]:,.0f} marked"
                ),
                "spec": size_spec(table, band),
                "source": f"{lists}; memberships: {membership}",
                "date": day,
            },
        ],
        "sources": {
            "pcn_table": {"source": f"memberships: {membership}; lists: {lists}", "date": day},
            "band": {"source": ics_summary["band_source"], "date": day},
            "rules": {"source": "openpcn orgs check (memberships, lists, ODS sites)", "date": day},
        },
    }


def _membership_sources(con: ibis.BaseBackend, pcn_codes: list[str], date: DateLike) -> str:
    """Which published files the memberships of these PCNs on the date come from."""
    on = memberships_on(con, date)
    frame = con.execute(on.filter(on.pcn_code.isin(pcn_codes or ["-"])).select("source").distinct())
    return ", ".join(sorted(str(s) for s in frame["source"])) or "none"


SECTION = Section(
    "practices_networks", "Practices and networks", practices_networks, Audience.EVERYONE
)
