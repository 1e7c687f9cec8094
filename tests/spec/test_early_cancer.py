"""Early cancer diagnosis: lower-GI urgent referrals with and without a FIT, by year, worked by
hand from each year's indicator (CAN-01 2022/23: a FIT from 7 days before to 14 days after a
referral; CAN-02 2023/24 and CAN-04 2024/25: a FIT in the 21 days before it), windows at their
edges; screening non-responders."""

import pytest

from openpcn.cohorts.engine import run

from .conftest import DAY, World, members

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
    return w


def expected(accompanied: set[str]) -> dict[str, set[str]]:
    referred = [*FIT_OFFSETS, "referred-no-fit", "referred-old-fit", "two-referrals"]
    out = {pid: {WITH if pid in accompanied else WITHOUT} for pid in referred}
    return out | {"non-responder": {"early-cancer-screening-non-responders"}}


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
