"""The ICS summary: counts per spec, PCN and cohort, the indicators, and disclosure control."""

import ibis
import pandas as pd
import pytest
from tests.spec.conftest import DAY, World

from openpcn.cohorts import compile as compiled
from openpcn.cohorts.summary import disclosed, rate, summary
from openpcn.config import Settings
from openpcn.store.warehouse import connect, write_tables

SYS, HYP, LGI, FIT = "271649006", "38341003", "276401000000108", "1049361000000101"


def summary_world() -> World:
    """Ten raised BPs in IMD quintile 1 (4 diagnosed) and five in quintile 5 (all diagnosed,
    at J81003, PCN U00002); one LGI referral with a FIT, one without."""
    w = World()
    for i in range(10):  # IMD quintile 1: 10 raised, 4 diagnosed
        pid = f"q1-{i}"
        w.patient(pid, imd_decile=1 + i % 2, ethnicity="Asian").event(pid, SYS, 30, 150)
        if i < 4:
            w.event(pid, HYP, 900)
    for i in range(5):  # quintile 5: 5 raised, all diagnosed
        pid = f"q5-{i}"
        w.patient(pid, imd_decile=10, practice="J81003").event(pid, SYS, 30, 150)
        w.event(pid, HYP, 900)
    w.patient("lgi-fit").event("lgi-fit", LGI, 10).event("lgi-fit", FIT, 14, 4.0)
    w.patient("lgi-no-fit").event("lgi-no-fit", LGI, 10)
    return w


@pytest.fixture
def result(tmp_path, monkeypatch):
    w = summary_world()
    settings = Settings(home=tmp_path)
    write_tables(settings.warehouse_path, w.frames())
    empty = ibis.memtable(pd.DataFrame({"patient_id": ["nobody"], "centile": [1]}))
    monkeypatch.setattr(compiled, "_risk_table", lambda con, date, at_least: empty)
    return summary(connect(settings), "11J", DAY)


def test_every_spec_has_counts_per_pcn(result):
    assert set(result) >= {
        "smr",
        "ehch",
        "anticipatory_care",
        "personalised_care",
        "early_cancer",
        "cvd",
        "inequalities",
        "efi",
        "indicators",
    }
    assert result["cvd"]["U00001"]["cvd-01-raised-bp-undiagnosed"] == 6
    assert result["cvd"]["U00002"]["cvd-02-hypertension-register"] == 5
    assert result["smr"]["U00002"] == {
        "smr-01a-medication-errors": 0,
        "smr-01b-severe-frailty": 0,
        "smr-01c-addictive-medicines": 0,
        "smr-01d-care-home": 0,
        "smr-learning-disability": 0,
        "smr-polypharmacy": 0,
    }


def test_indicators(result):
    can01 = result["indicators"]["can01_fit_share"]["pcns"]["U00001"]
    assert (can01["numerator"], can01["denominator"], can01["pct"]) == (1, 2, 50.0)
    cvd02 = result["indicators"]["cvd02_hypertension_register"]
    assert cvd02["pcns"]["U00002"] == rate(5, 5)  # a prevalence, without a status
    fit = result["indicators"]["can01_fit_share"]
    assert (fit["indicator"], fit["thresholds"]["lower_pct"]) == ("CAN-01", 40.0)
    by_imd = result["indicators"]["inequalities_raised_bp_diagnosed"]["by_imd_quintile"]["ics"]
    assert by_imd["1"] == rate(4, 10)
    assert by_imd["1"]["ci_lower_pct"] == pytest.approx(16.82, abs=0.01)
    assert by_imd["5"]["pct"] == 100.0
    by_ethnicity = result["indicators"]["inequalities_raised_bp_diagnosed"]["by_ethnicity"]
    assert by_ethnicity["pcns"]["U00001"]["Asian"]["denominator"] == 10


def test_disclosed_summary_redacts_small_counts_and_recomputes_rates(result):
    shown = disclosed(result)
    assert shown["cvd"]["U00001"]["cvd-01-raised-bp-undiagnosed"] is None  # 6 -> redacted
    assert shown["indicators"]["registered"]["U00001"] == 10  # 12 -> 10
    by_imd = shown["indicators"]["inequalities_raised_bp_diagnosed"]["by_imd_quintile"]["ics"]
    assert by_imd["1"] == rate(None, 10)  # numerator 4 redacted: no rate can be shown
    assert result["cvd"]["U00001"]["cvd-01-raised-bp-undiagnosed"] == 6  # raw left alone


def test_cohorts_on_the_risk_model_are_not_counted_when_it_cannot_be_trained(tmp_path):
    w = World()  # people, but no hospital activity to learn from
    w.patient("raised").event("raised", SYS, 30, 150)
    settings = Settings(home=tmp_path)
    write_tables(settings.warehouse_path, w.frames())
    raw = summary(connect(settings), "11J", DAY)
    top = "anticipatory-top-risk-centile"
    assert {counts[top] for counts in raw["anticipatory_care"].values()} == {None}
    assert "no hospital activity" in raw["not_counted"][top]
    assert list(raw["not_counted"]) == [top]
    assert sum(c["inequalities-raised-bp"] for c in raw["inequalities"].values()) == 1
