"""Inequalities: the diagnosed share of people with a raised latest BP (numerator and
denominator cohorts). The breakdown by IMD quintile and ethnicity is tested in
tests/cohorts/test_summary.py."""

from openpcn.cohorts.engine import run

from .conftest import DAY, World, members

SYS, HYP = "271649006", "38341003"
DIA = "271650006"  # diastolic blood pressure (openpcn-diastolic-bp)


def world() -> World:
    w = World()
    w.patient("raised-diagnosed", imd_decile=1).event("raised-diagnosed", SYS, 30, 150)
    w.event("raised-diagnosed", HYP, 900)
    w.patient("raised-undiagnosed", imd_decile=2).event("raised-undiagnosed", SYS, 30, 150)
    w.patient("normal-diagnosed", imd_decile=9).event("normal-diagnosed", SYS, 30, 120)
    w.event("normal-diagnosed", HYP, 900)
    return w


EXPECTED = {
    "raised-diagnosed": {"inequalities-raised-bp", "inequalities-raised-bp-diagnosed"},
    "raised-undiagnosed": {"inequalities-raised-bp"},
}


def test_inequalities_cohorts(engine, open_world):
    assert members(run(open_world(world(), engine), "inequalities", DAY)) == EXPECTED


def edge_world() -> World:
    """One systolic and one diastolic reading 30 days ago per person, named systolic-diastolic,
    and a hypertension diagnosis, so the numerator (diagnosed) meets the same edges."""
    w = World()
    for pid, systolic, diastolic in (("139-89", 139, 89), ("140-80", 140, 80), ("130-90", 130, 90)):
        w.patient(pid).event(pid, SYS, 30, systolic).event(pid, DIA, 30, diastolic)
        w.event(pid, HYP, 900)
    return w


def test_a_raised_reading_starts_at_140_systolic_or_90_diastolic(engine, open_world):
    # Rule (inequalities-raised-bp.toml; NICE NG136): latest systolic >= 140 or latest diastolic
    # >= 90. 139/89 is under both edges: not raised. 140/80 is on the systolic edge: raised.
    # 130/90 is on the diastolic edge: raised. (The definition has no age threshold.) All three
    # are diagnosed, so the diagnosed cohort (inequalities-raised-bp-diagnosed.toml: the same
    # reading rule, written out again, and a hypertension code) holds the same two.
    cohorts = members(run(open_world(edge_world(), engine), "inequalities", DAY))
    raised = {pid for pid, names in cohorts.items() if "inequalities-raised-bp" in names}
    assert raised == {"140-80", "130-90"}
    diagnosed = {
        pid for pid, names in cohorts.items() if "inequalities-raised-bp-diagnosed" in names
    }
    assert diagnosed == {"140-80", "130-90"}
