"""Early cancer diagnosis: lower-GI urgent referrals with and without a FIT, by year, worked by
hand from each year's indicator (CAN-01 2022/23: a FIT from 7 days before to 14 days after a
referral; CAN-02 2023/24 and CAN-04 2024/25: a FIT in the 21 days before it), windows at their
edges; screening non-responders."""

import datetime as dt

import pytest

from openpcn.cohorts.engine import run

from .conftest import DAY, World, days_since, members

LGI, FIT, NON_RESPONSE = "276401000000108", "1049361000000101", "384241000000100"
WITH, WITHOUT = "early-cancer-lgi-with-fit", "early-cancer-lgi-without-fit"
REFERRED = 50  # days before DAY: the referral of most patients below

# patient -> days from the referral to the FIT (negative: before it). A FIT accompanies the
# referral when it is from `days_before` days before to `days_after` days after it, both days
# included (compile.py's event_with): CAN-01 -7..+14, CAN-02 and CAN-04 -21..0. So the day after
# the referral is in CAN-01's window and outside the later indicators' (days_after = 0).
FIT_OFFSETS = {
    "fit-same-day": 0,
    "fit-1-after": 1,
    "fit-7-before": -7,
    "fit-8-before": -8,
    "fit-21-before": -21,
    "fit-22-before": -22,
    "fit-14-after": 14,
    "fit-15-after": 15,
}


def world() -> World:
    w = World()
    for pid, offset in FIT_OFFSETS.items():
        w.patient(pid).event(pid, LGI, REFERRED).event(pid, FIT, REFERRED - offset, 15.0)
    w.patient("referred-no-fit").event("referred-no-fit", LGI, REFERRED)
    w.patient("referred-old-fit").event("referred-old-fit", LGI, 50).event(
        "referred-old-fit", FIT, 500, 3.0
    )
    # referred 13 months ago with a FIT: outside the 12-month look-back
    w.patient("referred-long-ago").event("referred-long-ago", LGI, 400).event(
        "referred-long-ago", FIT, 401, 2.0
    )
    # two referrals in the window, the earlier one with a FIT the day before: with a FIT
    w.patient("two-referrals").event("two-referrals", LGI, 300).event(
        "two-referrals", FIT, 301, 9.0
    )
    w.event("two-referrals", LGI, 40)
    w.patient("non-responder").event("non-responder", NON_RESPONSE, 300)
    w.patient("old-non-responder").event("old-non-responder", NON_RESPONSE, 800)
    # The look-backs at their edges. "12 months" before DAY (2019-12-01) starts on 2018-12-01
    # and "24 months" on 2017-12-01, the first day included (Window.cutoff, compared with >=);
    # the day before is out. Every year's rule takes a FIT on the referral's own day. A window
    # a month shorter would lose the first-day patients, a month longer take in the day before.
    first, before = days_since(dt.date(2018, 12, 1)), days_since(dt.date(2018, 11, 30))
    # referred with a FIT on the first day: with a FIT
    w.patient("fit-referral-on-2018-12-01").event("fit-referral-on-2018-12-01", LGI, first)
    w.event("fit-referral-on-2018-12-01", FIT, first, 12.0)
    # referred on the first day, no FIT: without one
    w.patient("referral-on-2018-12-01").event("referral-on-2018-12-01", LGI, first)
    # referred the day before, no FIT: in neither (no referral in the 12 months)
    w.patient("referral-on-2018-11-30").event("referral-on-2018-11-30", LGI, before)
    # referred with a FIT the day before, and again 50 days ago without one: only the referral
    # in the window counts, so without a FIT
    pid = "fit-referral-on-2018-11-30-then-one-without"
    w.patient(pid).event(pid, LGI, before).event(pid, FIT, before, 12.0)
    w.event(pid, LGI, REFERRED)
    # bowel screening non-response on the first day of the 24 months: in; the day before: out
    first, before = days_since(dt.date(2017, 12, 1)), days_since(dt.date(2017, 11, 30))
    w.patient("non-response-on-2017-12-01").event("non-response-on-2017-12-01", NON_RESPONSE, first)
    w.patient("non-response-on-2017-11-30").event(
        "non-response-on-2017-11-30", NON_RESPONSE, before
    )
    return w


def expected(accompanied: set[str]) -> dict[str, set[str]]:
    referred = [*FIT_OFFSETS, "referred-no-fit", "referred-old-fit", "two-referrals"]
    out = {pid: {WITH if pid in accompanied else WITHOUT} for pid in referred}
    out |= {
        "fit-referral-on-2018-12-01": {WITH},
        "referral-on-2018-12-01": {WITHOUT},
        "fit-referral-on-2018-11-30-then-one-without": {WITHOUT},
    }
    non_responders = {"non-responder", "non-response-on-2017-12-01"}
    return out | {pid: {"early-cancer-screening-non-responders"} for pid in non_responders}


CAN01 = {"fit-same-day", "fit-1-after", "fit-7-before", "fit-14-after", "two-referrals"}
CAN02 = {"fit-same-day", "fit-7-before", "fit-8-before", "fit-21-before", "two-referrals"}


@pytest.mark.parametrize(
    ("year", "accompanied"), [("2022/23", CAN01), ("2023/24", CAN02), ("2024/25", CAN02)]
)
def test_early_cancer_cohorts_follow_each_years_indicator(engine, open_world, year, accompanied):
    found = run(open_world(world(), engine), "early_cancer", DAY, year=year)
    assert members(found) == expected(accompanied)


def test_the_reason_names_the_window(engine, open_world):
    found = run(open_world(world(), engine), WITH, DAY, year="2023/24")
    reason = found.loc[found["patient_id"] == "fit-21-before", "reason"].iloc[0]
    assert "in the 21 days before it (or on its day)" in reason
