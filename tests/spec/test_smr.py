"""SMR priority groups A-D, each excluding people with an SMR in the last 12 months."""

import ibis
import pandas as pd

from openpcn.cohorts import compile as compiled
from openpcn.cohorts.engine import run

from .conftest import DAY, World, members

SMR = "1239511000000100"
NSAID, PPI = "1001010J0", "0103050P0"
APIXABAN, ASPIRIN = "0208020Z0", "0209000A0"
CODEINE, PREGABALIN, DIAZEPAM, ZOPICLONE = "0407020C0", "0408010AE", "0401020K0", "0401010Z0"


def world() -> World:
    w = World()
    w.patient("care-home", care_home="CH1", age=88)
    w.patient("care-home-reviewed", care_home="CH1", age=88).event("care-home-reviewed", SMR, 200)
    w.patient("care-home-old-review", care_home="CH2", age=88).event(
        "care-home-old-review", SMR, 400
    )
    w.patient("ten-repeats", age=70)
    w.patient("nine-repeats", age=70)
    w.patient("ten-but-stale", age=70)
    for i in range(10):
        w.medicine("ten-repeats", f"0{i}0000000", 30)
        w.medicine("ten-but-stale", f"0{i}0000000", 30 if i < 9 else 400)
        if i < 9:
            w.medicine("nine-repeats", f"0{i}0000000", 30)
    # a repeat kept as first and latest issue: current on the date although not issued near it
    w.patient("opioid-spanning-the-date", age=40)
    w.medicine("opioid-spanning-the-date", CODEINE, 700).medicine(
        "opioid-spanning-the-date", CODEINE, -90
    )
    w.patient("opioid-starts-later", age=40).medicine("opioid-starts-later", CODEINE, -30)
    w.patient("severely-frail", age=90)
    w.patient("moderately-frail", age=90)
    w.patient("nsaid-65", age=70).medicine("nsaid-65", NSAID, 20, repeat=False)
    w.patient("nsaid-64", age=64).medicine("nsaid-64", NSAID, 20)
    w.patient("nsaid-ppi", age=70).medicine("nsaid-ppi", NSAID, 20).medicine("nsaid-ppi", PPI, 20)
    w.patient("anticoag-antiplatelet", age=60)
    w.medicine("anticoag-antiplatelet", APIXABAN).medicine("anticoag-antiplatelet", ASPIRIN)
    w.patient("anticoag-only", age=60).medicine("anticoag-only", APIXABAN)
    for pid, bnf in (
        ("codeine", CODEINE),
        ("pregabalin", PREGABALIN),
        ("diazepam", DIAZEPAM),
        ("zopiclone", ZOPICLONE),
    ):
        w.patient(pid, age=40).medicine(pid, bnf)
    w.patient("codeine-acute", age=40).medicine("codeine-acute", CODEINE, repeat=False)
    w.patient("codeine-reviewed", age=40).medicine("codeine-reviewed", CODEINE)
    w.event("codeine-reviewed", SMR, 30)
    w.patient("died-in-care-home", care_home="CH1", age=95, died_days_ago=10)
    return w


EXPECTED = {
    "care-home": {"smr-a-care-home"},
    "care-home-old-review": {"smr-a-care-home"},
    "ten-repeats": {"smr-b-polypharmacy"},
    "severely-frail": {"smr-c-severe-frailty"},
    "nsaid-65": {"smr-d-medicines-linked-to-harm"},
    "anticoag-antiplatelet": {"smr-d-medicines-linked-to-harm"},
    "codeine": {"smr-d-medicines-linked-to-harm"},
    "opioid-spanning-the-date": {"smr-d-medicines-linked-to-harm"},
    "pregabalin": {"smr-d-medicines-linked-to-harm"},
    "diazepam": {"smr-d-medicines-linked-to-harm"},
    "zopiclone": {"smr-d-medicines-linked-to-harm"},
}


def stub_efi(con, date, people):
    """eFI is C2's (tested in tests/cohorts/test_efi.py); here two people have a category."""
    frame = pd.DataFrame(
        {
            "patient_id": ["severely-frail", "moderately-frail"],
            "efi_category": ["severe", "moderate"],
        }
    )
    return ibis.memtable(frame)


def test_smr_priority_groups(engine, open_world, monkeypatch):
    monkeypatch.setattr(compiled, "_efi_table", stub_efi)
    frame = run(open_world(world(), engine), "smr", DAY)
    assert members(frame) == EXPECTED
    reasons = dict(zip(frame["patient_id"], frame["reason"], strict=True))
    assert reasons["nsaid-65"] == (
        "NSAID current in the last 6 months; aged >= 65; "
        "no proton pump inhibitor (gastroprotection) current in the last 6 months; "
        "no structured medication review in the last 12 months"
    )
    assert reasons["pregabalin"].startswith("repeat gabapentinoid current")
