"""pcn_plan: one PCN's ARR sum, role caps and staff in post, composed and solved.

PCN U00001 has 15,000 weighted patients, so its 2020/21 ARR sum is 15,000 x £7.13 = £106,950.
In 2020/21 only the clinical pharmacist (£55,670 a WTE) and the pharmacy technician (£35,389)
have a known cap; the register holds one WTE clinical pharmacist employed by U00001.
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
    result = pcn_plan(warehouse, register, "U00001", "2020/21")
    assert (result["pcn_code"], result["year"], result["on"]) == ("U00001", "2020/21", "2020-04-01")
    assert result["arrs_sum"] == result["arrs"]["arrs_sum"] == 106_950.00
    assert result["in_post_register"] == {"clinical_pharmacist": 1.0}
    # £106,950 - £55,670 = £51,280 left: 1.4 WTE technicians at £35,389 = £49,544.60
    assert result["existing_spend"] == 55_670.00
    assert roles_of(result)["pharmacy_technician"]["fte"] == 1.4
    assert (result["spend"], result["remainder"]) == (105_214.60, 1_735.40)


def test_what_if_staff_in_post_and_priorities_change_the_plan(
    warehouse: ibis.BaseBackend, register: AppDB
) -> None:
    nobody = pcn_plan(warehouse, register, "U00001", "2020/21", existing={"clinical_pharmacist": 0})
    # the most FTE: 3.0 technicians (£106,167), £783 lost
    assert roles_of(nobody)["pharmacy_technician"]["fte"] == 3.0
    assert (nobody["existing_spend"], nobody["remainder"]) == (0.0, 783.00)
    assert nobody["in_post_register"] == {"clinical_pharmacist": 1.0}  # the register is unchanged
    pharmacists = pcn_plan(
        warehouse,
        register,
        "U00001",
        "2020/21",
        existing={"clinical_pharmacist": 0},
        priorities={"clinical_pharmacist": 1},
    )
    # 1.9 WTE pharmacists cost £105,773; the £1,177 left buys no 0.1 WTE technician (£3,538.90)
    assert roles_of(pharmacists)["clinical_pharmacist"]["fte"] == 1.9
    assert roles_of(pharmacists)["pharmacy_technician"]["fte"] == 0.0
    assert pharmacists["remainder"] == 1_177.00


def test_zero_in_post_is_no_one_even_in_a_role_without_a_known_cap(
    warehouse: ibis.BaseBackend, register: AppDB
) -> None:
    zeros = {"clinical_pharmacist": 0.0, "dietitian": 0.0, "pharmacy_technician": 0.0}
    result = pcn_plan(warehouse, register, "U00001", "2020/21", existing=zeros)
    assert (result["existing_spend"], result["remainder"]) == (0.0, 783.00)
    with pytest.raises(InputError, match="cannot be costed"):
        pcn_plan(warehouse, register, "U00001", "2020/21", existing={"dietitian": 0.5})


def test_without_an_app_database_no_one_is_in_post(warehouse: ibis.BaseBackend) -> None:
    result = pcn_plan(warehouse, None, "u00001", "2020-21")
    assert result["pcn_code"] == "U00001" and result["in_post_register"] == {}
    assert result["remainder"] == 783.00


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
        pcn_plan(warehouse, None, "U00001", "2020/21", existing={"pharmacy_technician": 3.1})
