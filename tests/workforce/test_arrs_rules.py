"""The ARRS planner on the shipped rules: caps for every role and year, dated caps, WTE limits
for PCNs below and above 100,000 patients, the ring-fenced GP sum and London caps, worked by
hand."""

from __future__ import annotations

from datetime import date

import pytest

from openpcn.funding.rules import financial_years, rules_for
from openpcn.workforce.pcn_plan import roles_for_pcn
from openpcn.workforce.planner import STEP, plan


def by_key(result: dict) -> dict[str, dict]:
    return {r["key"]: r for r in result["roles"]}


def year_plan(year: str, money: float, registered: float = 30_000, **kwargs):  # type: ignore[no-untyped-def]
    rules = rules_for(year)
    on = kwargs.pop("on", rules.start)
    roles = roles_for_pcn(rules, registered, on)
    return plan(money, roles, on=on, end=rules.end, **kwargs)


@pytest.mark.parametrize("year", financial_years())
def test_every_role_of_every_year_has_a_cap_and_says_where_it_comes_from(year: str) -> None:
    rules = rules_for(year)
    for role in rules.roles.values():
        assert role.max_reimbursement and role.max_reimbursement > 10_000, role.key
        assert role.cost_per_wte(rules.start, rules.end) > 0, role.key
        assert role.source.strip(), role.key
        if role.unconfirmed:  # inferred from the band, or assumed: the note says how
            assert len(role.note) > 20, role.key
        for start, cap, _, source in role.cap_changes:
            assert rules.start <= date.fromisoformat(start) <= rules.end and cap > 0 and source


def test_the_2020_21_caps_follow_the_agenda_for_change_bands() -> None:
    roles = rules_for("2020/21").roles
    band_7_8a = ("clinical_pharmacist", "first_contact_physiotherapist", "dietitian", "podiatrist")
    assert {roles[k].max_reimbursement for k in band_7_8a} == {55_670}
    band_5 = ("pharmacy_technician", "social_prescribing_link_worker", "health_and_wellbeing_coach")
    assert {roles[k].max_reimbursement for k in band_5} == {35_389}
    # read from a source: not flagged; inferred from the band: flagged, with the reasoning
    assert not roles["clinical_pharmacist"].unconfirmed and roles["dietitian"].unconfirmed
    assert "inferred from the role's band" in roles["dietitian"].note


def test_a_blandford_like_pcn_in_2020_21_covers_its_priorities_first() -> None:
    # Blandford's 2020/21 ARR sum, 30,000 patients; the PCN wants a pharmacist and a link worker
    result = year_plan(
        "2020/21",
        208_291.47,
        priorities={"clinical_pharmacist": 1, "social_prescribing_link_worker": 1},
    )
    roles = by_key(result)
    assert roles["clinical_pharmacist"]["fte"] >= 1.0
    assert roles["social_prescribing_link_worker"]["fte"] >= 1.0
    assert roles["pharmacy_technician"]["fte"] <= 1.0
    assert all(r["fte"] / STEP == int(r["fte"] / STEP) for r in result["roles"])  # no 0.1 posts
    # the weighted roles took every step they could: what others got, plus the money lost, is
    # less than the cheapest further 0.5 WTE of a weighted role
    others = sum(r["spend"] for r in result["roles"] if not r["weight"])
    wanted = ("clinical_pharmacist", "social_prescribing_link_worker")
    cheapest = min(roles[k]["marginal_cost"] for k in wanted)
    assert others + result["remainder"] < cheapest
    # unweighted roles say so
    assert roles["dietitian"]["why"] == "not weighted"


def test_without_priorities_no_role_gets_a_tenth_of_a_post_and_technicians_stay_capped() -> None:
    result = year_plan("2020/21", 208_291.47)
    roles = by_key(result)
    assert roles["pharmacy_technician"]["fte"] <= 1.0
    assert sum(1 for r in result["roles"] if r["fte"] >= 1) >= 5  # many roles, each a whole post
    assert all(r["fte"] in {0.0, 0.5} or r["fte"] >= 1 for r in result["roles"])


def test_2024_25_costs_six_months_at_the_old_cap_and_six_at_the_new() -> None:
    rules = rules_for("2024/25")
    pharmacist = rules.roles["clinical_pharmacist"]
    assert (pharmacist.cap_on(date(2024, 9, 30)), pharmacist.cap_on(date(2024, 10, 1))) == (
        62_340, 65_838,
    )  # fmt: skip
    # 6 x £62,340 / 12 + 6 x £65,838 / 12 = £31,170 + £32,919 = £64,089
    assert pharmacist.cost_per_wte(rules.start, rules.end) == pytest.approx(64_089)
    only = {"clinical_pharmacist": pharmacist}
    result = plan(64_089, only, on=rules.start, end=rules.end)
    assert (result["roles"][0]["fte"], result["spend"], result["remainder"]) == (1.0, 64_089, 0)
    short = plan(64_088.99, only, on=rules.start, end=rules.end)
    assert short["roles"][0]["fte"] == 0.5  # a penny short of the whole post
    # planned from 1 Oct 2024: the new cap only, for 6 months
    late = plan(40_000, only, on=date(2024, 10, 1), end=rules.end)
    assert late["roles"][0]["cost_per_wte"] == 32_919.00


def test_2023_24_costs_three_months_before_the_july_uplift() -> None:
    rules = rules_for("2023/24")
    link_worker = rules.roles["social_prescribing_link_worker"]
    # 3 x £38,187 / 12 + 9 x £40,159 / 12 = £9,546.75 + £30,119.25
    assert link_worker.cost_per_wte(rules.start, rules.end) == pytest.approx(39_666)


def test_the_gp_role_is_paid_only_from_the_ring_fence_and_only_from_1_october_2024() -> None:
    ringfence = 1.303 * 30_000  # £39,090 for October to March
    result = year_plan("2024/25", 500_000, priorities={"arrs_gp": 1}, ringfence=ringfence)
    gp = by_key(result)["arrs_gp"]
    # 6 months of £92,462 = £46,231 a WTE: a whole post passes the ring-fence, half fits
    assert (gp["cost_per_wte"], gp["fte"], gp["spend"]) == (46_231.00, 0.5, 23_115.50)
    assert gp["why"].startswith("not eligible until 1 Oct 2024 (costed for 6 months); ")
    assert "ring-fenced GP sum spent" in gp["why"]
    arrs, gp_sum = result["budgets"]
    assert (gp_sum["key"], gp_sum["sum"], gp_sum["remainder"]) == ("gp", 39_090.0, 15_974.50)
    assert arrs["new_spend"] + arrs["remainder"] == 500_000  # the ARR sum never pays the GP
    # no ring-fence given: the GP cannot be planned at all
    without = year_plan("2024/25", 500_000)
    reasons = {x["key"]: x["reason"] for x in without["excluded"]}
    assert reasons["arrs_gp"] == "paid only from the ring-fenced GP sum: none given"
    # before 2024/25 there is no GP role
    assert "arrs_gp" not in rules_for("2023/24").roles


@pytest.mark.parametrize(
    ("year", "key", "on", "small", "large"),
    [
        ("2020/21", "pharmacy_technician", None, 1, 2),
        ("2021/22", "pharmacy_technician", None, 1, 2),
        ("2021/22", "mental_health_practitioner", None, 1, 2),
        ("2022/23", "mental_health_practitioner", None, 1, 2),
        ("2022/23", "mental_health_practitioner", date(2022, 10, 1), 2, 4),  # doubled
        ("2023/24", "advanced_practitioner", None, 3, 6),
        ("2023/24", "digital_transformation_lead", None, 1, 1),
        ("2024/25", "enhanced_practice_nurse", None, 1, 2),
    ],
)
def test_wte_limits_hold_below_and_above_100_000_patients(
    year: str, key: str, on: date | None, small: float, large: float
) -> None:
    rules = rules_for(year)
    day = on or rules.start
    role = rules.roles[key]
    assert (role.wte_cap(99_999, day), role.wte_cap(100_000, day)) == (small, large)
    for registered, limit in ((60_000, small), (120_000, large)):
        result = year_plan(year, 2_000_000, registered, on=day, priorities={key: 1})
        assert by_key(result)[key]["fte"] == limit
        assert f"at its WTE limit ({limit:g} WTE" in by_key(result)[key]["why"]


def test_limits_removed_where_the_sources_say() -> None:
    assert rules_for("2022/23").roles["pharmacy_technician"].wte_cap(50_000) is None
    assert rules_for("2023/24").roles["mental_health_practitioner"].wte_cap(50_000) is None
    assert rules_for("2024/25").roles["advanced_practitioner"].wte_cap(50_000) is None


def test_advanced_clinical_practitioner_nurses_share_the_advanced_practitioner_limit() -> None:
    result = year_plan(
        "2023/24",
        2_000_000,
        priorities={"advanced_practitioner": 1, "advanced_clinical_practitioner_nurse": 1},
    )
    roles = by_key(result)
    total = (
        roles["advanced_practitioner"]["fte"] + roles["advanced_clinical_practitioner_nurse"]["fte"]
    )
    assert total == 3.0 and roles["advanced_practitioner"]["fte"] >= 1
    assert "shared with" in roles["advanced_practitioner"]["why"]


def test_london_caps_from_2021_22() -> None:
    rules = rules_for("2024/25")
    nurse = rules.roles["enhanced_practice_nurse"]
    assert (nurse.cap_on(rules.start), nurse.cap_on(rules.start, london=True)) == (60_401, 67_369)
    gp = rules.roles["arrs_gp"]
    assert gp.cap_on(date(2024, 10, 1), london=True) == 95_233
    pharmacist = rules.roles["clinical_pharmacist"]  # no London figure found: labelled factor
    assert pharmacist.cap_on(rules.start, london=True) == pytest.approx(62_340 * 1.1154)
    assert "labelled assumption" in pharmacist.note
    old = rules_for("2020/21").roles["clinical_pharmacist"]
    assert old.cap_on(date(2020, 4, 1), london=True) == 55_670  # no London weighting yet
    cheap = year_plan("2024/25", 64_089, priorities={"clinical_pharmacist": 1})
    dear = year_plan("2024/25", 64_089, priorities={"clinical_pharmacist": 1}, london=True)
    assert by_key(cheap)["clinical_pharmacist"]["fte"] == 1.0
    assert by_key(dear)["clinical_pharmacist"]["fte"] == 0.5 and dear["london"] is True
