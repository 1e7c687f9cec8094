"""Personalised care: social prescribing referrals and care plans in the last 12 months."""

from openpcn.cohorts.engine import run

from .conftest import DAY, World, members

SOCIAL, PLAN = "871731000000106", "734163000"


def world() -> World:
    w = World()
    w.patient("referred").event("referred", SOCIAL, 100)
    w.patient("referred-long-ago").event("referred-long-ago", SOCIAL, 400)
    w.patient("plan").event("plan", PLAN, 10)
    w.patient("both").event("both", PLAN, 10).event("both", SOCIAL, 10)
    w.patient("left-the-practice").event("left-the-practice", SOCIAL, 10)
    w.patients[-1]["deregistration_date"] = w.patients[-1]["registration_date"].replace(year=2019)
    return w


EXPECTED = {
    "referred": {"personalised-care-social-prescribing"},
    "plan": {"personalised-care-plan-recorded"},
    "both": {"personalised-care-social-prescribing", "personalised-care-plan-recorded"},
}


def test_personalised_care_cohorts(engine, open_world):
    assert members(run(open_world(world(), engine), "personalised_care", DAY)) == EXPECTED
