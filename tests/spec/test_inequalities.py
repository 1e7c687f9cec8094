"""Inequalities: the diagnosed share of people with a raised latest BP (numerator and
denominator cohorts). The breakdown by IMD quintile and ethnicity is tested in
tests/cohorts/test_summary.py."""

from openpcn.cohorts.engine import run

from .conftest import DAY, World, members

SYS, HYP = "271649006", "38341003"


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
