"""SMR, worked by hand from NHS Digital's rules: SMR-01A (nine prescribing-safety criteria, 18+,
medicines in the last 3 months), SMR-01B (coded severe frailty; in 2022/23 a severe eFI too),
SMR-01C (repeat dependence-forming medicines in 3 months, weak opioids aside), SMR-01D (care
home residents 18+), and the specification's polypharmacy and learning disability groups; each
leaves out people with a structured medication review in the last 12 months."""

import datetime as dt

import ibis
import pandas as pd
import pytest

from openpcn.cohorts import compile as compiled
from openpcn.cohorts.engine import run

from .conftest import DAY, World, days_since, members

SMR = "1239511000000100"
NSAID, PPI = "1001010J0", "0103050P0"
APIXABAN, ASPIRIN, CLOPIDOGREL = "0208020Z0", "0209000A0", "0209000C0"
CODEINE, TRAMADOL = "0407020C0", "040702040"
PREGABALIN, DIAZEPAM, ZOPICLONE = "0408010AE", "0401020K0", "0401010Z0"
HEART_FAILURE, HF_RESOLVED = "84114007", "521691000000100"
EGFR, PEPTIC_ULCER = "1011481000000105", "10389003"
ASTHMA, PROPRANOLOL, PROPRANOLOL_DMD = "195967001", "0204000R0", "318353009"  # 40mg tablets
SEVERE_FRAILTY, LEARNING_DISABILITY = "925861000000102", "110359009"
A, B, C, D = (
    "smr-01a-medication-errors",
    "smr-01b-severe-frailty",
    "smr-01c-addictive-medicines",
    "smr-01d-care-home",
)
POLY, LD = "smr-polypharmacy", "smr-learning-disability"


def world() -> World:
    w = World()
    # SMR-01D: residents 18+ without a review in 12 months
    w.patient("care-home", care_home="CH1", age=88)
    w.patient("care-home-reviewed", care_home="CH1", age=88).event("care-home-reviewed", SMR, 200)
    w.patient("care-home-old-review", care_home="CH2", age=88)
    w.event("care-home-old-review", SMR, 400)
    w.patient("care-home-aged-17", care_home="CH1", age=17)
    w.patient("care-home-aged-18", care_home="CH1", age=18)  # 18, the youngest age in (>= 18)
    w.patient("died-in-care-home", care_home="CH1", age=95, died_days_ago=10)
    # polypharmacy: 10 different medicines in 12 months, repeat or acute
    w.patient("ten-repeats", age=70)
    w.patient("nine-repeats", age=70)
    w.patient("ten-but-stale", age=70)
    w.patient("five-repeats-five-acute", age=70)
    for i in range(10):
        w.medicine("ten-repeats", f"0{i}0000000", 30)
        w.medicine("ten-but-stale", f"0{i}0000000", 30 if i < 9 else 400)
        w.medicine("five-repeats-five-acute", f"0{i}0000000", 30, repeat=i < 5)
        if i < 9:
            w.medicine("nine-repeats", f"0{i}0000000", 30)
    # SMR-01A
    w.patient("nsaid-65", age=70).medicine("nsaid-65", NSAID, 20, repeat=False)
    w.patient("nsaid-65-too-long-ago", age=70).medicine(
        "nsaid-65-too-long-ago", NSAID, 100, repeat=False
    )
    w.patient("nsaid-64", age=64).medicine("nsaid-64", NSAID, 20)
    # 65, the youngest age in the "65+ on an NSAID without a PPI" criterion (age >= 65)
    w.patient("nsaid-aged-65", age=65).medicine("nsaid-aged-65", NSAID, 20, repeat=False)
    w.patient("nsaid-ppi", age=70).medicine("nsaid-ppi", NSAID, 20).medicine("nsaid-ppi", PPI, 20)
    w.patient("anticoag-antiplatelet", age=60)
    w.medicine("anticoag-antiplatelet", APIXABAN).medicine("anticoag-antiplatelet", CLOPIDOGREL)
    w.patient("anticoag-only", age=60).medicine("anticoag-only", APIXABAN)
    w.patient("aspirin-clopidogrel", age=60)
    w.medicine("aspirin-clopidogrel", ASPIRIN).medicine("aspirin-clopidogrel", CLOPIDOGREL)
    w.patient("aspirin-only", age=60).medicine("aspirin-only", ASPIRIN)
    w.patient("heart-failure-nsaid", age=50).event("heart-failure-nsaid", HEART_FAILURE, 900)
    w.medicine("heart-failure-nsaid", NSAID, 20)
    w.patient("heart-failure-resolved-nsaid", age=50)
    w.event("heart-failure-resolved-nsaid", HEART_FAILURE, 900)
    w.event("heart-failure-resolved-nsaid", HF_RESOLVED, 300)
    w.medicine("heart-failure-resolved-nsaid", NSAID, 20)
    w.patient("egfr-40-nsaid", age=50).event("egfr-40-nsaid", EGFR, 100, 40.0)
    w.medicine("egfr-40-nsaid", NSAID, 20)
    # eGFR < 45 with an NSAID: 44 is the highest whole eGFR in (45 is not: 45 < 45 is false)
    w.patient("egfr-44-nsaid", age=50).event("egfr-44-nsaid", EGFR, 100, 44.0)
    w.medicine("egfr-44-nsaid", NSAID, 20)
    w.patient("egfr-45-nsaid", age=50).event("egfr-45-nsaid", EGFR, 100, 45.0)
    w.medicine("egfr-45-nsaid", NSAID, 20)
    w.patient("ulcer-aspirin", age=50).event("ulcer-aspirin", PEPTIC_ULCER, 2000)
    w.medicine("ulcer-aspirin", ASPIRIN, 20)
    w.patient("ulcer-aspirin-aged-17", age=17).event("ulcer-aspirin-aged-17", PEPTIC_ULCER, 200)
    w.medicine("ulcer-aspirin-aged-17", ASPIRIN, 20)
    # 18, the youngest age SMR-01A takes (age >= 18)
    w.patient("ulcer-aspirin-aged-18", age=18).event("ulcer-aspirin-aged-18", PEPTIC_ULCER, 200)
    w.medicine("ulcer-aspirin-aged-18", ASPIRIN, 20)
    # SMR-01C: repeats current in the last 3 months; weak opioids aside
    for pid, bnf in (
        ("tramadol", TRAMADOL),
        ("pregabalin", PREGABALIN),
        ("diazepam", DIAZEPAM),
        ("zopiclone", ZOPICLONE),
        ("codeine", CODEINE),
    ):
        w.patient(pid, age=40).medicine(pid, bnf)
    w.patient("diazepam-acute", age=40).medicine("diazepam-acute", DIAZEPAM, repeat=False)
    # a repeat kept as first and latest issue: current on the date although not issued near it
    w.patient("tramadol-spanning-the-date", age=40)
    w.medicine("tramadol-spanning-the-date", TRAMADOL, 700)
    w.medicine("tramadol-spanning-the-date", TRAMADOL, -90)
    w.patient("tramadol-starts-later", age=40).medicine("tramadol-starts-later", TRAMADOL, -30)
    w.patient("diazepam-reviewed", age=40).medicine("diazepam-reviewed", DIAZEPAM)
    w.event("diazepam-reviewed", SMR, 30)
    # SMR-01B: the eFI stub makes two people severe and moderate
    w.patient("severe-efi", age=90)
    w.patient("moderate-efi", age=90)
    w.patient("coded-severe-frailty", age=80).event("coded-severe-frailty", SEVERE_FRAILTY, 500)
    # learning disability register
    w.patient("learning-disability", age=30).event("learning-disability", LEARNING_DISABILITY, 5000)

    # The windows at their edges. "3 months" before DAY (2019-12-01) is 2019-09-01..DAY and
    # "12 months" 2018-12-01..DAY, the first day included (Window.cutoff: the same day N months
    # earlier; compared with >=). A medicine counts when its latest issue is in the window. So
    # a record on the first day is caught by a window one month shorter, one on the day before
    # by a window one month longer.
    first_3, before_3 = dt.date(2019, 9, 1), dt.date(2019, 8, 31)

    def edge_a(
        name: str,
        edge: str,
        *,
        age: int = 50,
        recent: tuple[str, ...] = (),
        history: tuple[tuple[str, float | None], ...] = (),
        dmd: str | None = None,
    ) -> None:
        """Two SMR-01A patients for one criterion: `edge` last issued on 2019-09-01 (the
        first day of the 3 months) and on 2019-08-31 (the day before); the rest of the
        criterion holds with medicines issued 20 days ago and diagnoses or results (code,
        value) from long before."""
        for day in (first_3, before_3):
            pid = f"{name}-on-{day.isoformat()}"
            w.patient(pid, age=age).medicine(pid, edge, days_since(day), dmd=dmd)
            for bnf in recent:
                w.medicine(pid, bnf, 20)
            for code, value in history:
                w.event(pid, code, 900, value)

    # each in on 2019-09-01 (the medicine is current) and out on 2019-08-31 (it is not) ...
    edge_a("nsaid-aged-70", NSAID, age=70)  # 65+ on an NSAID (no PPI)
    edge_a("nsaid-with-ulcer", NSAID, history=((PEPTIC_ULCER, None),))
    edge_a("clopidogrel-with-ulcer", CLOPIDOGREL, history=((PEPTIC_ULCER, None),))
    edge_a("apixaban-with-nsaid", APIXABAN, recent=(NSAID,))
    edge_a("nsaid-with-apixaban", NSAID, recent=(APIXABAN,))
    edge_a("apixaban-with-clopidogrel", APIXABAN, recent=(CLOPIDOGREL,))
    edge_a("clopidogrel-with-apixaban", CLOPIDOGREL, recent=(APIXABAN,))
    edge_a("aspirin-with-clopidogrel", ASPIRIN, recent=(CLOPIDOGREL,))
    edge_a("clopidogrel-with-aspirin", CLOPIDOGREL, recent=(ASPIRIN,))
    edge_a("nsaid-with-heart-failure", NSAID, history=((HEART_FAILURE, None),))
    edge_a("nsaid-with-egfr-40", NSAID, history=((EGFR, 40.0),))
    asthma = ((ASTHMA, None),)
    edge_a("propranolol-with-asthma", PROPRANOLOL, history=asthma, dmd=PROPRANOLOL_DMD)
    # ... but the other way round for the PPI that protects a 65+ on an NSAID: a PPI issued on
    # 2019-09-01 is current (out), one issued on 2019-08-31 is not (in)
    edge_a("ppi-with-nsaid-aged-70", PPI, age=70, recent=(NSAID,))
    # SMR-01C's repeats, each last issued on 2019-09-01: in
    for name, bnf in (
        ("tramadol", TRAMADOL),
        ("pregabalin", PREGABALIN),
        ("diazepam", DIAZEPAM),
        ("zopiclone", ZOPICLONE),
    ):
        pid = f"{name}-on-2019-09-01"
        w.patient(pid, age=40).medicine(pid, bnf, days_since(first_3))
    # all four last issued on 2019-08-31, none since: none current, out
    w.patient("four-addictive-on-2019-08-31", age=40)
    for bnf in (TRAMADOL, PREGABALIN, DIAZEPAM, ZOPICLONE):
        w.medicine("four-addictive-on-2019-08-31", bnf, days_since(before_3))
    # polypharmacy: nine medicines 30 days ago and a tenth last issued on 2018-12-01 (in: ten
    # in the 12 months) or on 2018-11-30 (out: nine)
    for day in (dt.date(2018, 12, 1), dt.date(2018, 11, 30)):
        pid = f"tenth-medicine-on-{day.isoformat()}"
        w.patient(pid, age=70)
        for i in range(9):
            w.medicine(pid, f"0{i}0000000", 30)
        w.medicine(pid, "090000000", days_since(day))
    # Someone in every SMR group (an 80-year-old care home resident with a learning disability,
    # coded severe frailty, an NSAID without a PPI, a repeat of diazepam and twelve medicines),
    # with a structured medication review on 2018-12-01, the first day of the 12 months: out of
    # every group; and the same person reviewed on 2018-11-30, the day before: in every group.
    for day in (dt.date(2018, 12, 1), dt.date(2018, 11, 30)):
        pid = f"every-group-reviewed-on-{day.isoformat()}"
        w.patient(pid, age=80, care_home="CH1").event(pid, SMR, days_since(day))
        w.event(pid, LEARNING_DISABILITY, 5000).event(pid, SEVERE_FRAILTY, 500)
        w.medicine(pid, NSAID, 20).medicine(pid, DIAZEPAM, 30)
        for i in range(10):
            w.medicine(pid, f"0{i}0000000", 30)
    return w


def expected(year: str) -> dict[str, set[str]]:
    groups = {
        D: {"care-home", "care-home-old-review", "care-home-aged-18"},
        POLY: {"ten-repeats", "five-repeats-five-acute"},
        A: {
            "nsaid-65",
            "anticoag-antiplatelet",
            "aspirin-clopidogrel",
            "heart-failure-nsaid",
            "egfr-40-nsaid",
            "egfr-44-nsaid",
            "ulcer-aspirin",
            "nsaid-aged-65",
            "ulcer-aspirin-aged-18",
        },
        C: {"tramadol", "pregabalin", "diazepam", "zopiclone", "tramadol-spanning-the-date"},
        B: {"coded-severe-frailty"} | ({"severe-efi"} if year == "2022/23" else set()),
        LD: {"learning-disability"},
    }
    groups[A] |= {
        "nsaid-aged-70-on-2019-09-01",
        "nsaid-with-ulcer-on-2019-09-01",
        "clopidogrel-with-ulcer-on-2019-09-01",
        "apixaban-with-nsaid-on-2019-09-01",
        "nsaid-with-apixaban-on-2019-09-01",
        "apixaban-with-clopidogrel-on-2019-09-01",
        "clopidogrel-with-apixaban-on-2019-09-01",
        "aspirin-with-clopidogrel-on-2019-09-01",
        "clopidogrel-with-aspirin-on-2019-09-01",
        "nsaid-with-heart-failure-on-2019-09-01",
        "nsaid-with-egfr-40-on-2019-09-01",
        "propranolol-with-asthma-on-2019-09-01",
        "ppi-with-nsaid-aged-70-on-2019-08-31",
    }
    groups[C] |= {f"{name}-on-2019-09-01" for name in ("tramadol", "pregabalin", "diazepam")}
    groups[C] |= {"zopiclone-on-2019-09-01"}
    groups[POLY] |= {"tenth-medicine-on-2018-12-01"}
    for cohort in (A, B, C, D, POLY, LD):
        groups[cohort] |= {"every-group-reviewed-on-2018-11-30"}
    out: dict[str, set[str]] = {}
    for cohort, people in groups.items():
        for pid in people:
            out.setdefault(pid, set()).add(cohort)
    return out


def stub_efi(con, date, people):
    """eFI is C2's (tested in tests/cohorts/test_efi.py); here two people have a category."""
    frame = pd.DataFrame(
        {"patient_id": ["severe-efi", "moderate-efi"], "efi_category": ["severe", "moderate"]}
    )
    return ibis.memtable(frame)


@pytest.mark.parametrize("year", ["2022/23", "2023/24", "2024/25"])
def test_smr_groups_follow_each_years_rules(engine, open_world, monkeypatch, year):
    monkeypatch.setattr(compiled, "_efi_table", stub_efi)
    frame = run(open_world(world(), engine), "smr", DAY, year=year)
    assert members(frame) == expected(year)


def test_the_reason_names_the_criterion_that_held(engine, open_world, monkeypatch):
    monkeypatch.setattr(compiled, "_efi_table", stub_efi)
    frame = run(open_world(world(), engine), "smr", DAY, year="2023/24")
    reasons = {(r.patient_id, r.cohort): r.reason for r in frame.itertuples()}
    assert reasons[("nsaid-65", A)] == (
        "aged >= 18; aged >= 65; NSAID current in the last 3 months; "
        "no proton pump inhibitor (gastroprotection) current in the last 3 months; "
        "no structured medication review in the last 12 months"
    )
    assert reasons[("pregabalin", C)].startswith("repeat gabapentinoid current")
