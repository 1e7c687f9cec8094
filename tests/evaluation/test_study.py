"""A whole study on the 1% synthetic Dorset population (seed 2019): the planted integrated care
team (ICT) referrals against people of the same ICS in PCNs without the service.

At 1% only about 15 people are referred, so these tests check shapes, sane values and what
matching corrected, not the size of the effect; recovering the planted 0.80 is checked on full
Dorset by bench/evaluation.py (docs/evaluation.md gives the figures).
"""

from __future__ import annotations

import json
import math

import pytest

from openpcn.evaluation.definition import (
    DEFAULT_OUTCOMES,
    METHODS,
    Intervention,
    StudyDefinition,
)
from openpcn.evaluation.study import run_study
from openpcn.exceptions import InputError, UserError
from openpcn.progress import watched

ICT = StudyDefinition(
    name="ict", ics="11J", intervention=Intervention("event", "OPENPCN-ICT-REFERRAL")
)
KEYS = {
    "name",
    "definition",
    "method",
    "parameters",
    "n_treated",
    "n_eligible_controls",
    "n_matched",
    "unmatched_treated",
    "balance",
    "overlap",
    "outcomes",
    "naive",
    "sensitivity",
    "monthly",
    "warnings",
    "extract_date",
    "seconds",
}


@pytest.fixture(scope="module")
def results(dorset_con):
    return {m: run_study(dorset_con, ICT, method=m) for m in METHODS}


@pytest.mark.parametrize("method", METHODS)
def test_each_method_returns_the_contracts_keys_with_sane_values(results, method):
    result = results[method]
    s = result.summary
    assert set(s) >= KEYS
    json.dumps(s)  # JSON-ready
    assert s["method"] == method and s["definition"] == ICT.to_json()
    assert 0 < s["n_matched"] <= s["n_treated"] < s["n_eligible_controls"]
    assert s["unmatched_treated"] == s["n_treated"] - s["n_matched"]
    assert s["eligibility"]["min_age"] >= 65  # the ICT refers people of 65 and over
    assert [row["outcome"] for row in s["outcomes"]] == list(DEFAULT_OUTCOMES)
    for row in s["outcomes"]:
        for arm in ("treated", "control"):
            assert row[arm]["person_years"] > 0 and row[arm]["events"] >= 0
        if row["rate_ratio"] is not None:
            assert row["ci_low"] < row["rate_ratio"] < row["ci_high"]
            assert 0 <= row["p_value"] <= 1
    assert len(s["overlap"]["treated"]) == len(s["overlap"]["controls"])
    assert sum(s["overlap"]["treated"]) == s["n_treated"]
    others = {row["method"] for row in s["sensitivity"]["other_methods"]}
    assert others == set(METHODS) - {method}
    m = result.matched
    assert set(m["arm"]) == {"treated", "control"}
    assert m.loc[m["arm"] == "treated", "patient_id"].is_unique
    assert (m.groupby("pair_id")["arm"].apply(lambda a: (a == "treated").sum()) >= 1).all()


def test_matching_improves_balance_on_what_the_service_chose_people_by(results):
    """With about 15 treated people some covariates stay unbalanced by chance (the study warns);
    the ones the ICT chooses on (frailty, prior admissions) and the average must improve."""
    rows = {r["covariate"]: r for r in results["psm"].summary["balance"]}
    for name in ("efi_category", "prior_emergency_admissions", "age"):
        assert abs(rows[name]["smd_after"]) < abs(rows[name]["smd_before"])
    before = sum(abs(r["smd_before"]) for r in rows.values())
    after = sum(abs(r["smd_after"]) for r in rows.values())
    assert after < before


def test_the_naive_comparison_is_confounded(results):
    """The ICT picks frail, recently admitted people: unmatched, they are admitted far more
    often than everyone else (about 3 times on full Dorset), which the matched estimate is not."""
    s = results["psm"].summary
    naive = {r["outcome"]: r for r in s["naive"]}["emergency_admission"]
    matched = {r["outcome"]: r for r in s["outcomes"]}["emergency_admission"]
    assert naive["ci_low"] > 1.5
    assert matched["rate_ratio"] < naive["rate_ratio"]


def test_monthly_rates_run_from_before_to_after_the_index_date(results):
    months = {r["month_offset"] for r in results["psm"].summary["monthly"]}
    assert months == set(range(-ICT.prior_months, ICT.followup_months))


def test_each_monthly_rate_is_its_events_over_its_person_months_in_a_one_to_one_match(results):
    """PSM 1:1 weights every matched person 1, so rate = 1000 x events / person-months (both
    rounded to 3 places), and the events a surface discloses are the rate's."""
    rows = [r for r in results["psm"].summary["monthly"] if r["outcome"] != "emergency_bed_days"]
    assert any(r["events"] > 0 for r in rows)
    for r in rows:
        if r["person_months"] > 0:
            assert r["rate_per_1000_person_months"] == pytest.approx(
                1000 * r["events"] / r["person_months"], rel=1e-3
            )


def test_the_same_seed_gives_the_same_study(dorset_con, results):
    again = run_study(dorset_con, ICT, method="psm")
    assert again.summary["outcomes"] == results["psm"].summary["outcomes"]
    assert again.matched.equals(results["psm"].matched)


def test_progress_is_reported(dorset_con):
    seen = []
    with watched(lambda fraction, step: seen.append((fraction, step))):
        run_study(dorset_con, ICT, method="cem")
    assert seen[-1][0] == 1.0
    assert all(0 <= f <= 1 for f, _ in seen)
    assert any("Matching" in step for _, step in seen)


def test_no_eligible_controls_is_the_users_error(dorset_con):
    """The oldest person of the ICS as the only treated person, with eligibility from their age:
    nobody else that old is left in the other PCNs."""
    p = dorset_con.table("patients")
    oldest = dorset_con.execute(p.order_by("birth_month").limit(1))
    person = (str(oldest["patient_id"].iloc[0]), "2019-06-01")
    d = StudyDefinition.from_json(
        {"name": "oldest", "intervention": {"kind": "file", "people": [list(person)]}}
    )
    with pytest.raises(UserError) as caught:
        run_study(dorset_con, d)
    assert "no eligible controls" in caught.value.what or "eligible" in caught.value.what
    assert caught.value.fix


def test_an_event_nobody_has_is_the_users_error(dorset_con):
    d = StudyDefinition(name="x", ics="11J", intervention=Intervention("event", "NO-SUCH-CODE"))
    with pytest.raises(InputError):
        run_study(dorset_con, d)


def test_bad_parameters_are_refused(dorset_con):
    for kwargs in ({"method": "magic"}, {"caliper": 0}, {"ratio": 0}):
        with pytest.raises(InputError):
            run_study(dorset_con, ICT, **kwargs)


def test_rates_are_events_over_person_years(results):
    row = results["psm"].summary["outcomes"][0]
    for arm in ("treated", "control"):
        r = row[arm]
        assert math.isclose(r["rate"], r["events"] / r["person_years"], rel_tol=1e-3)


def test_a_file_of_people_runs_and_says_how_many_were_left_out(dorset_con, results):
    """The ICT's treated people as a service's file, plus one id the warehouse does not hold:
    the study runs on the others and says (as a count) that one was left out."""
    m = results["psm"].matched
    treated = m[m["arm"] == "treated"]
    pairs = zip(treated["patient_id"], treated["index_date"], strict=True)
    people = [[pid, str(day)] for pid, day in pairs]
    d = StudyDefinition.from_json(
        {
            "name": "file",
            "intervention": {"kind": "file", "people": [*people, ["nobody", "2019-01-01"]]},
            "min_age": 65,
        }
    )
    s = run_study(dorset_con, d).summary
    assert s["n_treated"] == len(people)
    assert f"1 of the {len(people) + 1} people in the intervention file" in " ".join(s["warnings"])


def test_one_to_two_matching_weighs_each_set_like_one_treated_person(dorset_con):
    result = run_study(dorset_con, ICT, ratio=2)
    m = result.matched
    controls = m[m["arm"] == "control"]
    assert controls.groupby("pair_id").size().max() == 2
    assert controls.groupby("pair_id")["weight"].sum().round(9).eq(1).all()
    assert result.summary["parameters"]["ratio"] == 2


@pytest.mark.parametrize("controls", ["same-pcns", "all"])
def test_the_control_group_comes_from_the_pcns_the_definition_names(dorset_con, results, controls):
    """same-pcns controls never come from a PCN without the service (the PCNs other-pcns
    controls came from); nobody is ever both treated and a control."""
    d = StudyDefinition.from_json(ICT.to_json() | {"controls": controls})
    m = run_study(dorset_con, d).matched
    other = results["psm"].matched
    untreated_pcns = set(other.loc[other["arm"] == "control", "pcn_code"])
    control_pcns = set(m.loc[m["arm"] == "control", "pcn_code"])
    if controls == "same-pcns":
        assert not control_pcns & untreated_pcns
    assert not set(m.loc[m["arm"] == "control", "patient_id"]) & set(
        m.loc[m["arm"] == "treated", "patient_id"]
    )


def test_other_pcns_controls_never_share_a_pcn_with_the_treated(results):
    m = results["psm"].matched
    treated_pcns = set(m.loc[m["arm"] == "treated", "pcn_code"])
    assert not set(m.loc[m["arm"] == "control", "pcn_code"]) & treated_pcns
