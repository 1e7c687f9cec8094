"""Custom groupings (e.g. localities) beside the PCNs, and PCNs that straddle them."""

import pytest

from openpcn.exceptions import NotFoundError
from openpcn.orgs import groupings, straddling

DAY = "2019-12-01"


@pytest.fixture
def localities(warehouse, rows):
    def g(code, name, practice):
        return {
            "grouping": "locality",
            "group_code": code,
            "group_name": name,
            "practice_code": practice,
        }

    m = rows.member
    return warehouse(
        pcns=[rows.pcn("U00001", "North PCN"), rows.pcn("U00002", "South PCN")],
        memberships=[
            m("J81001", "U00001"),
            m("J81002", "U00001"),
            m("J81003", "U00002"),
            m("J81004", "U00002"),
        ],
        practice_lists=[rows.listed(c, 10_000.5) for c in ("J81001", "J81002", "J81003")],
        groupings=[
            g("L1", "Weymouth", "J81001"),
            g("L1", "Weymouth", "J81003"),
            g("L2", "Purbeck", "J81002"),
            g("L2", "Purbeck", "J81009"),
        ],
    )


def test_each_group_has_its_practices_patients_and_pcns(localities):
    got = groupings(localities, "locality", DAY)
    assert got[0] == {
        "group_code": "L1",
        "group_name": "Weymouth",
        "practices": ["J81001", "J81003"],
        "registered_patients": 20_001.0,
        "pcns": [
            {"pcn_code": "U00001", "name": "North PCN", "practices": 1},
            {"pcn_code": "U00002", "name": "South PCN", "practices": 1},
        ],
        "practices_without_pcn": [],
    }
    assert got[1]["practices_without_pcn"] == ["J81009"]


def test_a_pcn_across_two_groups_is_reported_for_information(localities):
    got = straddling(localities, "locality", DAY)
    assert [s["pcn_code"] for s in got] == ["U00001"]
    assert got[0]["reason"] == (
        "its practices fall in 2 locality groups: Weymouth (J81001); Purbeck (J81002)"
    )
    assert got[0]["groups"][1]["group_name"] == "Purbeck"


def test_a_pcn_member_outside_the_grouping_is_listed_as_ungrouped(localities):
    # U00002's J81004 is in no locality; it only has one group so it does not straddle
    assert all(s["pcn_code"] != "U00002" for s in straddling(localities, "locality", DAY))


def test_an_unknown_kind_lists_the_kinds_there_are(localities):
    with pytest.raises(NotFoundError) as caught:
        groupings(localities, "district", DAY)
    assert caught.value.fix == "use one of: locality"
