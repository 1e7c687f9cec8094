"""The report's case-finding section: disclosed counts, ICS totals from raw counts, no patients."""

import json

import pytest
from tests.spec.conftest import DAY, World

from openpcn.cohorts.report import case_finding, ics_totals
from openpcn.cohorts.summary import rate
from openpcn.config import Settings
from openpcn.reports.render import render_body
from openpcn.store.warehouse import connect, write_tables

SYS, LGI, FIT = "271649006", "276401000000108", "1049361000000101"


@pytest.fixture
def world():
    w = World()
    for i in range(6):  # U00001: 6 with a raised BP and no diagnosis
        w.patient(f"person-a{i}").event(f"person-a{i}", SYS, 30, 150)
    for i in range(5):  # U00002: 5 more
        w.patient(f"person-b{i}", practice="J81003").event(f"person-b{i}", SYS, 30, 150)
    for i in range(4):  # U00001: lower-GI urgent referrals, 2 with a FIT
        w.patient(f"person-l{i}").event(f"person-l{i}", LGI, 10)
        if i < 2:
            w.event(f"person-l{i}", FIT, 12, 4.0)  # 2 days before: CAN-01 counts it
    return w


@pytest.fixture
def con(world, tmp_path):
    settings = Settings(home=tmp_path)
    write_tables(settings.warehouse_path, world.frames())
    backend = connect(settings)
    yield backend
    backend.disconnect()


def test_pcn_counts_are_disclosed_and_the_ics_total_is_the_raw_total_disclosed(con):
    figures = case_finding(con, "11J", DAY)["figures"]

    def value(key):
        return figures[f"case_finding.{key}"]["value"]

    cohort = "cvd-01-raised-bp-undiagnosed"
    assert value(f"pcn.U00001.{cohort}") is None  # 6: hidden
    assert value(f"pcn.U00002.{cohort}") is None  # 5: hidden
    assert value(f"ics.{cohort}") == 10  # 11 rounded, not 0 (the sum of what is shown)
    assert value("cvd02.pcn.U00001.denominator") == 10  # 10 registered
    assert value("cvd02.pcn.U00002.denominator") is None  # 5
    assert value("ics.registered") == 15  # 15 registered
    assert value("pcns") == 2
    assert value("ics.smr-01d-care-home") == 0  # zero discloses no one


def test_a_cohort_the_summary_could_not_count_says_why_and_has_no_total(con):
    # no hospital activity here, so no risk model for the anticipatory top-centile cohort
    section = case_finding(con, "11J", DAY)
    figures = section["figures"]
    (spec,) = [s for s in section["specs"] if s["spec"] == "anticipatory_care"]
    reasons = {c["id"]: c["not_counted"] for c in spec["cohorts"]}
    assert "risk model" in reasons["anticipatory-top-risk-centile"]
    assert reasons["anticipatory-multimorbid-frail"] is None
    assert figures["case_finding.ics.anticipatory-top-risk-centile"]["value"] is None
    assert figures["case_finding.ics.anticipatory-multimorbid-frail"]["value"] == 0


def test_the_section_reads_hidden_and_uncounted_cohorts_as_such(con, world):
    section = {"key": "case_finding", "title": "Case-finding"} | case_finding(con, "11J", DAY)
    report = {
        "title": "Test",
        "ics": {"code": "11J", "name": "NHS DORSET CCG"},
        "date": DAY.isoformat(),
        "sections": [section],
        "figures": section["figures"],
        "provenance": [],
    }
    html = render_body(report, svgs={})
    key = "case_finding.pcn.U00001.cvd-01-raised-bp-undiagnosed"
    assert f'<data value="" data-figure="{key}">1–7</data>' in html
    assert 'data-figure="case_finding.ics.cvd-01-raised-bp-undiagnosed">10</data>' in html
    assert ">not counted</data>" in html and "not counted, because the risk model" in html
    assert 'data-figure="case_finding.can01.pcn.U00001.pct">not shown</data>' in html
    assert 'data-figure="case_finding.can01.pcn.U00002.pct">no referrals</data>' in html
    assert not any(p["patient_id"] in html for p in world.patients)


def test_the_indicators_are_recomputed_from_disclosed_counts(con):
    figures = case_finding(con, "11J", DAY)["figures"]
    can01 = {k: figures[f"case_finding.can01.pcn.U00001.{k}"]["value"] for k in rate(1, 1)}
    assert can01 == rate(None, None)  # 2 of 4: both hidden, so no share
    assert figures["case_finding.can01.pcn.U00002.denominator"]["value"] == 0
    assert figures["case_finding.can01.lower_pct"]["value"] == 40.0
    cvd02 = {k: figures[f"case_finding.cvd02.ics.{k}"]["value"] for k in rate(1, 1)}
    assert cvd02 == rate(0, 15)  # nobody on the register among 15 registered


def test_ics_totals_round_each_total_once():
    raw = {
        spec: {"P1": {}, "P2": {}}
        for spec in (
            "smr",
            "ehch",
            "anticipatory_care",
            "personalised_care",
            "cvd",
            "inequalities",
        )
    }
    raw["early_cancer"] = {
        "P1": {"early-cancer-lgi-with-fit": 3, "early-cancer-lgi-without-fit": 4},
        "P2": {"early-cancer-lgi-with-fit": 7, "early-cancer-lgi-without-fit": 12},
    }
    raw["cvd"] = {"P1": {"cvd-02-hypertension-register": 100}, "P2": {}}
    raw["anticipatory_care"] = {"P1": {"top-risk": None}, "P2": {"top-risk": None}}
    raw["efi"] = {"P1": dict(fit=5, mild=3, moderate=0, severe=1), "P2": dict.fromkeys(
        ("fit", "mild", "moderate", "severe"), 1)}  # fmt: skip
    raw["year"] = "2022/23"
    raw["indicators"] = {
        "registered": {"P1": 600, "P2": 401},
        "can01_fit_share": {"thresholds": {"lower_pct": 40.0, "upper_pct": 80.0}},
    }
    totals = ics_totals(raw)
    assert totals["early_cancer"] == {
        "early-cancer-lgi-with-fit": 10,
        "early-cancer-lgi-without-fit": 15,
    }
    assert totals["efi"] == {"fit": None, "mild": None, "moderate": None, "severe": None}
    assert totals["registered"] == 1000
    assert totals["anticipatory_care"] == {"top-risk": None}  # not counted: no total
    # 10 of 26, each disclosed: 40% from the shown counts, but 38.5% exactly, so "below"
    assert totals["can01"] == rate(10, 25) | {"status": "below"}
    assert totals["cvd02"] == rate(100, 1000)  # a prevalence: no status


def test_the_section_holds_counts_and_never_a_patient(con, world):
    section = case_finding(con, "11J", DAY)
    text = json.dumps(section, default=str)
    assert not any(p["patient_id"] in text for p in world.patients)
    chart = section["charts"][0]
    assert chart["key"] == "efi" and chart["spec"]["mark"]["type"] == "bar"
    assert set(section["sources"]) == {"cohorts", "efi", "can01", "cvd02"}


def test_no_one_registered_on_the_date_leaves_the_section_out(con, tmp_path):
    assert case_finding(con, "11J", "2019-06-30") is None  # the PCNs start on 1 July 2019
    empty = Settings(home=tmp_path / "empty")  # reference data only: no patients, no risk model
    empty.home.mkdir()
    write_tables(empty.warehouse_path, World().frames())
    assert case_finding(connect(empty), "11J", DAY) is None


@pytest.mark.parametrize("date", ["1899-12-31", "2101-01-01"])
def test_a_date_cohorts_cannot_be_found_on_leaves_the_section_out(con, date):
    assert case_finding(con, "11J", date) is None
