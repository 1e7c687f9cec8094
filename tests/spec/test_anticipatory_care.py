"""Anticipatory care: 2+ long-term conditions with moderate or severe eFI, or the top risk
centile. eFI and risk are C2's (tests/cohorts/test_efi.py, test_admission_risk.py): stubbed here."""

import ibis
import pandas as pd

from openpcn.cohorts import compile as compiled
from openpcn.cohorts.engine import run

from .conftest import DAY, World, members

HYP, DIABETES, COPD = "38341003", "44054006", "13645005"


def world() -> World:
    w = World()
    w.patient("two-conditions-moderate", age=80).event("two-conditions-moderate", HYP, 900)
    w.event("two-conditions-moderate", DIABETES, 900)
    w.patient("two-conditions-mild", age=80).event("two-conditions-mild", HYP, 900)
    w.event("two-conditions-mild", COPD, 900)
    w.patient("one-condition-twice-severe", age=80).event("one-condition-twice-severe", HYP, 900)
    w.event("one-condition-twice-severe", HYP, 100)
    w.patient("top-centile", age=60)
    w.patient("centile-99", age=60)
    return w


EXPECTED = {
    "two-conditions-moderate": {"anticipatory-multimorbid-frail"},
    "top-centile": {"anticipatory-top-risk-centile"},
}


def stub_efi(con, date, people):
    people = ["two-conditions-moderate", "two-conditions-mild", "one-condition-twice-severe"]
    return ibis.memtable(
        pd.DataFrame({"patient_id": people, "efi_category": ["moderate", "mild", "severe"]})
    )


def stub_risk(con, date, at_least):
    return ibis.memtable(
        pd.DataFrame({"patient_id": ["top-centile", "centile-99"], "centile": [100, 99]})
    )


def test_anticipatory_care_cohorts(engine, open_world, monkeypatch):
    monkeypatch.setattr(compiled, "_efi_table", stub_efi)
    monkeypatch.setattr(compiled, "_risk_table", stub_risk)
    assert members(run(open_world(world(), engine), "anticipatory_care", DAY)) == EXPECTED
