"""The ICS report's figures on a small world, each worked out by hand (issue 19).

`test_figures.py` checks the Dorset report against the functions that made its figures: that
proves the numbers reach the page, not that they are right. Here every expected value is the
arithmetic on the rows below, and each is checked twice: in `ics_report_data(...)["figures"]`
and in the rendered HTML's `<data data-figure=KEY value=RAW>` element.

The world, commissioner 11J on 1 December 2019 (the report's default date):

    practice  PCN                 list 1 Oct 2019   list 1 Jan 2019 (registered / weighted)
    A1        U00001 North PCN    20,486            20,000 / 21,000
    A2        U00001 North PCN     9,514             9,000 /  8,500
    B1        U00002 South PCN     8,650             8,600 /  9,100
    B2        U00002 South PCN    12,000            11,800 / 11,000
    C1        U00003 Town PCN     50,001            49,000 / 52,000
    D1        (commissioned by 11J, in no PCN)       3,000 /  3,000 on both dates

Memberships start on 1 July 2019; South PCN has a recorded band exception (rural). The report
uses the list nearest its date (1 Oct 2019); the 2019/20 funding uses the list nearest the
year's list date, 1 January 2019 (`data/rules/funding/2019-20.toml`, `list_date`). The
case-finding section needs patient records; world A has none (the section is left out), world B
adds a few dozen people for it.
"""

from __future__ import annotations

from typing import Any

import pytest
from tests.reports.test_figures import parse

from openpcn.cohorts import report as cohorts_report
from openpcn.reports.render import render_html
from openpcn.reports.sections import ics_report_data

ICS, DATE = "11J", "2019-12-01"
NORTH, SOUTH, TOWN = "U00001", "U00002", "U00003"
#: practice -> (PCN, list on 1 Oct 2019, registered and weighted on 1 Jan 2019)
PRACTICES: dict[str, tuple[str | None, float, tuple[float, float]]] = {
    "A1": (NORTH, 20_486, (20_000, 21_000)),
    "A2": (NORTH, 9_514, (9_000, 8_500)),
    "B1": (SOUTH, 8_650, (8_600, 9_100)),
    "B2": (SOUTH, 12_000, (11_800, 11_000)),
    "C1": (TOWN, 50_001, (49_000, 52_000)),
    "D1": (None, 3_000, (3_000, 3_000)),
}
HYP = "59621000"  # essential hypertension, in openpcn-hypertension (QOF HYP_COD)


def org_tables() -> dict[str, list[dict]]:
    """The organisations of the table in the module docstring (both worlds)."""
    lists = []
    for code, (_, october, (registered, weighted)) in PRACTICES.items():
        lists.append(_listed(code, "2019-01-01", registered, weighted))
        lists.append(_listed(code, "2019-10-01", october, october))
    return {
        "commissioners": [
            {"code": "11J", "name": "NHS Test CCG", "tier": "CCG"},
            {"code": "99X", "name": "Elsewhere CCG", "tier": "CCG"},
        ],
        "practices": [
            {"practice_code": c, "name": f"Practice {c}", "commissioner_code": "11J"}
            | {"status": "active"}
            for c in PRACTICES
        ]
        + [{"practice_code": "Z9", "name": "Far", "commissioner_code": "99X", "status": "active"}],
        "pcns": [
            {"pcn_code": NORTH, "name": "North PCN", "commissioner_code": "11J"},
            {"pcn_code": SOUTH, "name": "South PCN", "commissioner_code": "11J"},
            {"pcn_code": TOWN, "name": "Town PCN", "commissioner_code": "11J"},
        ],
        "memberships": [
            {"practice_code": c, "pcn_code": p, "start_date": "2019-07-01", "source": "test"}
            for c, (p, _, _) in PRACTICES.items()
            if p is not None
        ],
        "practice_lists": lists,
        "band_exceptions": [{"pcn_code": SOUTH, "reason": "rural", "start_date": "2019-07-01"}],
    }


def _listed(code: str, as_of: str, registered: float, weighted: float) -> dict:
    return {
        "practice_code": code,
        "as_of": as_of,
        "registered_patients": registered,
        "weighted_patients": weighted,
        "source": "test",
    }


def _rating(code: str, rating: str, year: int, day: str | None = None) -> dict:
    return {"practice_code": code, "rating": rating, "rating_year": year, "rating_date": day}


#: CQC ratings: a year-only rating is in force from the year after it was issued; a dated one
#: from its day (docs/quality.md)
CQC = [
    _rating("A1", "Good", 2016),
    _rating("A1", "Outstanding", 2018),  # the latest in force: outstanding
    _rating("A2", "Good", 2019, "2019-12-01"),  # published on the report's date: in force
    _rating("B1", "Requires improvement", 2017),  # in force ...
    _rating("B1", "Good", 2019),  # ... as this one, issued some day in 2019, may not be: uncertain
    _rating("B2", "Inadequate", 2019, "2019-12-02"),  # published the day after: rated later
    _rating("D1", "Good", 2018),  # D1 is in no PCN: not among the report's practices
]  # C1 has no rating: not rated


def _survey(code: str, measure: str, pct: float, responses: int | None = None) -> dict:
    row = {"practice_code": code, "year": 2019, "measure": measure, "value_pct": pct}
    return row | {"responses": responses, "source": "test survey"}


#: GP Patient Survey 2019: overall_good without response counts (weighted by list size),
#: appointment_good with them (weighted by responses; funnel limits)
GPPS = [
    _survey("A1", "overall_good", 90),
    _survey("A2", "overall_good", 80),
    _survey("B1", "overall_good", 70),
    _survey("B2", "overall_good", 85),
    _survey("C1", "overall_good", 75),
    _survey("D1", "overall_good", 10),  # in no PCN: left out
    _survey("A1", "appointment_good", 60, 200),
    _survey("A2", "appointment_good", 90, 300),
    _survey("B1", "appointment_good", 65, 100),
    _survey("B2", "appointment_good", 50, 9),  # under 10 responses
    _survey("C1", "appointment_good", 62, 400),
]


def _qof(year: str, code: str, register: int, size: int) -> dict:
    return {
        "practice_code": code,
        "year": year,
        "group_code": "HYP",
        "register": register,
        "list_type": "TOTAL",
        "list_size": size,
        "source": "test QOF",
    }


#: QOF hypertension registers / lists; Z9 (another CCG) counts towards England only
QOF = [
    _qof("2018/19", "A1", 2_840, 20_000),
    _qof("2018/19", "A2", 1_400, 10_000),
    _qof("2018/19", "B1", 1_200, 8_000),
    _qof("2018/19", "B2", 2_000, 12_000),
    _qof("2018/19", "C1", 6_500, 50_000),
    _qof("2018/19", "Z9", 2_000, 10_000),
    _qof("2017/18", "A1", 2_800, 20_000),
    _qof("2017/18", "A2", 1_350, 10_000),
    _qof("2017/18", "B1", 1_100, 8_000),
    _qof("2017/18", "B2", 1_850, 12_000),
    _qof("2017/18", "C1", 6_400, 50_000),
    _qof("2017/18", "Z9", 1_900, 10_000),
]


def _staff(n: int, practice: str | None, role: str, fte: float, band: str | None, **kw) -> dict:
    return (
        {"staff_id": f"s{n}", "practice_code": practice, "role": role, "fte": fte}
        | {"age_band": band}
        | kw
    )


#: staff in post (the warehouse's workforce table: world A has no patient records, so the
#: GP FTE per 10,000 is over the published lists)
STAFF = [
    _staff(1, "A1", "gp_partner", 1.0, "55-59"),
    _staff(2, "A1", "gp_salaried", 0.6, "35-39"),
    _staff(3, "B1", "gp", 0.8, "45-49"),
    _staff(4, "C1", "gp_partner", 1.0, "60-64"),
    _staff(5, "C1", "gp_locum", 0.5, "30-34"),
    _staff(6, "D1", "gp", 1.0, "50-54", start_date="2019-12-01"),  # starts on the date: counts
    _staff(7, "A2", "nurse", 1.0, "40-44"),  # not a GP
    _staff(8, None, "clinical_pharmacist", 1.0, "30-34", pcn_code=NORTH),  # not a GP
    _staff(9, "B2", "gp", 1.0, "55-59", start_date="2020-01-01"),  # not yet in post
    _staff(10, "Z9", "gp", 1.0, "65+"),  # another CCG's practice
]


def world_a() -> dict[str, list[dict]]:
    return org_tables() | {
        "cqc_ratings": [r | {"source": "test CQC"} for r in CQC],
        "gpps": GPPS,
        "qof_prevalence": QOF,
        "workforce": STAFF,
    }


Report = tuple[dict[str, Any], dict[str, tuple[str, str]]]


def report_of(data: dict[str, Any]) -> Report:
    """The report data and its HTML's figures, {key: (raw value, shown text)} (charts left
    out: they are drawn from the same data and cost a second each)."""
    found = parse(render_html(data, svgs={})).found
    return data, {key: (raw, text) for key, raw, text in found}


@pytest.fixture(scope="module")
def world(tmp_path_factory, build) -> Report:
    con = build(tmp_path_factory.mktemp("worked") / "w.duckdb", **world_a())
    try:
        return report_of(ics_report_data(con, ICS, DATE))
    finally:
        con.disconnect()


def check(report: Report, expected: dict[str, Any]) -> None:
    """Each figure equals the worked value in the report's data and in the HTML's raw value
    (floats to 1e-12 relative: the worked sums add in another order)."""
    data, shown = report
    for key, value in expected.items():
        assert key in data["figures"], key
        got, (raw, _) = data["figures"][key]["value"], shown[key]
        if isinstance(value, float):
            assert got == pytest.approx(value, rel=1e-12), key
            assert float(raw) == pytest.approx(value, rel=1e-12), key
        elif value is None:
            assert got is None and raw == "", key
        else:
            assert got == value, key
            assert raw == str(value), key


def text(report: Report, key: str) -> str:
    """How the figure reads on the page."""
    return report[1][key][1]


# ---- Practices and networks ------------------------------------------------------------------


def test_practices_and_networks(world):
    pn = "practices_networks."
    check(
        world,
        {
            pn + "practices": 2 + 2 + 1,  # core members on the date; D1 is in no PCN
            pn + "pcns": 3,
            pn + "commissioned_practices": 6,  # A1 .. D1
            pn + "commissioned_practices_in_pcns": 5,
            # the lists nearest 1 Dec 2019 (1 Oct, 61 days before; not 1 Jan, 334 days)
            pn + "registered_patients": float(20_486 + 9_514 + 8_650 + 12_000 + 50_001),
            pn + "band_min": 30_000,  # data/rules/size_band.toml, inclusive bounds
            pn + "band_max": 50_000,
            pn + f"pcn.{NORTH}.registered_patients": float(20_486 + 9_514),  # 30,000: in band
            pn + f"pcn.{SOUTH}.registered_patients": float(8_650 + 12_000),  # 20,650: below
            pn + f"pcn.{TOWN}.registered_patients": float(50_001),  # above by one patient
            pn + f"pcn.{NORTH}.practices": 2,
            pn + f"pcn.{TOWN}.practices": 1,
            pn + "pcns_in_band": 1,  # North, at the minimum itself
            pn + "pcns_below_band": 1,  # South
            pn + "pcns_above_band": 1,  # Town
            pn + "pcns_with_exception": 1,  # South (rural)
            pn + "pcn_size_median": float(20_486 + 9_514),  # the middle of 20,650 / 30,000 / 50,001
            pn + "pcn_size_min.name": "South PCN",
            pn + "pcn_size_min.patients": float(8_650 + 12_000),
            pn + "pcn_size_max.name": "Town PCN",
            pn + "pcn_size_max.patients": float(50_001),
        },
    )
    assert text(world, pn + "registered_patients") == "100,651"
    assert text(world, pn + f"pcn.{NORTH}.registered_patients") == "30,000"
    assert f"{pn}pcn.{NORTH}.reason" not in world[0]["figures"]  # in band: no reason given
    reason = world[0]["figures"][f"{pn}pcn.{SOUTH}.reason"]["value"]
    assert "9,350" in reason  # 30,000 - 20,650 below the minimum
    assert "1 (0.0%) above" in world[0]["figures"][f"{pn}pcn.{TOWN}.reason"]["value"]


# ---- CQC ratings -----------------------------------------------------------------------------


def test_cqc_ratings_in_force_on_the_date(world):
    check(
        world,
        {
            "cqc.practices": 5,  # the core members; D1's Good is not counted
            "cqc.outstanding": 1,  # A1 (2018 beats 2016)
            "cqc.good": 1,  # A2, published on the date itself
            "cqc.requires_improvement": 1,  # B1's 2017 rating: its 2019 one may not be in force
            "cqc.inadequate": 0,  # B2's is published on 2 Dec 2019, the day after
            "cqc.not_rated": 2,  # B2 and C1
            "cqc.uncertain": 1,  # B1
            "cqc.rated_later": 1,  # B2
            f"cqc.pcn.{NORTH}.outstanding": 1,
            f"cqc.pcn.{NORTH}.good": 1,
            f"cqc.pcn.{SOUTH}.requires_improvement": 1,
            f"cqc.pcn.{SOUTH}.not_rated": 1,
            f"cqc.pcn.{SOUTH}.practices": 2,
            f"cqc.pcn.{TOWN}.not_rated": 1,
        },
    )


# ---- GP Patient Survey -----------------------------------------------------------------------


def test_a_survey_measure_without_responses_is_weighted_by_list_size(world):
    m = "gpps.overall_good."
    check(
        world,
        {
            m + "year": 2019,
            # sum(value x list on the date) / sum(lists): 7,980,435 / 100,651 = 79.2882...%
            m + "value_pct": (90 * 20_486 + 80 * 9_514 + 70 * 8_650 + 85 * 12_000 + 75 * 50_001)
            / (20_486 + 9_514 + 8_650 + 12_000 + 50_001),
            m + "england_pct": 82.9,  # data/rules/gpps_england.toml, 2019
            m + "practices": 5,  # D1 (10%) is in no PCN
            m + "min_pct": 70.0,
            m + "max_pct": 90.0,
            # no response counts: limits are the ICS value +- 1.96 and 3.09 SD of the values;
            # values 90, 80, 70, 85, 75: mean 80, SD sqrt((100+0+100+25+25)/4) = 7.91, so the
            # 95% limits are 79.29 +- 15.5 = 63.8 .. 94.8 and hold every practice
            m + "flagged_high": 0,
            m + "flagged_low": 0,
            m + "suppressed": 0,
        },
    )
    assert text(world, m + "value_pct") == "79.3%"


def test_a_survey_measure_with_responses_is_weighted_by_them_and_funnelled(world):
    m = "gpps.appointment_good."
    check(
        world,
        {
            # the headline weights every published result by its responses, B2's 9 included:
            # (60x200 + 90x300 + 65x100 + 50x9 + 62x400) / 1,009 = 70,750 / 1,009 = 70.12%
            m + "value_pct": (60 * 200 + 90 * 300 + 65 * 100 + 50 * 9 + 62 * 400)
            / (200 + 300 + 100 + 9 + 400),
            m + "england_pct": 67.4,
            m + "practices": 5,
            m + "min_pct": 50.0,
            m + "max_pct": 90.0,
            # the funnel hides B2 (under 10 responses) and centres on the other four:
            # p = 70,300 / 1,000 = 0.703, p(1-p) = 0.2088; limits p +- z sqrt(p(1-p)/n)
            m + "suppressed": 1,  # B2
            # A2 90% on 300: 99.8% upper 70.3 + 3.09 x 2.64 = 78.5 -> high
            m + "flagged_high": 1,
            m + "unit.A2.value_pct": 90.0,
            # A1 60% on 200: 99.8% lower 70.3 - 3.09 x 3.23 = 60.3 -> low;
            # C1 62% on 400: 95% lower 70.3 - 1.96 x 2.28 = 65.8 -> low;
            # B1 65% on 100: 95% lower 70.3 - 1.96 x 4.57 = 61.3 -> within
            m + "flagged_low": 2,
            m + "unit.A1.value_pct": 60.0,
            m + "unit.C1.value_pct": 62.0,
        },
    )
    assert "gpps.appointment_good.unit.B1.value_pct" not in world[0]["figures"]


# ---- Disease prevalence ----------------------------------------------------------------------


def test_prevalence_is_registers_over_lists(world):
    # QOF 2018/19: the latest QOF year ended (31 March 2019) by 1 December 2019
    hyp = "prevalence.HYP."
    check(
        world,
        {
            # (2,840 + 1,400 + 1,200 + 2,000 + 6,500) / 100,000 = 13,940 / 100,000 = 13.94%
            hyp + "ics_pct": 100 * (2_840 + 1_400 + 1_200 + 2_000 + 6_500) / 100_000,
            # every practice of the year, Z9 too: 15,940 / 110,000 = 14.49%
            hyp + "england_pct": 100 * (13_940 + 2_000) / (100_000 + 10_000),
            # 2017/18: 13,500 / 100,000 = 13.5%, so 13.94 - 13.5 = 0.44 points
            hyp + "change_pct_points": 100 * 13_940 / 100_000
            - 100 * (2_800 + 1_350 + 1_100 + 1_850 + 6_400) / 100_000,
            hyp + "pcn_min_pct": 100 * 6_500 / 50_000,  # Town: 13%
            hyp + "pcn_max_pct": 100 * (1_200 + 2_000) / (8_000 + 12_000),  # South: 16%
            # limits around p = 0.1394, p(1-p) = 0.11997: p +- z sqrt(0.11997 / n), z 1.96
            # (95%) or 3.09 (99.8%); only practices outside the 99.8% limits are counted:
            # B2 2,000 / 12,000 = 16.67% > 13.94 + 3.09 x 0.316 = 14.92: high;
            # B1 1,200 / 8,000 = 15.0% is above 13.94 + 1.96 x 0.387 = 14.70 but within
            # 13.94 + 3.09 x 0.387 = 15.14: high at 95% only, not counted
            hyp + "practices_high": 1,
            # C1 6,500 / 50,000 = 13.0% < 13.94 - 3.09 x 0.155 = 13.46: low
            # (A1 14.2% on 20,000 is within 13.94 +- 1.96 x 0.245 = 13.46 .. 14.42)
            hyp + "practices_low": 1,
        },
    )
    assert text(world, hyp + "ics_pct") == "13.9%"


# ---- Funding and workforce -------------------------------------------------------------------

#: Network Contract DES 2019/20 rates (data/rules/funding/2019-20.toml; each row's `source`)
CORE = 1.5  # per registered patient, the whole year (Parliamentary answer 257552)
CLINICAL_DIRECTOR = 0.514  # per registered patient for Jul-Mar together (PA 257552)
PARTICIPATION = 1.761  # per weighted patient, paid to each practice (PA 257552; Essex LMC)
EXTENDED_HOURS = 1.45 * 9 / 12  # 1.45 a year from 1 July 2019 (Pulse)
#: ARRS, under 100,000 patients: 1 clinical pharmacist (cap 37,810) and 1 social prescribing
#: link worker (cap 34,113), the annual caps pro-rated to Jul-Mar (Pharmaceutical Journal)
ARRS = (1 * 37_810 + 1 * 34_113) * 9 / 12


def des_2019_20(registered: float, weighted_each: list[float]) -> float:
    """A PCN's 2019/20 total by the rates above, each stream to the penny."""
    return (
        round(CORE * registered, 2)
        + round(CLINICAL_DIRECTOR * registered, 2)
        + sum(round(PARTICIPATION * w, 2) for w in weighted_each)
        + round(EXTENDED_HOURS * registered, 2)
        + round(ARRS, 2)
    )


def test_funding_is_rate_times_list(world):
    fw = "funding_workforce."
    # North on the 1 Jan 2019 lists: A1 20,000 / 21,000 weighted, A2 9,000 / 8,500
    north = (
        43_500.00  # core: 1.50 x 29,000
        + 14_906.00  # clinical director: 0.514 x 29,000
        + 36_981.00  # network participation, A1: 1.761 x 21,000
        + 14_968.50  # network participation, A2: 1.761 x 8,500
        + 31_537.50  # extended hours: 1.45 x 29,000 x 9/12
        + 53_942.25  # ARRS: (37,810 + 34,113) x 9/12
    )
    assert north == pytest.approx(des_2019_20(20_000 + 9_000, [21_000, 8_500]))
    south = des_2019_20(8_600 + 11_800, [9_100, 11_000])
    town = des_2019_20(49_000, [52_000])
    check(
        world,
        {
            fw + "year": "2019/20",  # the financial year of 1 Dec 2019
            fw + "pcns": 3,
            fw + f"pcn.{NORTH}.total": north,  # 195,835.25
            fw + f"pcn.{NORTH}.arrs_sum": 53_942.25,
            fw + f"pcn.{TOWN}.arrs_sum": 53_942.25,  # 49,000: not over 100,000
            fw + "ics.core": CORE * (29_000 + 20_400 + 49_000),  # 147,600; not D1's list
            fw + "ics.clinical_director": CLINICAL_DIRECTOR * (29_000 + 20_400 + 49_000),
            fw + "ics.arrs_sum": 3 * 53_942.25,
            fw + "ics.iif_max": 0.0,  # no IIF in 2019/20
            fw + "ics.total": round(north + south + town, 2),
        },
    )
    assert text(world, fw + f"pcn.{NORTH}.total") == "£195,835"


def test_the_gp_workforce_figures(world):
    fw = "funding_workforce."
    check(
        world,
        {
            # GPs in post on the date at the ICS's practices (D1 too: commissioned by 11J):
            # s1 1.0 + s2 0.6 + s3 0.8 + s4 1.0 + s5 0.5 + s6 1.0; not the nurse, the PCN's
            # pharmacist, s9 (starts 2020) or Z9's GP (another CCG)
            fw + "gp_fte": 1.0 + 0.6 + 0.8 + 1.0 + 0.5 + 1.0,
            # no patient records, so over the lists on the date, D1's 3,000 included:
            # 4.9 / 103,651 x 10,000 = 0.4727 -> 0.47
            fw + "gp_fte_per_10k": round(4.9 / (100_651 + 3_000) * 10_000, 2),
            fw + "gp_55_plus_pct": round(100 * 2 / 6, 1),  # s1 55-59 and s4 60-64 of 6 GPs
        },
    )
    assert text(world, fw + "gp_fte") == "4.9"


def test_without_patient_records_case_finding_is_left_out(world):
    data, shown = world
    keys = [s["key"] for s in data["sections"]]
    assert keys == ["practices_networks", "cqc", "gpps", "prevalence", "funding_workforce"]
    assert not any(key.startswith("case_finding.") for key in shown)


# ---- Case-finding ----------------------------------------------------------------------------


def _person(n: int, practice: str, born: str, **kw: str) -> dict:
    return {
        "patient_id": f"p{n:03d}",
        "practice_code": practice,
        "sex": "F",
        "birth_month": born,
        "ethnicity_group": "White",
        "registration_date": "2010-01-01",
    } | kw


def world_b() -> dict[str, list[dict]]:
    """The organisations and these people: at A1 (North) 20 aged 49, 7 with hypertension, and
    two more with hypertension who are not registered on the date (one left on it, one died the
    day before); at B1 (South) 21 aged 49, 8 with hypertension, and 9 aged 70 with nothing
    recorded (eFI fit); nobody at Town's C1."""
    people = [_person(i, "A1", "1970-01-01") for i in range(20)]
    people += [
        _person(20, "A1", "1970-01-01", deregistration_date="2019-12-01"),
        _person(21, "A1", "1970-01-01", death_date="2019-11-30"),
    ]
    people += [_person(30 + i, "B1", "1970-01-01") for i in range(21)]
    people += [_person(60 + i, "B1", "1949-06-01") for i in range(9)]
    hypertensive = [*range(7), 20, 21, *range(30, 38)]
    events = [{"patient_id": f"p{n:03d}", "date": "2015-06-01", "snomed_code": HYP}
              for n in hypertensive]  # fmt: skip
    return org_tables() | {"patients": people, "events": events}


@pytest.fixture(scope="module")
def cohorts_world(tmp_path_factory, build) -> Report:
    con = build(tmp_path_factory.mktemp("worked-cohorts") / "w.duckdb", **world_b())
    try:
        return report_of(ics_report_data(con, ICS, DATE, sections=[cohorts_report.SECTION]))
    finally:
        con.disconnect()


def test_case_finding_counts_are_disclosed(cohorts_world):
    cf = "case_finding."
    hyp = "cvd-02-hypertension-register"
    # disclosure (openpcn.cohorts.disclosure): 1-7 hidden, else rounded to the nearest 5
    check(
        cohorts_world,
        {
            cf + "pcns": 3,
            cf + "ics.registered": 50,  # 20 + 30 exactly: p020 left on the date, p021 died
            cf + f"pcn.{NORTH}.{hyp}": None,  # 7, the most that is hidden
            cf + f"pcn.{SOUTH}.{hyp}": 10,  # 8 -> 10
            cf + f"pcn.{TOWN}.{hyp}": 0,  # zero discloses nobody: shown
            # the ICS total is the exact 7 + 8 = 15, disclosed once -> 15 (not 0 + 10)
            cf + f"ics.{hyp}": 15,
            cf + "efi.ics.fit": 10,  # the nine aged 70 -> 10
            cf + f"efi.pcn.{SOUTH}.fit": 10,
            cf + f"efi.pcn.{NORTH}.fit": 0,
            # CVD-02 from the shown counts: South 10 / 30 = 33.33%; the ICS 15 / 50 = 30%
            cf + f"cvd02.pcn.{SOUTH}.numerator": 10,
            cf + f"cvd02.pcn.{SOUTH}.denominator": 30,
            cf + f"cvd02.pcn.{SOUTH}.pct": round(100 * 10 / 30, 2),
            cf + f"cvd02.pcn.{NORTH}.pct": None,  # its numerator is hidden
            cf + "cvd02.ics.pct": 100 * 15 / 50,
        },
    )
    assert text(cohorts_world, f"{cf}pcn.{NORTH}.{hyp}") == "1–7"
