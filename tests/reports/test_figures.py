"""The report's figures equal the queries they come from.

The Dorset report is regenerated on a small warehouse and its HTML parsed; every
`<data data-figure="section.key" value="RAW">` element is checked against the function it comes
from (openpcn.orgs, openpcn.quality), called here independently; and every figure those
functions give for the report is in the text.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import ibis
from markupsafe import escape

from openpcn import orgs
from openpcn.codes import PSEUDONYM
from openpcn.cohorts.definitions import SPECS
from openpcn.cohorts.disclosure import disclose
from openpcn.cohorts.efi import CATEGORIES
from openpcn.cohorts.indicators import fit_indicator
from openpcn.cohorts.summary import disclosed, fit_bands_of, judged_rate, rate, summary
from openpcn.cohorts.thresholds import SUPPRESSED
from openpcn.config import DEFAULT_DATE, DEFAULT_ICS
from openpcn.figures import Audience, Section
from openpcn.funding.charts import STREAM_LABELS
from openpcn.funding.entitlements import entitlements
from openpcn.prevalence.summary import prevalence_summary
from openpcn.quality.summary import quality_summary
from openpcn.quality.variation import available_measures, variation
from openpcn.reports.render import render_html
from openpcn.reports.sections import SECTIONS, ics_report_data
from openpcn.workforce.indicators import staffing_indicators

RATINGS = ("outstanding", "good", "requires_improvement", "inadequate", "not_rated")
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


class Figures(HTMLParser):
    """Collects (key, raw value, shown text) of every <data data-figure> element."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str, str]] = []
        self._open: tuple[str, str] | None = None
        self._text: list[str] = []
        self.sections: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "data" and "data-figure" in attributes:
            self._open = (str(attributes["data-figure"]), str(attributes.get("value") or ""))
            self._text = []
        if tag == "section" and attributes.get("data-section"):
            self.sections.append(str(attributes["data-section"]))

    def handle_data(self, data: str) -> None:
        if self._open:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "data" and self._open:
            self.found.append((*self._open, "".join(self._text)))
            self._open = None


def parse(html: str) -> Figures:
    parser = Figures()
    parser.feed(html)
    return parser


def expected_figures(con: ibis.BaseBackend, ics: str, date: str) -> dict[str, Any]:
    """What each figure of the report must be, straight from the capabilities' functions."""
    summary = orgs.summary(con, ics, date)
    table = orgs.pcn_table(con, ics, date)
    check = orgs.check(con, ics, date).as_dict()
    quality = quality_summary(con, ics, date)
    out: dict[str, Any] = {}
    pn = "practices_networks."
    for key in COUNTS:
        out[pn + key] = summary[key]
    out[pn + "registered_patients"] = summary["registered_patients"]
    out[pn + "band_min"], out[pn + "band_max"] = summary["band"]
    out[pn + "pcn_size_median"] = summary["pcn_size_median"]
    for end in ("pcn_size_min", "pcn_size_max"):
        size = summary[end] or {}
        out[f"{pn}{end}.name"] = size.get("name")
        out[f"{pn}{end}.patients"] = size.get("patients")
    band = next(r for r in check["rules"] if r["rule"] == "size_band")
    reasons = {f["code"]: f["reason"] for f in band["findings"]}
    for row in table:
        code = row["pcn_code"]
        out[f"{pn}pcn.{code}.practices"] = row["practices"]
        out[f"{pn}pcn.{code}.registered_patients"] = row["registered_patients"]
        if row["band_position"] != "in":
            out[f"{pn}pcn.{code}.reason"] = reasons.get(code)
    for rule in check["rules"]:
        out[f"{pn}rule.{rule['rule']}.status"] = rule["status"]
        out[f"{pn}rule.{rule['rule']}.summary"] = rule["summary"]
    cqc = quality["cqc"]
    out["cqc.practices"] = cqc.get("practices", 0)
    for rating in RATINGS:
        out[f"cqc.{rating}"] = cqc.get(rating, 0)
    out["cqc.uncertain"] = len(cqc.get("uncertain", []))
    out["cqc.rated_later"] = len(cqc.get("rated_later", []))
    for pcn in quality["pcns"]:
        for rating in (*RATINGS, "practices"):
            out[f"cqc.pcn.{pcn['pcn_code']}.{rating}"] = pcn["cqc"].get(rating, 0)
    for measure in available_measures(con, ics, date):
        result = variation(con, ics, date, measure)
        headline = quality["gpps"][measure]
        pre = f"gpps.{measure}."
        out[pre + "year"] = result["year"]
        for key in ("value_pct", "england_pct", "practices", "min_pct", "max_pct"):
            out[pre + key] = headline.get(key)
        out[pre + "flagged_high"] = len(result["flagged"]["high"])
        out[pre + "flagged_low"] = len(result["flagged"]["low"])
        out[pre + "suppressed"] = len(result["suppressed"])
        for unit in result["units"]:
            if unit["flag"] in ("high", "low"):
                out[f"{pre}unit.{unit['code']}.value_pct"] = unit["value_pct"]
    year = "2019/20"  # the financial year of 2019-12-01
    rows = entitlements(con, year, ics=ics)
    fw = "funding_workforce."
    out[fw + "year"], out[fw + "pcns"] = year, len(rows)
    for key in (*STREAM_LABELS, "total"):
        out[f"{fw}ics.{key}"] = round(sum(r[key] for r in rows), 2)
    for row in rows:
        out[f"{fw}pcn.{row['pcn_code']}.total"] = row["total"]
        out[f"{fw}pcn.{row['pcn_code']}.arrs_sum"] = row["arrs_sum"]
    staff = staffing_indicators(con, None, ics, date)["ics"]
    for key in ("gp_fte", "gp_fte_per_10k", "gp_55_plus_pct"):
        out[fw + key] = staff[key]
    out |= case_finding_figures(con, ics, date)
    out |= prevalence_figures(con, ics)
    return out


def prevalence_figures(con: ibis.BaseBackend, ics: str) -> dict[str, Any]:
    """QOF 2018/19 (the latest year ended by 2019-12-01): the ICS's registers over its lists,
    England's, the change, the PCN range and the practices outside the 99.8% limits."""
    result = prevalence_summary(con, ics, "2018/19")
    out: dict[str, Any] = {}
    for c in result["conditions"]:
        pre = f"prevalence.{c['condition']}."
        ics_value = c["ics"]
        assert ics_value["prevalence_pct"] == 100 * ics_value["register"] / ics_value["list_size"]
        out[pre + "ics_pct"] = ics_value["prevalence_pct"]
        out[pre + "england_pct"] = c["england"]["prevalence_pct"]
        out[pre + "change_pct_points"] = ics_value["change_pct_points"]
        pcns = [p["prevalence_pct"] for p in c["pcns"] if p["prevalence_pct"] is not None]
        out[pre + "pcn_min_pct"] = min(pcns) if pcns else None
        out[pre + "pcn_max_pct"] = max(pcns) if pcns else None
        for side, key in (("high", "practices_high"), ("low", "practices_low")):
            out[pre + key] = sum(
                p["flag"] == side and p["flag_level"] == 0.998 for p in c["practices"]
            )
    return out


def case_finding_figures(con: ibis.BaseBackend, ics: str, date: str) -> dict[str, Any]:
    """Every PCN figure as `disclosed(summary(...))` gives it; every ICS total is the total of
    the raw counts, disclosed once (rates recomputed from the disclosed totals)."""
    raw = summary(con, ics, date)
    shown = disclosed(raw)
    registered = shown["indicators"]["registered"]
    cf = "case_finding."
    out: dict[str, Any] = {cf + "pcns": len(registered)}
    out[cf + "ics.registered"] = disclose(sum(raw["indicators"]["registered"].values()))
    ics_raw: dict[str, int | None] = {}
    for spec in SPECS:
        for code, counts in shown[spec].items():
            for cohort, n in counts.items():
                out[f"{cf}pcn.{code}.{cohort}"] = n
                before, count = ics_raw.get(cohort, 0), raw[spec][code][cohort]
                # a cohort the summary could not count (None) has no ICS total
                ics_raw[cohort] = None if None in (before, count) else before + count
    for cohort, n in ics_raw.items():
        out[f"{cf}ics.{cohort}"] = disclose(n)
    for category in CATEGORIES:
        out[f"{cf}efi.ics.{category}"] = disclose(sum(c[category] for c in raw["efi"].values()))
        for code, counts in shown["efi"].items():
            out[f"{cf}efi.pcn.{code}.{category}"] = counts[category]
    can01 = shown["indicators"]["can01_fit_share"]
    out[cf + "can01.lower_pct"] = can01["thresholds"]["lower_pct"]
    out[cf + "can01.upper_pct"] = can01["thresholds"]["upper_pct"]
    cvd02 = shown["indicators"]["cvd02_hypertension_register"]
    bands = fit_bands_of(can01)
    with_fit = ics_raw["early-cancer-lgi-with-fit"]
    referrals = with_fit + ics_raw["early-cancer-lgi-without-fit"]
    register = ics_raw["cvd-02-hypertension-register"]
    people = sum(raw["indicators"]["registered"].values())
    # rates from the disclosed totals; statuses judged on the exact ones (or suppressed)
    ics_rates = {
        "can01": rate(disclose(with_fit), disclose(referrals))
        | {"status": bands.disclosed(with_fit, referrals)},
        "cvd02": rate(disclose(register), disclose(people)),  # a prevalence: no status
    }
    for code, exact in raw["indicators"]["can01_fit_share"]["pcns"].items():
        judged = judged_rate(bands, exact["numerator"], exact["denominator"])["status"]
        status = shown["indicators"]["can01_fit_share"]["pcns"][code]["status"]
        assert status in (judged, SUPPRESSED), code
    for short, indicator in (("can01", can01), ("cvd02", cvd02)):
        for key, value in ics_rates[short].items():
            out[f"{cf}{short}.ics.{key}"] = value
        for code, shares in indicator["pcns"].items():
            for key, value in shares.items():
                out[f"{cf}{short}.pcn.{code}.{key}"] = value
    return out


def same(raw: str, expected: Any) -> bool:
    """The raw value written in the HTML is exactly the expected one (floats round-trip)."""
    if expected is None:
        return raw == ""
    if isinstance(expected, str):
        return raw == expected
    if isinstance(expected, int):
        return raw == str(expected)
    return float(raw) == float(expected)


def test_every_figure_in_the_dorset_report_equals_its_query(con, dorset_html):
    expected = expected_figures(con, DEFAULT_ICS, DEFAULT_DATE)
    found = parse(dorset_html).found
    shown = {key for key, _, _ in found}
    assert shown == set(expected), (
        f"shown but not expected: {sorted(shown - set(expected))}; "
        f"expected but not shown: {sorted(set(expected) - shown)}"
    )
    wrong = [(k, raw, expected[k]) for k, raw, _ in found if not same(raw, expected[k])]
    assert not wrong
    assert len(found) > 150  # 18 PCNs in two tables, ratings by PCN, two survey measures


def test_the_dorset_headline_figures_read_as_the_contract_says(dorset_html):
    """Where each figure comes from (files in src/openpcn/data/reference, built from
    ../shared/data/raw as its PROVENANCE.md says; rechecked with DuckDB over the CSVs)."""
    shown = {key: (raw, text) for key, raw, text in parse(dorset_html).found}
    # memberships.csv: the rows (all "ePCN 2019-12", from 2019-10-01, open) of the 18 PCNs
    # pcns.csv gives commissioner 11J hold 81 distinct practices, one row each
    assert shown["practices_networks.practices"] == ("81", "81")
    assert shown["practices_networks.pcns"] == ("18", "18")
    # practice_lists.csv, the 81 members' rows nearest 2019-12-01: as_of 2020-01-01 (31 days
    # after; 2019-09-30 is 62 days before), "NHS Payments 2019-20 (last known figure)"; their
    # registered_patients sum to 806,922.25, as "Number of Registered Patients (Last Known
    # Figure)" of the same 81 practices in raw/nhs_payments_to_general_practice_2019-20.csv
    assert shown["practices_networks.registered_patients"] == ("806922.25", "806,922")
    # the same lists summed by PCN: the largest U25251 Weymouth & Portland, 6 practices,
    # 76,048.75; the smallest U75274 Sherborne Area, 3 practices, 20,774.75
    assert shown["practices_networks.pcn_size_max.name"][1] == "WEYMOUTH & PORTLAND PCN"
    assert shown["practices_networks.pcn_size_min.name"][1] == "SHERBORNE AREA PCN"
    # below 30,000: Sherborne Area 20,774.75 and U42510 Blandford 29,136.00
    assert shown["practices_networks.pcns_below_band"] == ("2", "2")
    # above 50,000: U27515 51,745.25, U64748 53,433.50, U16737 53,555.25, U21465 58,773.50,
    # U80758 63,191.25, U25251 76,048.75 (band_exceptions.csv is empty: none allowed)
    assert shown["practices_networks.pcns_above_band"] == ("6", "6")
    # cqc_ratings.csv (HEEC, year only, one row per practice): 70 of the 81 are rated. In
    # force on 2019-12-01 are those issued before 2019: Good 1 (2015) + 23 (2016) + 9 (2017)
    # + 7 (2018) = 40, Outstanding 1 (2016) + 1 (2018) = 2. Not rated: 81 - 42 = 39, i.e.
    # 11 never rated + 9 issued in 2019 (uncertain) + 19 issued in 2020-2023 (rated later)
    assert [shown[f"cqc.{r}"][1] for r in ("outstanding", "good", "not_rated")] == [
        "2",
        "40",
        "39",
    ]
    # gpps.csv (raw/gpps_2019_practice_dorset_11J.csv), 2019, no response counts, so weighted
    # by the lists above: sum(overall_good x registered) / sum(registered)
    # = 70,784,687.56 / 806,922.25 = 87.7218% (the plain mean of the 81 values is 89.2%)
    assert shown["gpps.overall_good.value_pct"][1] == "87.7%"
    # data/rules/gpps_england.toml, year 2019, overall_good (GPPS 2019 national results)
    assert shown["gpps.overall_good.england_pct"] == ("82.9", "82.9%")


def test_the_present_sections_are_the_registered_ones_in_order(dorset, dorset_html):
    keys = [s["key"] for s in dorset["sections"]]
    assert keys == [
        "practices_networks",
        "cqc",
        "gpps",
        "prevalence",
        "funding_workforce",
        "case_finding",
    ]
    assert parse(dorset_html).sections == [*keys, "sources"]
    assert [s.key for s in SECTIONS] == keys  # no placeholder for a capability not yet built
    assert 'id="section-formation"' not in dorset_html
    assert all(p["source"] and p["date"] == DEFAULT_DATE for p in dorset["provenance"])


def test_case_finding_shows_no_count_from_1_to_7(dorset_html):
    found = [f for f in parse(dorset_html).found if f[0].startswith("case_finding.")]
    counts = [f for f in found if not f[0].endswith(("pct", ".pcns", ".status"))]
    hidden = [(key, text) for key, raw, text in counts if raw == ""]
    assert hidden and {text for _, text in hidden} == {"1–7"}  # 1% of Dorset has small counts
    shown = [int(raw) for _, raw, _ in counts if raw != ""]
    assert all(n == 0 or (n >= 10 and n % 5 == 0) for n in shown)
    # a hidden share says why: a hidden count, or nothing to share
    shares = {text for key, raw, text in found if key.endswith(".pct") and raw == ""}
    assert shares <= {"not shown", "no referrals", "none registered"}


def test_a_registered_section_appears_unless_it_has_nothing_to_report(con):
    def pilot(con, ics, date):
        return {
            "figures": {"pilot.patients": {"value": 1234.5, "format": "patients", "label": "Paid"}},
            "sources": {"pilot": {"source": "pilot ledger", "date": "2019-12-01"}},
        }

    def absent(con, ics, date):
        return None  # as a capability's section does on a date it has nothing for

    sections = [
        Section("pilot", "Pilot capability", pilot),
        Section("absent", "Absent capability", absent),
    ]
    data = ics_report_data(con, DEFAULT_ICS, DEFAULT_DATE, sections=sections)
    assert [s["key"] for s in data["sections"]] == ["pilot"]
    html = render_html(data, svgs={})
    assert parse(html).found == [("pilot.patients", "1234.5", "1,234")]
    assert "Pilot capability" in html and "Absent capability" not in html
    assert "Source: pilot ledger. Date: 1 December 2019." in html


def test_a_date_before_any_pcn_gives_a_readable_report_that_says_so(con):
    data = ics_report_data(con, DEFAULT_ICS, "2019-01-01")
    figures = data["figures"]
    assert figures["practices_networks.practices"]["value"] == 0
    assert figures["practices_networks.pcns"]["value"] == 0
    assert not any(key.startswith("practices_networks.pcn.") for key in figures)
    cqc = next(s for s in data["sections"] if s["key"] == "cqc")
    html = render_html(data)
    assert cqc["note"] and escape(cqc["note"]) in html  # what the CQC counts stand for
    assert "Practices and networks" in html


def test_the_report_holds_no_patient_level_data(dorset_html):
    assert not PSEUDONYM.search(dorset_html)


def test_each_section_follows_the_rule_of_the_pages_it_summarises():
    audiences = {s.key: s.audience for s in SECTIONS}
    assert audiences == {
        "practices_networks": Audience.EVERYONE,  # the organisation pages: every role
        "cqc": Audience.EVERYONE,  # the quality pages: every role
        "gpps": Audience.EVERYONE,
        "prevalence": Audience.EVERYONE,  # the prevalence page's published registers
        "funding_workforce": Audience.ICS_WIDE,  # /ics/{ics}/funding and /workforce
        "case_finding": Audience.ICS_WIDE,  # /ics/{ics}/cohorts
    }
    assert Section("new", "New capability", lambda *_: {}).audience is Audience.ICS_WIDE


def test_a_section_the_viewer_may_not_see_is_not_built_and_is_named(con):
    def public(con, ics, date):
        return {"figures": {"public.n": {"value": 1, "format": "int", "label": None}}}

    def restricted(con, ics, date):
        raise AssertionError("a section left out must not be computed")

    sections = [
        Section("public", "Public part", public, Audience.EVERYONE),
        Section("restricted", "Restricted part", restricted, Audience.ICS_WIDE),
    ]
    data = ics_report_data(
        con, DEFAULT_ICS, DEFAULT_DATE, sections=sections, audiences={Audience.EVERYONE}
    )
    assert [s["key"] for s in data["sections"]] == ["public"]
    assert data["left_out"] == [
        {"key": "restricted", "title": "Restricted part", "needs": Audience.ICS_WIDE.needs}
    ]
    assert list(data["figures"]) == ["public.n"]
    html = " ".join(render_html(data, svgs={}).split())
    assert f"Left out for your role: Restricted part (it needs {Audience.ICS_WIDE.needs})." in html
    assert 'data-section="restricted"' not in html


def test_the_full_report_leaves_nothing_out(dorset, dorset_html):
    assert dorset["left_out"] == []
    assert "Left out for your role" not in dorset_html


def test_case_finding_statuses_read_as_their_labels(dorset_html):
    found = [f for f in parse(dorset_html).found
             if f[0].startswith("case_finding.") and f[0].endswith(".status")]  # fmt: skip
    assert len(found) == 18 + 1  # the FIT indicator, each PCN and the ICS (CVD-02 has none)
    bands = fit_indicator("2022/23").bands  # the default date (2019) reads 2022/23's rules
    for key, raw, text in found:
        assert key.startswith("case_finding.can01."), key
        assert text == bands.label(raw) + ("*" if raw == SUPPRESSED else ""), key
