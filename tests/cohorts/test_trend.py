"""A PCN's trend on a small inline warehouse: people who enter a cohort between two dates are
counted from the date after they enter, registered counts and the CAN-01 / CVD-02 rates follow,
dates before the PCN opened or before the records start are left out with the reason, the
risk-centile cohort is left out with a note, and one query equals one query per date.
"""

from __future__ import annotations

import datetime as dt

import pytest

from openpcn.cohorts.definitions import load_definitions
from openpcn.cohorts.disclosure import disclose
from openpcn.cohorts.summary import rate
from openpcn.cohorts.trend import disclosed_trend, trend, trend_dates
from openpcn.exceptions import InputError, NotFoundError

HYP, LGI, FIT = "38341003", "276401000000108", "1049361000000101"
NEW, OLD = "U00001", "U00002"  # NEW opened 2019-04-01 (practice A00001); OLD in 2015 (A00002)
RECORDS_START = "2018-05-01"  # the first prescription: the records start there


def person(pid: str, practice: str = "A00001", registered: str = "2010-01-01") -> dict:
    return {
        "patient_id": pid,
        "practice_code": practice,
        "sex": "F",
        "birth_month": dt.date(1950, 1, 1),
        "imd_decile": 5,
        "ethnicity_group": "White",
        "registration_date": dt.date.fromisoformat(registered),
    }


def event(pid: str, code: str, day: str) -> dict:
    return {"patient_id": pid, "date": dt.date.fromisoformat(day), "snomed_code": code}


def pcn(code: str, opened: str) -> dict:
    day = dt.date.fromisoformat(opened)
    return {"pcn_code": code, "name": code, "commissioner_code": "11J", "open_date": day}


def member(practice: str, code: str, start: str) -> dict:
    day = dt.date.fromisoformat(start)
    return {"practice_code": practice, "pcn_code": code, "start_date": day, "source": "test"}


def trend_tables() -> dict[str, list[dict]]:
    """NEW's hypertension register grows 2 -> 5 -> 6 from June to December 2019; an LGI
    referral with a FIT in July, one without in October; OLD's nine people all diagnosed."""
    # Hypertension register of NEW: 2 before June, 3 more by September, 1 more by December.
    diagnosed = {"h1": "2015-01-10", "h2": "2019-05-01", "h3": "2019-06-02", "h4": "2019-07-01",
                 "h5": "2019-08-31", "h6": "2019-11-30"}  # fmt: skip
    patients = [person(pid) for pid in diagnosed]
    patients += [person(f"other-{i}") for i in range(4)]  # never diagnosed
    patients.append(person("late", registered="2019-08-01"))  # registers between Jun and Sep
    patients += [person("lgi-fit"), person("lgi-no-fit")]
    patients += [person(f"old-{i}", practice="A00002") for i in range(9)]  # OLD, all diagnosed
    events = [event(pid, HYP, day) for pid, day in diagnosed.items()]
    events += [event(f"old-{i}", HYP, "2016-01-01") for i in range(9)]
    events += [event("lgi-fit", LGI, "2019-07-15"), event("lgi-fit", FIT, "2019-07-20")]
    events.append(event("lgi-no-fit", LGI, "2019-10-01"))
    return dict(
        pcns=[pcn(NEW, "2019-04-01"), pcn(OLD, "2015-01-01")],
        memberships=[member("A00001", NEW, "2019-04-01"), member("A00002", OLD, "2015-01-01")],
        patients=patients,
        events=events,
        medications=[
            {
                "patient_id": "other-0",
                "date": dt.date.fromisoformat(RECORDS_START),
                "dmd_code": "39720311000001101",
                "bnf_code": "0212000B0AAABAB",
                "repeat": False,
            }
        ],
    )


@pytest.fixture(scope="module")
def con(build, tmp_path_factory):
    """One read-only warehouse for the module (each trend is a few seconds of queries)."""
    return build(tmp_path_factory.mktemp("trend") / "w.duckdb", **trend_tables())


@pytest.fixture(scope="module")
def quarterly(con) -> dict:
    return trend(con, NEW, "2019-12-01", points=4, step_months=3)


def counts(answer: dict, cohort: str) -> list[int | None]:
    return next(c["counts"] for c in answer["cohorts"] if c["id"] == cohort)


def test_people_entering_a_cohort_between_two_dates_count_from_the_next_date(quarterly):
    assert quarterly["dates"] == ["2019-06-01", "2019-09-01", "2019-12-01"]
    assert counts(quarterly, "cvd-02-hypertension-register") == [2, 5, 6]
    assert quarterly["registered"] == [12, 13, 13]  # "late" registered on 2019-08-01
    assert counts(quarterly, "early-cancer-lgi-with-fit") == [0, 1, 1]
    assert counts(quarterly, "early-cancer-lgi-without-fit") == [0, 0, 1]


def test_the_indicators_are_rates_of_the_counts_at_each_date(quarterly):
    fit = quarterly["can01_fit_share"]
    assert fit["rates"] == [
        rate(0, 0) | {"status": "unknown"},
        rate(1, 1) | {"status": "above"},
        rate(1, 2) | {"status": "between"},
    ]
    assert fit["rates"][0]["pct"] is None and fit["rates"][2]["pct"] == 50.0
    assert (fit["lower_pct"], fit["upper_pct"]) == (40.0, 80.0)
    assert (quarterly["year"], fit["indicator"]) == ("2022/23", "CAN-01")
    cvd = quarterly["cvd02_hypertension_register"]
    assert cvd["rates"] == [rate(2, 12), rate(5, 13), rate(6, 13)]  # no status: not a target


def test_dates_before_the_pcn_opened_are_left_out_with_the_reason(quarterly):
    assert quarterly["left_out"] == [
        {"date": "2019-03-01", "reason": "before the PCN opened on 2019-04-01"}
    ]
    assert (quarterly["points"], quarterly["step_months"]) == (4, 3)


def test_dates_before_the_records_start_are_left_out_with_the_reason(con):
    got = trend(con, OLD, "2018-12-01", points=3, step_months=6)
    assert got["dates"] == ["2018-06-01", "2018-12-01"]
    assert got["left_out"] == [
        {"date": "2017-12-01", "reason": f"before the records start on {RECORDS_START}"}
    ]
    assert counts(got, "cvd-02-hypertension-register") == [9, 9]  # only OLD's people
    assert got["registered"] == [9, 9]


def test_the_risk_centile_cohort_is_left_out_and_the_notes_say_so(quarterly):
    ids = [c["id"] for c in quarterly["cohorts"]]
    assert "anticipatory-top-risk-centile" not in ids
    assert "anticipatory-multimorbid-frail" in ids
    assert len(ids) == len(load_definitions()) - 1
    assert any("anticipatory-top-risk-centile" in n and "refit" in n for n in quarterly["notes"])


def test_one_query_and_one_query_per_date_agree(con, quarterly):
    assert trend(con, NEW, "2019-12-01", points=4, step_months=3, one_query=False) == quarterly


def test_months_step_back_from_the_date_clamping_month_ends(con):
    kept, left_out = trend_dates(con, NEW, dt.date(2019, 8, 31), points=3, step_months=1)
    assert kept == [dt.date(2019, 6, 30), dt.date(2019, 7, 31), dt.date(2019, 8, 31)]
    assert left_out == []


def test_when_every_date_is_left_out_the_answer_is_empty_not_zero(con):
    got = trend(con, NEW, "2019-01-01", points=2, step_months=1)
    assert got["dates"] == [] and got["registered"] == []
    assert all(c["counts"] == [] for c in got["cohorts"])
    assert [x["date"] for x in got["left_out"]] == ["2018-12-01", "2019-01-01"]


def test_the_disclosed_trend_hides_small_counts_and_redoes_the_rates(quarterly):
    shown = disclosed_trend(quarterly)
    assert shown["registered"] == [disclose(12), disclose(13), disclose(13)] == [10, 15, 15]
    assert counts(shown, "cvd-02-hypertension-register") == [None, None, None]
    assert shown["cvd02_hypertension_register"]["rates"][2] == rate(None, 15)  # 6 of 13
    # 1 of 2 referred: "between 40% and 80%" would narrow two hidden counts
    assert shown["can01_fit_share"]["rates"][2] == rate(None, None) | {"status": "suppressed"}
    assert counts(quarterly, "cvd-02-hypertension-register") == [2, 5, 6]  # raw left alone
    assert shown["left_out"] == quarterly["left_out"] and shown["dates"] == quarterly["dates"]


def test_an_unknown_pcn_or_a_bad_number_of_points_is_refused(con):
    with pytest.raises(NotFoundError):
        trend(con, "U99999", "2019-12-01")
    with pytest.raises(InputError, match="dates"):
        trend(con, NEW, "2019-12-01", points=0)
    with pytest.raises(InputError, match="months"):
        trend(con, NEW, "2019-12-01", step_months=13)
