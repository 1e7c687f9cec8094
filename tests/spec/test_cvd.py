"""CVD by year, worked by hand from NHS Digital's rules: CVD-01 (18+, not on the register, the
latest reading in a 2/3/4-year window or any reading in 6 months at 140/90 or more, no ABPM or
HBPM since), CVD-02 (the hypertension register), the QRISK cohort (CVD-03 in 2022/23: 25-84, no
CHD/stroke/TIA, QRISK over 20%, no statin; CVD-08 from 2023/24: also no PAD or diabetes, any
lipid-lowering drug treats) and NICE's 10% cohort."""

import datetime as dt

import pytest

from openpcn.cohorts.engine import run

from .conftest import DAY, World, days_since, members

SYS, DIA, HYP, ABPM = "271649006", "271650006", "59621000", "314464000"
HBPM = "413605002"  # average home diastolic blood pressure
QRISK2, QRISK3 = "718087004", "1085871000000105"
CHD, PAD, DM, DMRES = "414545008", "840580004", "44054006", "315051004"
ATORVASTATIN, OTHER_LIPID_DRUG = "0212000B0", "0212000C0"  # BNF 2.12, not a statin
CVD01, CVD02 = "cvd-01-raised-bp-undiagnosed", "cvd-02-hypertension-register"
Q20, Q10 = "cvd-qrisk-20-no-statin", "cvd-qrisk-10-no-statin"


def world() -> World:
    w = World()
    w.patient("raised-systolic").event("raised-systolic", SYS, 30, 152)
    w.event("raised-systolic", SYS, 400, 130)
    w.patient("raised-diastolic").event("raised-diastolic", DIA, 30, 90)
    w.patient("raised-then-normal").event("raised-then-normal", SYS, 400, 160)
    w.event("raised-then-normal", SYS, 30, 128)
    w.patient("just-below").event("just-below", SYS, 30, 139).event("just-below", DIA, 30, 89)
    w.patient("raised-diagnosed").event("raised-diagnosed", SYS, 30, 170)
    w.event("raised-diagnosed", HYP, 3000)
    w.patient("reading-after-the-date").event("reading-after-the-date", SYS, -10, 180)
    w.patient("raised-900-days-ago").event("raised-900-days-ago", SYS, 900, 150)  # 2.5 years
    w.patient("raised-1200-days-ago").event("raised-1200-days-ago", SYS, 1200, 150)  # 3.3 years
    w.patient("raised-aged-17", age=17).event("raised-aged-17", SYS, 30, 150)
    w.patient("raised-then-abpm").event("raised-then-abpm", SYS, 60, 150)
    w.event("raised-then-abpm", ABPM, 30, 128)
    # high 100 days ago, normal since: the latest is normal, but a high in the last 6 months
    w.patient("high-in-6-months").event("high-in-6-months", SYS, 100, 150)
    w.event("high-in-6-months", SYS, 20, 130)
    # CVD-01 at its edges (every year's window is at least 2 years; "6 months" before DAY,
    # 2019-12-01, is 2019-06-01, so 300 days ago is outside it and 100 days ago inside).
    # 18, the youngest age in (age >= 18), with a raised reading: in.
    w.patient("raised-aged-18", age=18).event("raised-aged-18", SYS, 30, 150)
    # latest systolic exactly 140, 300 days ago: in by "latest systolic >= 140" alone (no
    # reading in the 6 months, no diastolic).
    w.patient("latest-systolic-140").event("latest-systolic-140", SYS, 300, 140)
    # latest diastolic exactly 90, 300 days ago: in by "latest diastolic >= 90" alone.
    w.patient("latest-diastolic-90").event("latest-diastolic-90", DIA, 300, 90)
    # systolic exactly 140 100 days ago, 130 since: the latest is normal, so in only by "a
    # systolic >= 140 in the last 6 months".
    w.patient("systolic-140-in-6-months").event("systolic-140-in-6-months", SYS, 100, 140)
    w.event("systolic-140-in-6-months", SYS, 20, 130)
    # diastolic exactly 90 100 days ago, 80 since: in only by "a diastolic >= 90 in 6 months".
    w.patient("diastolic-90-in-6-months").event("diastolic-90-in-6-months", DIA, 100, 90)
    w.event("diastolic-90-in-6-months", DIA, 20, 80)
    # CVD-01's windows at their first day. A window of N months (or years) before DAY starts on
    # the same day of the month N months earlier, that day included (Window.cutoff; the events
    # compared with >=), and ends on DAY. "6 months" is 2019-06-01..2019-12-01; "2 years"
    # (2022/23) starts 2017-12-01, "3 years" (2023/24) 2016-12-01, "4 years" (2024/25)
    # 2015-12-01. A patient dated on a window's first day is caught if the window shrinks by one
    # (5 months; 1, 2, 3 years); one dated the day before, if it grows by one (7 months; 3, 4, 5).
    # Raised readings in the last 6 months, the latest one normal (130 systolic, 80 diastolic,
    # 20 days ago): in only by "a reading >= 140 (>= 90) in the last 6 months".
    for pid, code, high, normal, day in (
        ("systolic-150-on-2019-06-01", SYS, 150, 130, dt.date(2019, 6, 1)),  # first day: in
        ("systolic-150-on-2019-05-31", SYS, 150, 130, dt.date(2019, 5, 31)),  # day before: out
        ("diastolic-95-on-2019-06-01", DIA, 95, 80, dt.date(2019, 6, 1)),  # first day: in
        ("diastolic-95-on-2019-05-31", DIA, 95, 80, dt.date(2019, 5, 31)),  # day before: out
    ):
        w.patient(pid).event(pid, code, days_since(day), high).event(pid, code, 20, normal)
    # One raised reading, on the date in the name, nothing since: in by "latest reading >= 140
    # (>= 90) in the last N years" when the date is in that year's window (expected() below).
    # With no reading in the last 6 months, the 6-month criteria do not hold.
    for day in ("2017-12-01", "2017-11-30", "2016-12-01", "2016-11-30", "2015-12-01", "2015-11-30"):
        when = days_since(dt.date.fromisoformat(day))
        w.patient(f"systolic-150-on-{day}").event(f"systolic-150-on-{day}", SYS, when, 150)
        w.patient(f"diastolic-95-on-{day}").event(f"diastolic-95-on-{day}", DIA, when, 95)
        # raised 30 days ago (in by the latest reading, every year), with an ambulatory or home
        # reading on the date in the name: left out when that date is in the year's window
        for kind, code in (("abpm", ABPM), ("hbpm", HBPM)):
            pid = f"raised-{kind}-on-{day}"
            w.patient(pid).event(pid, SYS, 30, 150).event(pid, code, when)

    def qrisk(pid: str, value: float, *, age: int = 50, code: str = QRISK2) -> None:
        w.patient(pid, age=age).event(pid, code, 100, value)

    qrisk("qrisk-25", 25.0)
    qrisk("qrisk-exactly-20", 20.0)
    qrisk("qrisk3-22", 22.0, code=QRISK3)
    qrisk("qrisk-25-statin", 25.0)
    w.medicine("qrisk-25-statin", ATORVASTATIN, 40)
    qrisk("qrisk-25-statin-stopped", 25.0)
    w.medicine("qrisk-25-statin-stopped", ATORVASTATIN, 400)
    qrisk("qrisk-25-aged-85", 25.0, age=85)
    qrisk("qrisk-25-aged-24", 25.0, age=24)
    qrisk("qrisk-25-chd", 25.0)
    w.event("qrisk-25-chd", CHD, 2000)
    qrisk("qrisk-25-pad", 25.0)
    w.event("qrisk-25-pad", PAD, 2000)
    qrisk("qrisk-25-diabetes", 25.0)
    w.event("qrisk-25-diabetes", DM, 2000)
    qrisk("qrisk-25-diabetes-resolved", 25.0)
    w.event("qrisk-25-diabetes-resolved", DM, 2000).event("qrisk-25-diabetes-resolved", DMRES, 500)
    qrisk("qrisk-25-other-lipid-drug", 25.0)
    w.medicine("qrisk-25-other-lipid-drug", OTHER_LIPID_DRUG, 40)
    w.patient("qrisk-fell-to-12").event("qrisk-fell-to-12", QRISK2, 900, 22.0)
    w.event("qrisk-fell-to-12", QRISK2, 100, 12.0)
    qrisk("qrisk-9", 9.0)
    # The QRISK cohorts at their edges (ages 25 to 84 inclusive; QRISK > 20 for the 20% cohort,
    # >= 10 for NICE's): each of these is in because of the number in its name.
    qrisk("qrisk-25-aged-25", 25.0, age=25)  # the youngest age in (age >= 25): both cohorts
    qrisk("qrisk-25-aged-84", 25.0, age=84)  # the oldest age in (age <= 84): both cohorts
    qrisk("qrisk-21", 21.0)  # 21 > 20: the 20% cohort (and 21 >= 10: the 10% one)
    qrisk("qrisk-exactly-10", 10.0)  # 10 >= 10: the 10% cohort; not over 20
    # "no statin (or, from 2023/24, other lipid-lowering drug) in the last 6 months" at its
    # edge: a medicine counts in a window when its latest issue is on or after the window's
    # first day, 2019-06-01 for "6 months" before DAY (2019-12-01).
    # last issued on the first day: on a statin, out of both cohorts every year
    qrisk("qrisk-25-statin-on-2019-06-01", 25.0)
    w.medicine("qrisk-25-statin-on-2019-06-01", ATORVASTATIN, days_since(dt.date(2019, 6, 1)))
    # last issued the day before: not on one, in both cohorts every year
    qrisk("qrisk-25-statin-on-2019-05-31", 25.0)
    w.medicine("qrisk-25-statin-on-2019-05-31", ATORVASTATIN, days_since(dt.date(2019, 5, 31)))
    # a lipid-lowering drug that is not a statin, last issued on the first day: treated from
    # 2023/24 (out of the 20% cohort); in it in 2022/23, and in the 10% one (statins only)
    qrisk("qrisk-25-other-lipid-drug-on-2019-06-01", 25.0)
    when = days_since(dt.date(2019, 6, 1))
    w.medicine("qrisk-25-other-lipid-drug-on-2019-06-01", OTHER_LIPID_DRUG, when)
    # the same drug last issued the day before: untreated, in both cohorts every year
    qrisk("qrisk-25-other-lipid-drug-on-2019-05-31", 25.0)
    when = days_since(dt.date(2019, 5, 31))
    w.medicine("qrisk-25-other-lipid-drug-on-2019-05-31", OTHER_LIPID_DRUG, when)
    return w


def expected(year: str) -> dict[str, set[str]]:
    cvd01 = {"raised-systolic", "raised-diastolic", "high-in-6-months", "raised-aged-18"}
    cvd01 |= {"latest-systolic-140", "latest-diastolic-90"}
    cvd01 |= {"systolic-140-in-6-months", "diastolic-90-in-6-months"}
    cvd01 |= {"raised-900-days-ago"} if year != "2022/23" else set()
    cvd01 |= {"raised-1200-days-ago"} if year == "2024/25" else set()
    # the windows' edges: the first day of "6 months" is in, the day before out, every year
    cvd01 |= {"systolic-150-on-2019-06-01", "diastolic-95-on-2019-06-01"}
    # the dates of the edge patients in each year's window (2 years from 2017-12-01, 3 from
    # 2016-12-01, 4 from 2015-12-01): a latest raised reading on one of them is in; an ABPM or
    # HBPM reading on one of them leaves its patient out, one on any other date does not
    in_window = {
        "2022/23": {"2017-12-01"},
        "2023/24": {"2017-12-01", "2017-11-30", "2016-12-01"},
        "2024/25": {"2017-12-01", "2017-11-30", "2016-12-01", "2016-11-30", "2015-12-01"},
    }[year]
    for day in ("2017-12-01", "2017-11-30", "2016-12-01", "2016-11-30", "2015-12-01", "2015-11-30"):
        if day in in_window:
            cvd01 |= {f"systolic-150-on-{day}", f"diastolic-95-on-{day}"}
        else:
            cvd01 |= {f"raised-abpm-on-{day}", f"raised-hbpm-on-{day}"}
    over_20 = {"qrisk-25", "qrisk3-22", "qrisk-25-statin-stopped", "qrisk-25-diabetes-resolved"}
    over_20 |= {"qrisk-25-aged-25", "qrisk-25-aged-84", "qrisk-21"}
    over_20 |= {"qrisk-25-statin-on-2019-05-31", "qrisk-25-other-lipid-drug-on-2019-05-31"}
    if year == "2022/23":  # CVD-03: PAD and diabetes not excluded, statins only treat
        over_20 |= {"qrisk-25-pad", "qrisk-25-diabetes", "qrisk-25-other-lipid-drug"}
        over_20 |= {"qrisk-25-other-lipid-drug-on-2019-06-01"}
    over_10 = {
        "qrisk-25",
        "qrisk-exactly-20",
        "qrisk3-22",
        "qrisk-25-statin-stopped",
        "qrisk-25-diabetes",
        "qrisk-25-diabetes-resolved",
        "qrisk-25-other-lipid-drug",
        "qrisk-fell-to-12",
        "qrisk-25-aged-25",
        "qrisk-25-aged-84",
        "qrisk-21",
        "qrisk-exactly-10",
        "qrisk-25-statin-on-2019-05-31",
        "qrisk-25-other-lipid-drug-on-2019-06-01",
        "qrisk-25-other-lipid-drug-on-2019-05-31",
    }
    out: dict[str, set[str]] = {}
    for cohort, people in ((CVD01, cvd01), (CVD02, {"raised-diagnosed"}), (Q20, over_20),
                           (Q10, over_10)):  # fmt: skip
        for pid in people:
            out.setdefault(pid, set()).add(cohort)
    return out


@pytest.mark.parametrize("year", ["2022/23", "2023/24", "2024/25"])
def test_cvd_cohorts_follow_each_years_rules(engine, open_world, year):
    frame = run(open_world(world(), engine), "cvd", DAY, year=year)
    assert members(frame) == expected(year)
    # The reason names the statin window. From 2023/24 it is the only place a wrong one would
    # show: statins are lipid-lowering drugs (BNF 2.12), so "no lipid-lowering drug in the last
    # 6 months" already leaves out everyone on a statin in a shorter window.
    reasons = {(r.patient_id, r.cohort): r.reason for r in frame.itertuples()}
    assert "no statin current in the last 6 months" in reasons[("qrisk-25", Q20)]


def test_the_reason_says_which_reading_was_raised(engine, open_world):
    frame = run(open_world(world(), engine), CVD01, DAY, year="2023/24")
    reasons = dict(zip(frame["patient_id"], frame["reason"], strict=True))
    raised = "latest diastolic blood pressure in the last 3 years >= 90"
    assert raised in reasons["raised-diastolic"]
    assert "systolic blood pressure >= 140 in the last 6 months" in reasons["high-in-6-months"]
