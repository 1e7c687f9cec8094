"""EHCH: residents aged 18+ of care homes aligned to their practice's PCN (NHS Digital's EHCH
indicators count adults), and those without a plan."""

import datetime as dt

from openpcn.cohorts.engine import run

from .conftest import DAY, World, days_since, members

PLAN = "734163000"


def world() -> World:
    w = World()
    w.patient("aligned-no-plan", care_home="CH1", age=85)
    w.patient("aligned-plan", care_home="CH1", age=85).event("aligned-plan", PLAN, 60)
    w.patient("aligned-old-plan", care_home="CH1", age=85).event("aligned-old-plan", PLAN, 500)
    w.patient("home-of-other-pcn", care_home="CH2", age=85)
    w.patient("other-pcn-resident", care_home="CH2", age=85, practice="J81003")
    w.patient("at-home", age=85)
    w.patient("aligned-aged-17", care_home="CH1", age=17)
    w.patient("aligned-aged-18", care_home="CH1", age=18)
    # "no care plan in the last 12 months" at its edge: the 12 months before DAY (2019-12-01)
    # start on 2018-12-01, that day included (Window.cutoff). A plan on the first day counts
    # (not in the no-plan cohort; a window a month shorter would wrongly put them in), one the
    # day before does not (in it; a month longer would wrongly leave them out).
    for day in (dt.date(2018, 12, 1), dt.date(2018, 11, 30)):
        pid = f"aligned-plan-on-{day.isoformat()}"
        w.patient(pid, care_home="CH1", age=85).event(pid, PLAN, days_since(day))
    return w


EXPECTED = {
    "aligned-no-plan": {"ehch-aligned-residents", "ehch-no-care-plan"},
    "aligned-plan": {"ehch-aligned-residents"},
    "aligned-old-plan": {"ehch-aligned-residents", "ehch-no-care-plan"},
    "other-pcn-resident": {"ehch-aligned-residents", "ehch-no-care-plan"},
    "aligned-aged-18": {"ehch-aligned-residents", "ehch-no-care-plan"},
    "aligned-plan-on-2018-12-01": {"ehch-aligned-residents"},
    "aligned-plan-on-2018-11-30": {"ehch-aligned-residents", "ehch-no-care-plan"},
}


def test_ehch_cohorts(engine, open_world):
    con = open_world(world(), engine)
    assert members(run(con, "ehch", DAY)) == EXPECTED
    only_u00001 = run(con, "ehch", DAY, pcn="U00001")
    assert set(only_u00001["patient_id"]) == {
        "aligned-no-plan",
        "aligned-plan",
        "aligned-old-plan",
        "aligned-aged-18",
        "aligned-plan-on-2018-12-01",
        "aligned-plan-on-2018-11-30",
    }
