"""CVD: raised BP without a diagnosis (CVD-01), the hypertension register (CVD-02), QRISK >= 20
without a statin."""

from openpcn.cohorts.engine import run

from .conftest import DAY, World, members

SYS, DIA, HYP, QRISK = "271649006", "271650006", "38341003", "718087004"
ATORVASTATIN = "0212000B0"


def world() -> World:
    w = World()
    w.patient("raised-systolic").event("raised-systolic", SYS, 30, 152).event(
        "raised-systolic", SYS, 400, 130
    )
    w.patient("raised-diastolic").event("raised-diastolic", DIA, 30, 90)
    w.patient("raised-then-normal").event("raised-then-normal", SYS, 400, 160).event(
        "raised-then-normal", SYS, 30, 128
    )
    w.patient("just-below").event("just-below", SYS, 30, 139).event("just-below", DIA, 30, 89)
    w.patient("raised-diagnosed").event("raised-diagnosed", SYS, 30, 170).event(
        "raised-diagnosed", HYP, 3000
    )
    w.patient("reading-after-the-date").event("reading-after-the-date", SYS, -10, 180)
    w.patient("qrisk-25").event("qrisk-25", QRISK, 100, 25.0)
    w.patient("qrisk-25-statin").event("qrisk-25-statin", QRISK, 100, 25.0).medicine(
        "qrisk-25-statin", ATORVASTATIN, 40
    )
    w.patient("qrisk-25-statin-stopped").event("qrisk-25-statin-stopped", QRISK, 100, 25.0)
    w.medicine("qrisk-25-statin-stopped", ATORVASTATIN, 400)
    w.patient("qrisk-25-statin-spanning").event("qrisk-25-statin-spanning", QRISK, 100, 25.0)
    w.medicine("qrisk-25-statin-spanning", ATORVASTATIN, 700).medicine(
        "qrisk-25-statin-spanning", ATORVASTATIN, -60
    )
    w.patient("qrisk-fell-to-12").event("qrisk-fell-to-12", QRISK, 900, 22.0).event(
        "qrisk-fell-to-12", QRISK, 100, 12.0
    )
    return w


EXPECTED = {
    "raised-systolic": {"cvd-01-raised-bp-undiagnosed"},
    "raised-diastolic": {"cvd-01-raised-bp-undiagnosed"},
    "raised-diagnosed": {"cvd-02-hypertension-register"},
    "qrisk-25": {"cvd-qrisk-20-no-statin"},
    "qrisk-25-statin-stopped": {"cvd-qrisk-20-no-statin"},
}


def test_cvd_cohorts(engine, open_world):
    frame = run(open_world(world(), engine), "cvd", DAY)
    assert members(frame) == EXPECTED
    reasons = dict(zip(frame["patient_id"], frame["reason"], strict=True))
    assert reasons["raised-diastolic"] == (
        "latest diastolic blood pressure >= 90; no hypertension diagnosis recorded"
    )
