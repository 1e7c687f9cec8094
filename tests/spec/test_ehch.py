"""EHCH: residents aged 18+ of care homes aligned to their practice's PCN (NHS Digital's EHCH
indicators count adults), and those without a plan."""

from openpcn.cohorts.engine import run

from .conftest import DAY, World, members

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
    return w


EXPECTED = {
    "aligned-no-plan": {"ehch-aligned-residents", "ehch-no-care-plan"},
    "aligned-plan": {"ehch-aligned-residents"},
    "aligned-old-plan": {"ehch-aligned-residents", "ehch-no-care-plan"},
    "other-pcn-resident": {"ehch-aligned-residents", "ehch-no-care-plan"},
    "aligned-aged-18": {"ehch-aligned-residents", "ehch-no-care-plan"},
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
    }
