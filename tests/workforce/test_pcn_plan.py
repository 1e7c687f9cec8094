"""pcn_plan: one PCN's ARR sum, role caps and staff in post, composed and solved.

PCN U00001 has 15,000 weighted patients, so its 2020/21 ARR sum is 15,000 x £7.131 = £106,965.
2020/21 caps a WTE: pharmacist £55,670, link worker and technician £35,389 (technicians at most
1 WTE below 100,000 patients), care co-ordinator £29,135; the nursing associates start on 1 Oct
2020, so a WTE costs half its cap: £14,567.50 and £12,835.50 (0.5 WTE: £7,283.75, £6,417.75).
The register holds one WTE clinical pharmacist employed by U00001.
"""

from __future__ import annotations

import ibis
import pytest

from openpcn.exceptions import InputError, NotFoundError
from openpcn.store.appdb import AppDB
from openpcn.workforce.pcn_plan import in_post, pcn_plan
from openpcn.workforce.register import import_register

from .conftest import DATA


@pytest.fixture
def register(warehouse: ibis.BaseBackend, db: AppDB) -> AppDB:
    import_register(db, DATA / "good" / "workforce_register.csv", warehouse)
    return db


def roles_of(result: dict) -> dict[str, dict]:
    return {r["key"]: r for r in result["roles"]}


def test_the_staff_in_post_come_from_the_register(
    warehouse: ibis.BaseBackend, register: AppDB
) -> None:
    result = pcn_plan(
        warehouse, register, "U00001", "2020/21", priorities={"pharmacy_technician": 1}
    )
    assert (result["pcn_code"], result["year"], result["on"]) == ("U00001", "2020/21", "2020-04-01")
    assert result["arrs_sum"] == result["arrs"]["arrs_sum"] == 106_965.00
    assert result["in_post_register"] == {"clinical_pharmacist": 1.0}
    # £106,965 - £55,670 = £51,295: the technician to its limit (1 WTE, £35,389) leaves £15,906;
    # the most FTE unweighted roles can take is 1.0 WTE, spending most as a nursing associate
    # (2 x £7,283.75 = £14,567.50): £1,338.50 lost
    assert result["existing_spend"] == 55_670.00
    found = roles_of(result)
    assert found["pharmacy_technician"]["fte"] == 1.0
    assert found["pharmacy_technician"]["why"] == "at its WTE limit (1 WTE)"
    assert found["nursing_associate"]["fte"] == 1.0
    assert found["nursing_associate"]["why"].startswith("not eligible until 1 Oct 2020 (costed")
    assert "not weighted" in found["nursing_associate"]["why"]
    assert (result["spend"], result["remainder"]) == (105_626.50, 1_338.50)


def test_what_if_staff_in_post_and_priorities_change_the_plan(
    warehouse: ibis.BaseBackend, register: AppDB
) -> None:
    wanted = {"clinical_pharmacist": 1, "social_prescribing_link_worker": 1}
    nobody = pcn_plan(
        warehouse,
        register,
        "U00001",
        "2020/21",
        existing={"clinical_pharmacist": 0},
        priorities=wanted,
    )
    # 1 WTE each of the weighted roles first (£91,059); the £15,891 left buys no 0.5 WTE of
    # either (£27,835, £17,694.50), so it goes to 1.0 WTE nursing associate (£14,567.50)
    found = roles_of(nobody)
    assert found["clinical_pharmacist"]["fte"] == 1.0
    assert found["social_prescribing_link_worker"]["fte"] == 1.0
    assert (nobody["existing_spend"], nobody["remainder"]) == (0.0, 1_338.50)
    assert found["clinical_pharmacist"]["why"].startswith("ARR sum spent (the next 0.5 WTE")
    assert nobody["in_post_register"] == {"clinical_pharmacist": 1.0}  # the register is unchanged
    kept = pcn_plan(warehouse, register, "U00001", "2020/21", priorities=wanted)
    # the pharmacist in post covers that role; the link worker gets its 1 WTE (£35,389) and the
    # £15,891 left, too little for 0.5 WTE of either weighted role, goes as above
    assert roles_of(kept)["clinical_pharmacist"]["fte"] == 0.0
    assert roles_of(kept)["social_prescribing_link_worker"]["fte"] == 1.0
    assert kept["remainder"] == 1_338.50


def test_without_priorities_the_first_two_roles_are_covered_then_the_most_wte(
    warehouse: ibis.BaseBackend, register: AppDB
) -> None:
    zeros = {"clinical_pharmacist": 0.0, "dietitian": 0.0, "pharmacy_technician": 0.0}
    result = pcn_plan(warehouse, register, "U00001", "2020/21", existing=zeros)
    # the DES's first two roles weigh 1: a whole pharmacist and link worker (£91,059) leave
    # £15,906, short of half a post of either (£27,835, £17,694.50); the most WTE of the rest
    # is 1.0 (two half posts from October), and the most money for it a whole nursing
    # associate (2 x £7,283.75 = £14,567.50): £1,338.50 lost
    assert result["objective"] == "first roles"
    fte = {r["key"]: r["fte"] for r in result["roles"] if r["fte"]}
    assert fte == {
        "clinical_pharmacist": 1.0,
        "social_prescribing_link_worker": 1.0,
        "nursing_associate": 1.0,
    }
    assert (result["existing_spend"], result["remainder"]) == (0.0, 1_338.50)


def test_without_an_app_database_no_one_is_in_post(warehouse: ibis.BaseBackend) -> None:
    result = pcn_plan(warehouse, None, "u00001", "2020-21")
    assert result["pcn_code"] == "U00001" and result["in_post_register"] == {}
    assert result["remainder"] == 1_338.50  # as above: the first two roles, then the most WTE


def test_2019_20_plans_from_july_with_the_large_pcn_caps_for_small_pcns(
    warehouse: ibis.BaseBackend, register: AppDB
) -> None:
    result = pcn_plan(warehouse, register, "U00001", "2019/20")
    assert (result["on"], result["year_fraction"]) == ("2019-07-01", 0.75)
    assert roles_of(result)["clinical_pharmacist"]["max_wte"] == 1  # 15,000 patients: one post
    assert in_post(register, warehouse, "U00002", _rules("2019/20"), "2019-07-01") == {}


def _rules(year: str):  # type: ignore[no-untyped-def]
    from openpcn.funding.rules import rules_for

    return rules_for(year)


def test_unknown_pcn_year_or_role_is_refused(warehouse: ibis.BaseBackend) -> None:
    with pytest.raises(NotFoundError, match="U99999"):
        pcn_plan(warehouse, None, "U99999", "2020/21")
    with pytest.raises(InputError, match="2031/32"):
        pcn_plan(warehouse, None, "U00001", "2031/32")
    with pytest.raises(InputError, match="not an ARRS role"):
        pcn_plan(warehouse, None, "U00001", "2020/21", priorities={"astronaut": 1})
    with pytest.raises(InputError, match="over budget"):
        pcn_plan(warehouse, None, "U00001", "2020/21", existing={"clinical_pharmacist": 2})
    with pytest.raises(InputError, match="exceed its cap of 1 WTE"):
        pcn_plan(warehouse, None, "U00001", "2020/21", existing={"pharmacy_technician": 1.5})
