"""The ICS report's "Case-finding" section, from the cohorts capability: counts, never patients.

The report lists this section in `openpcn.reports.sections`. Everyone who may open the report
may see it, so every count is disclosure-controlled (`disclosed(summary(...))`: 1-7 hidden, the
rest rounded to 5, rates recomputed from the shown counts; the FIT indicator's status judged on
the exact counts, see `openpcn.cohorts.thresholds`; CVD-02 has none, it is not a target). An
ICS total is the exact total over its PCNs disclosed once: summing the shown PCN counts would
leave out every hidden one. A date cohorts cannot be found on, or nobody registered in the
ICS's PCNs on the date (no patient-level data), leaves the section out.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis

from openpcn.cohorts.charts import efi_spec
from openpcn.cohorts.compile import registered
from openpcn.cohorts.definitions import SPECS, cohort_date, load_definitions
from openpcn.cohorts.disclosure import REDACT_AT_MOST, ROUND_TO, disclose
from openpcn.cohorts.efi import CATEGORIES
from openpcn.cohorts.indicators import fit_indicator
from openpcn.cohorts.summary import (
    disclosed,
    disclosed_rate,
    judged_rate,
    rate,
    summary,
)
from openpcn.cohorts.thresholds import SUPPRESSED, SUPPRESSED_NOTE, UNKNOWN, Bands
from openpcn.exceptions import InputError
from openpcn.figures import FONT, Audience, Figures, Section, SectionData, shared
from openpcn.orgs.dates import DateLike
from openpcn.orgs.hierarchy import resolve_ics

RATE_KEYS = ("numerator", "denominator", "pct", "ci_lower_pct", "ci_upper_pct")
INDICATORS = {"can01": "can01_fit_share", "cvd02": "cvd02_hypertension_register"}
WITH_STATUS = ("can01",)  # CVD-02 is a prevalence for adjustment, not judged against a target
SOURCE = (
    "the warehouse's patient-level tables (synthetic in the default data), counted by the cohort "
    "definitions shipped in openpcn/data/cohorts (openpcn cohorts list; docs/cohorts.md); "
    f"disclosure-controlled: counts of 1 to {REDACT_AT_MOST} hidden, others rounded to the "
    f"nearest {ROUND_TO}"
)


def ics_totals(raw: dict[str, Any]) -> dict[str, Any]:
    """The ICS totals of a raw `summary`, each disclosed once: {spec: {cohort: n}}, "efi":
    {category: n}, "registered": n, and the FIT indicator's rate and status (judged on the exact
    totals) and CVD-02's rate for the whole ICS. A cohort the summary did not count (None, see its
    "not_counted") has None as its total."""
    pcns = sorted(raw["indicators"]["registered"])

    def total(counts: dict[str, dict[str, int | None]], key: str) -> int | None:
        values = [counts.get(code, {}).get(key, 0) for code in pcns]
        # a cohort the summary could not count (None) has no total either
        return None if None in values else sum(int(n) for n in values if n is not None)

    out: dict[str, Any] = {
        spec: {cohort: total(raw[spec], cohort) for cohort in next(iter(raw[spec].values()), {})}
        for spec in SPECS
    }
    out["efi"] = {category: total(raw["efi"], category) for category in CATEGORIES}
    registered = sum(int(n) for n in raw["indicators"]["registered"].values())
    cancer = out["early_cancer"]
    fit = fit_indicator(raw["year"])
    with_fit = cancer.get(fit.numerator, 0)
    without_fit = cancer.get(fit.rest, 0)
    referrals = None if with_fit is None or without_fit is None else with_fit + without_fit
    register = out["cvd"].get("cvd-02-hypertension-register", 0)
    shown: dict[str, Any] = {
        spec: {cohort: disclose(n) for cohort, n in out[spec].items()} for spec in SPECS
    }
    shown["efi"] = {category: disclose(n) for category, n in out["efi"].items()}
    shown["registered"] = disclose(registered)
    # As `disclosed` does for each PCN: the rate is recomputed from the disclosed counts, the
    # status judged on the exact ones.
    bands = fit.bands
    shown["can01"] = disclosed_rate(bands, judged_rate(bands, with_fit, referrals))
    shown["cvd02"] = rate(disclose(register), disclose(registered))
    return shown


def case_finding(con: ibis.BaseBackend, ics: str, date: DateLike) -> SectionData | None:
    """Disclosed cohort counts per spec and PCN with ICS totals, eFI categories, CAN-01, CVD-02."""
    try:
        day = cohort_date(date)
    except InputError:
        return None
    if not registered_people(con, ics, day):
        return None
    raw = shared(("cohorts_summary", ics, str(date)), lambda: summary(con, ics, day))
    codes = sorted(raw["indicators"]["registered"])
    if not codes:
        return None
    shown = disclosed(raw)
    totals = ics_totals(raw)
    names = _pcn_names(con, codes)
    definitions = load_definitions(year=raw["year"])
    indicators = shown["indicators"]
    not_counted = {str(k): str(v) for k, v in raw.get("not_counted", {}).items()}

    f = Figures("case_finding")
    f.add("pcns", len(codes))
    # each PCN's registered count is CVD-02's denominator (`cvd02.pcn.<code>.denominator`)
    f.add("ics.registered", totals["registered"], label="Registered patients (ICS)")
    specs = []
    for spec, title in SPECS.items():
        cohorts = [
            {"id": d.id, "title": d.title, "not_counted": not_counted.get(d.id)}
            for d in definitions.values()
            if d.spec == spec
        ]
        for cohort in cohorts:
            key = cohort["id"]
            f.add(f"ics.{key}", totals[spec].get(key, 0), label=cohort["title"])
            for code in codes:
                f.add(f"pcn.{code}.{key}", shown[spec][code].get(key, 0))
        specs.append({"spec": spec, "title": title, "cohorts": cohorts})
    for category in CATEGORIES:
        f.add(f"efi.ics.{category}", totals["efi"][category], label=f"eFI {category} (ICS)")
        for code in codes:
            f.add(f"efi.pcn.{code}.{category}", _efi(shown, code)[category])
    can01 = indicators["can01_fit_share"]
    fit_bands = fit_indicator(raw["year"]).bands
    f.add("can01.lower_pct", can01["thresholds"]["lower_pct"], "pct")
    f.add("can01.upper_pct", can01["thresholds"]["upper_pct"], "pct")
    cvd02 = indicators["cvd02_hypertension_register"]
    for short, name in INDICATORS.items():
        _add_rate(f, f"{short}.ics", totals[short])
        for code in codes:
            _add_rate(f, f"{short}.pcn.{code}", indicators[name]["pcns"][code])

    day_iso = day.isoformat()
    pcns = [{"pcn_code": code, "name": names.get(code, code)} for code in codes]
    efi_rows = [
        {"code": code, "name": names.get(code, code), "efi": _efi(shown, code)} for code in codes
    ]
    source = f"{SOURCE}; people as the records stood on the date"
    return {
        "pcns": pcns,
        "specs": specs,
        "categories": list(CATEGORIES),
        "can01_about": can01["about"],
        "cvd02_about": cvd02["about"],
        "can01_code": can01["indicator"],
        "year": raw["year"],
        "year_note": raw["year_note"],
        "can01_source": can01["source"],
        "thresholds_confirmed": can01["thresholds"]["confirmed"],
        # how each status reads (the figures hold the status names, judged on exact counts)
        "status_labels": {"can01": {name: fit_bands.label(name) for name in _statuses(fit_bands)}},
        "status_note": SUPPRESSED_NOTE,
        "suppressed": {
            short: any(
                name.startswith(f"case_finding.{short}.")
                and name.endswith(".status")
                and item["value"] == SUPPRESSED
                for name, item in f.items.items()
            )
            for short in WITH_STATUS
        },
        "hidden_at_most": REDACT_AT_MOST,
        "round_to": ROUND_TO,
        "figures": f.items,
        "charts": [
            {
                "key": "efi",
                "title": "People aged 65 and over by electronic Frailty Index category, by PCN",
                "alt": (
                    f"Stacked bars of people aged 65 and over in each of the {len(codes)} PCNs "
                    "by eFI category (fit, mild, moderate, severe); hidden counts of 1 to "
                    f"{REDACT_AT_MOST} are drawn as nothing"
                ),
                "spec": efi_spec(efi_rows, title="People aged 65+ by eFI category", width=560)
                # the report's chart font, so the PDF's text fits where vl-convert laid it out
                | {"config": {"font": FONT}},
                "source": source,
                "date": day_iso,
            }
        ],
        "sources": {
            "cohorts": {"source": source, "date": day_iso},
            "efi": {
                "source": f"{source}; eFI (Clegg et al. 2016) from openpcn.cohorts.efi",
                "date": day_iso,
            },
            "can01": {"source": f"{source}; {can01['source']}", "date": day_iso},
            "cvd02": {"source": source, "date": day_iso},
        },
    }


def registered_people(con: ibis.BaseBackend, ics: str, day: dt.date) -> int:
    """How many people the warehouse has registered in the ICS's PCNs on the date: none (no
    patient-level data, or a date before any PCN) leaves the section out."""
    footprint = resolve_ics(con, ics)
    pcns = con.table("pcns")
    codes = pcns.filter(pcns.commissioner_code.isin(footprint.commissioners)).pcn_code
    people = registered(con, day)
    return int(con.execute(people.filter(people.pcn_code.isin(codes)).count()))


def _efi(shown: dict[str, Any], code: str) -> dict[str, int | None]:
    return shown["efi"].get(code, dict.fromkeys(CATEGORIES, 0))


def _add_rate(f: Figures, prefix: str, value: dict[str, Any]) -> None:
    for key in RATE_KEYS:
        f.add(f"{prefix}.{key}", value[key], "int" if key in RATE_KEYS[:2] else "pct")
    if "status" in value:
        f.add(f"{prefix}.status", value["status"], "text")


def _statuses(bands: Bands) -> tuple[str, ...]:
    return (*bands.names, UNKNOWN, SUPPRESSED)


def _pcn_names(con: ibis.BaseBackend, codes: list[str]) -> dict[str, str]:
    pcns = con.table("pcns")
    frame = con.execute(pcns.filter(pcns.pcn_code.isin(codes)).select("pcn_code", "name"))
    return {str(r.pcn_code): str(r.name) for r in frame.itertuples()}


SECTION = Section("case_finding", "Case-finding", case_finding, Audience.ICS_WIDE)
