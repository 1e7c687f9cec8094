"""The ARRS planner on hand-made roles, where the best mix is known by hand."""

from __future__ import annotations

import math
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openpcn.exceptions import InputError
from openpcn.funding.rules import Role
from openpcn.workforce.planner import IN_POST, STEP, WEIGHTS, plan, year_fraction

START = date(2019, 7, 1)


def role(key: str, cap: float | None, rate: float = 1.0, *, wte: float | None = None,
         start: date = START) -> Role:  # fmt: skip
    return Role(key, key.replace("_", " "), cap, rate, start, wte, "test", False)


def by_key(result: dict) -> dict[str, dict]:
    return {r["key"]: r for r in result["roles"]}


# 2019/20 by hand: pharmacist 70% of £37,810 = £26,467 per WTE, link worker 100% of £34,113,
# one WTE each. Both whole posts cost £60,580 > £60,000, so only one role gets a whole post; the
# balance (a log of WTE) rates 1 + 0.5 and 0.5 + 1 alike, and 0.5 pharmacist + 1 link worker
# spends more (£47,346.50 against £43,523.50).
ROLES_2019 = {
    "clinical_pharmacist": role("clinical_pharmacist", 37_810, 0.7, wte=1),
    "social_prescribing_link_worker": role("social_prescribing_link_worker", 34_113, wte=1),
}


def test_the_2019_pair_within_sixty_thousand_pounds() -> None:
    result = plan(60_000, ROLES_2019)
    roles = by_key(result)
    assert roles["clinical_pharmacist"]["fte"] == 0.5
    assert roles["social_prescribing_link_worker"]["fte"] == 1.0
    assert roles["clinical_pharmacist"]["cost_per_wte"] == 26_467.00
    assert (result["new_fte"], result["spend"], result["remainder"]) == (1.5, 47_346.50, 12_653.50)
    assert result["objective"] == "balanced" and result["step_wte"] == STEP == 0.5
    assert roles["social_prescribing_link_worker"]["why"] == "at its WTE limit (1 WTE)"
    assert roles["clinical_pharmacist"]["why"] == (
        "ARR sum spent (the next 0.5 WTE is £580.00 short)"
    )


def test_weighted_roles_get_a_whole_post_first_then_money_in_proportion() -> None:
    roles = {"a": role("a", 10_000), "b": role("b", 20_000)}
    # both weigh 1: a whole post each (£30,000), then the £10,000 left balances WTE: 1.0 more
    # of A (log 2.5/1.5) beats 0.5 more of B (log 2/1.5)
    same = by_key(plan(40_000, roles))
    assert (same["a"]["fte"], same["b"]["fte"]) == (2.0, 1.0)
    # B weighs 3: after the whole posts, the £10,000 goes to B; spend £10,000 to £30,000 = 1:3
    weighted = by_key(plan(40_000, roles, priorities={"a": 1, "b": 3}))
    assert (weighted["a"]["fte"], weighted["b"]["fte"]) == (1.0, 1.5)
    assert (weighted["a"]["spend"], weighted["b"]["spend"]) == (10_000.0, 30_000.0)


def test_unweighted_roles_take_what_the_priorities_leave() -> None:
    roles = {"a": role("a", 10_000), "b": role("b", 20_000, wte=1)}
    result = by_key(plan(40_000, roles, priorities={"b": 5}))
    assert (result["b"]["fte"], result["a"]["fte"], result["b"]["weight"]) == (1.0, 2.0, 5.0)
    assert result["b"]["why"] == "at its WTE limit (1 WTE)"
    assert result["a"]["why"].startswith("not weighted: took money the weighted roles could not")
    # £10,000 buys half a B post, and nothing is left for A
    alone = by_key(plan(10_000, roles, priorities={"b": 5}))
    assert (alone["b"]["fte"], alone["a"]["fte"], alone["a"]["why"]) == (0.5, 0.0, "not weighted")


def test_caps_hold_and_the_money_they_leave_is_lost() -> None:
    result = plan(25_000, {"a": role("a", 10_000, wte=2)})
    (a,) = result["roles"]
    assert (a["fte"], result["spend"], result["remainder"]) == (2.0, 20_000.0, 5_000.0)
    assert a["marginal_cost"] == 5_000.0  # the next 0.5 WTE post
    assert a["fits"] is False and "cap of 2 WTE" in a["why_not"]
    assert a["why"] == "at its WTE limit (2 WTE)"


def test_the_next_post_says_how_much_money_is_short() -> None:
    result = plan(100_000, {"a": role("a", 10_000, wte=1), "b": role("b", 30_000)})
    roles = by_key(result)
    assert (roles["a"]["fte"], roles["b"]["fte"], result["remainder"]) == (1.0, 3.0, 0.0)
    assert roles["b"]["fits"] is False
    assert "£15,000.00 more than the money left" in roles["b"]["why_not"]
    assert roles["b"]["why"] == "ARR sum spent (the next 0.5 WTE is £15,000.00 short)"


def test_roles_not_yet_eligible_or_without_a_known_cap_are_excluded_with_the_reason() -> None:
    roles = {
        "a": role("a", 10_000),
        "nursing_associate": role("nursing_associate", 29_135, start=date(2020, 10, 1)),
        "dietitian": role("dietitian", None),
    }
    result = plan(50_000, roles, on=date(2020, 4, 1))
    assert [r["key"] for r in result["roles"]] == ["a"]
    reasons = {x["key"]: x["reason"] for x in result["excluded"]}
    assert reasons["nursing_associate"] == "not eligible until 2020-10-01"
    assert "unknown" in reasons["dietitian"]
    later = plan(50_000, roles, on=date(2020, 10, 1))
    assert "nursing_associate" in by_key(later)


def test_a_role_starting_mid_year_is_costed_from_its_start_and_says_so() -> None:
    roles = {"nursing_associate": role("nursing_associate", 29_135, start=date(2020, 10, 1))}
    result = plan(20_000, roles, on=date(2020, 4, 1), end=date(2021, 3, 31))
    (na,) = result["roles"]
    assert na["cost_per_wte"] == 14_567.50  # 6 months of £29,135 / 12
    assert na["fte"] == 1.0 and result["remainder"] == 5_432.50
    assert na["why"].startswith("not eligible until 1 Oct 2020 (costed for 6 months); ")
    after = plan(20_000, roles, on=date(2020, 4, 1), end=date(2020, 9, 30))
    assert after["roles"] == [] and after["excluded"][0]["reason"].startswith("not eligible")


def test_staff_in_post_use_up_money_and_cap() -> None:
    roles = {"a": role("a", 10_000, wte=2), "b": role("b", 20_000)}
    result = plan(44_000, roles, existing={"a": 1.5})
    found = by_key(result)
    # £29,000 left; A already holds a whole post, so B gets one (£20,000); the £9,000 left takes
    # A to its cap (0.5 WTE, £5,000) but not 0.5 WTE of B (£10,000): £4,000 lost
    assert (found["a"]["fte"], found["a"]["total_fte"], found["a"]["existing_fte"]) == (
        0.5, 2.0, 1.5,
    )  # fmt: skip
    assert found["b"]["fte"] == 1.0
    assert (result["existing_spend"], result["new_spend"], result["remainder"]) == (
        15_000.0, 25_000.0, 4_000.0,
    )  # fmt: skip
    assert result["total_fte"] == 3.0


def test_a_plan_over_budget_is_refused_with_the_figures() -> None:
    with pytest.raises(InputError, match="plan over budget") as raised:
        plan(30_000, {"a": role("a", 20_000)}, existing={"a": 2})
    assert "£40,000.00" in raised.value.what and "£10,000.00 over" in raised.value.what


@pytest.mark.parametrize(
    ("kwargs", "says"),
    [
        ({"priorities": {"surgeon": 1}}, "not an ARRS role"),
        ({"priorities": {"a": -1}}, "from 0 to 100"),
        ({"existing": {"surgeon": 1}}, "not an ARRS role"),
        ({"existing": {"a": -1}}, "from 0 to 50 WTE"),
        ({"existing": {"a": 3}}, "exceed its cap"),
        ({"existing": {"d": 1}}, "cannot be costed"),
    ],
)
def test_bad_priorities_and_staff_in_post_are_refused(kwargs: dict, says: str) -> None:
    roles = {"a": role("a", 10_000, wte=2), "d": role("d", None)}
    with pytest.raises(InputError, match=says):
        plan(50_000, roles, **kwargs)


def test_a_negative_arr_sum_is_refused() -> None:
    with pytest.raises(InputError, match="from £0"):
        plan(-1, ROLES_2019)


EXTREMES = [1e16, 1e30, 1e308, -1, math.nan, math.inf, -math.inf]


@pytest.mark.parametrize("value", EXTREMES)
def test_numbers_out_of_range_are_refused_not_crashed_on(value: float) -> None:
    """Weights beyond 100 broke the solver and 1e30 WTE broke Decimal; now each is refused
    with its range (an uncapped role, so no cap check can catch it first)."""
    roles = {"a": role("a", 10_000), "b": role("b", 20_000)}
    with pytest.raises(InputError, match=r"from 0 to 100"):
        plan(50_000, roles, priorities={"a": value})
    with pytest.raises(InputError, match=r"from 0 to 50 WTE"):
        plan(50_000, roles, existing={"a": value})
    with pytest.raises(InputError, match=r"from £0"):
        plan(value, roles)
    with pytest.raises(InputError, match="part of the year"):
        plan(50_000, roles, year_fraction=value)


def test_the_ends_of_the_ranges_are_planned() -> None:
    roles = {"a": role("a", 10_000), "b": role("b", 20_000)}
    top = plan(1e9, roles, priorities={"a": 100, "b": 1e-9}, existing={"a": 50, "b": 0})
    assert by_key(top)["a"]["existing_fte"] == 50 and top["new_fte"] > 0
    assert (WEIGHTS.words, IN_POST.words) == ("from 0 to 100", "from 0 to 50 WTE")


@settings(max_examples=40, deadline=None)
@given(
    budget=st.integers(0, 400_000),
    caps=st.lists(st.integers(15_000, 65_000), min_size=1, max_size=5),
    wtes=st.lists(st.one_of(st.none(), st.integers(0, 4)), min_size=5, max_size=5),
    rate=st.sampled_from([0.7, 1.0]),
    fraction=st.sampled_from([1.0, 0.75, 0.5]),
)
def test_any_plan_keeps_within_the_money_and_the_caps(budget, caps, wtes, rate, fraction) -> None:
    roles = {f"r{i}": role(f"r{i}", cap, rate, wte=wtes[i]) for i, cap in enumerate(caps)}
    result = plan(budget, roles, year_fraction=fraction)
    assert result["spend"] <= budget and result["remainder"] >= 0
    assert round(result["spend"] + result["remainder"], 2) == budget  # to the penny
    for r in result["roles"]:
        assert r["max_wte"] is None or r["fte"] <= r["max_wte"]
        assert r["fte"] / STEP == int(r["fte"] / STEP)  # whole and half posts only
        open_cap = r["max_wte"] is None or r["fte"] + STEP <= r["max_wte"]
        # No role could take one more 0.5 WTE step: the plan is as full as the caps allow.
        assert not open_cap or r["cost_per_wte"] * STEP > result["remainder"] + 0.005


def test_the_part_of_the_year_left_counts_months_and_the_days_of_the_first() -> None:
    assert year_fraction(date(2019, 7, 1), date(2020, 3, 31)) == 0.75  # the DES year 2019/20
    assert year_fraction(date(2020, 4, 1), date(2021, 3, 31)) == 1.0
    assert year_fraction(date(2020, 10, 16), date(2021, 3, 31)) == pytest.approx((5 + 16 / 31) / 12)


def test_a_part_year_plan_costs_the_part_and_reconciles_to_the_penny() -> None:
    # Jul-Mar: pharmacist 0.75 x £26,467 = £19,850.25 a WTE, link worker £25,584.75; both
    # whole posts (£45,435) pass £45,000, so one whole post and 0.5 of the other; 0.5 pharmacist
    # + 1 link worker spends more; 0.5 x £19,850.25 = £9,925.125, rounded half up once.
    result = plan(45_000, ROLES_2019, year_fraction=0.75)
    roles = by_key(result)
    assert roles["clinical_pharmacist"]["fte"] == 0.5
    assert roles["social_prescribing_link_worker"]["fte"] == 1.0
    assert roles["clinical_pharmacist"]["spend"] == 9_925.13
    assert (result["spend"], result["remainder"]) == (35_509.88, 9_490.12)
    assert result["spend"] + result["remainder"] == pytest.approx(45_000, abs=1e-9)
