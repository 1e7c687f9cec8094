"""Personalised care: social prescribing referrals and care plans in the last 12 months."""

import datetime as dt

from openpcn.cohorts.engine import run

from .conftest import DAY, World, days_since, members

SOCIAL, PLAN = "871731000000106", "734163000"


def world() -> World:
    w = World()
    w.patient("referred").event("referred", SOCIAL, 100)
    w.patient("referred-long-ago").event("referred-long-ago", SOCIAL, 400)
    w.patient("plan").event("plan", PLAN, 10)
    w.patient("both").event("both", PLAN, 10).event("both", SOCIAL, 10)
    w.patient("left-the-practice").event("left-the-practice", SOCIAL, 10)
    w.patients[-1]["deregistration_date"] = w.patients[-1]["registration_date"].replace(year=2019)
    # The 12 months at their edge: from 2018-12-01 (the same day 12 months before DAY,
    # 2019-12-01, included: Window.cutoff) to DAY. A referral or plan on the first day is in (a
    # window a month shorter would lose it); one the day before is out (a month longer would
    # take it in).
    first, before = days_since(dt.date(2018, 12, 1)), days_since(dt.date(2018, 11, 30))
    w.patient("referred-on-2018-12-01").event("referred-on-2018-12-01", SOCIAL, first)
    w.patient("referred-on-2018-11-30").event("referred-on-2018-11-30", SOCIAL, before)
    w.patient("plan-on-2018-12-01").event("plan-on-2018-12-01", PLAN, first)
    w.patient("plan-on-2018-11-30").event("plan-on-2018-11-30", PLAN, before)
    return w


EXPECTED = {
    "referred": {"personalised-care-social-prescribing"},
    "plan": {"personalised-care-plan-recorded"},
    "both": {"personalised-care-social-prescribing", "personalised-care-plan-recorded"},
    "referred-on-2018-12-01": {"personalised-care-social-prescribing"},
    "plan-on-2018-12-01": {"personalised-care-plan-recorded"},
}


def test_personalised_care_cohorts(engine, open_world):
    assert members(run(open_world(world(), engine), "personalised_care", DAY)) == EXPECTED
