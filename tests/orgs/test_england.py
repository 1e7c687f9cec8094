"""England's STPs (the 2019 ICS footprints) and regions from the shipped reference data.

Pins the real QOF 2018/19 organisation reference as derived into commissioners.csv, which
ships in src/openpcn/data/reference: a missing file fails these tests, never skips them.
"""

import ibis
import pytest

from openpcn.orgs import IcsArea, ics_list, resolve_ics


@pytest.fixture(scope="module")
def england(tmp_path_factory):
    from openpcn.store.reference import reference_tables
    from openpcn.store.warehouse import write_tables

    tables = reference_tables()  # a file that is absent gives an empty table
    assert len(tables["commissioners"]), "src/openpcn/data/reference/commissioners.csv is missing"
    path = tmp_path_factory.mktemp("england") / "w.duckdb"
    write_tables(path, {name: tables[name] for name in ("commissioners", "pcns")})
    return ibis.duckdb.connect(str(path), read_only=True)


def test_england_has_42_stps_in_7_regions_each_ccg_in_one(england):
    areas = ics_list(england)
    assert len(areas) == 42
    per_region: dict[str, int] = {}
    for area in areas:
        per_region[area.region_code] = per_region.get(area.region_code, 0) + 1
    assert per_region == {"Y56": 5, "Y58": 7, "Y59": 6, "Y60": 11, "Y61": 6, "Y62": 3, "Y63": 4}
    order = [(a.region_code, a.code) for a in areas]
    assert order == sorted(order)
    ccgs = [code for area in areas for code in area.commissioners]
    assert len(ccgs) == len(set(ccgs)) == 191
    assert areas[0].as_dict() == {
        "code": "E54000027",
        "name": "North West London STP",
        "region_code": "Y56",
        "region_name": "London",
        "commissioners": ["07P", "07W", "07Y", "08C", "08E", "08G", "08Y", "09A"],
    }


def test_dorset_is_its_own_stp(england):
    dorset = next(area for area in ics_list(england) if area.code == "E54000041")
    assert dorset == IcsArea("E54000041", "Dorset STP", "Y58", "South West", ("11J",))
    footprint = resolve_ics(england, "e54000041")
    assert (footprint.code, footprint.name, footprint.commissioners) == (
        "E54000041",
        "Dorset STP",
        ("11J",),
    )


def test_an_stp_code_stands_for_all_its_ccgs(england):
    footprint = resolve_ics(england, "E54000040")
    assert footprint.name == "Bath, Swindon and Wiltshire STP"
    assert footprint.commissioners == ("11E", "12D", "99N")
    assert resolve_ics(england, "99N").commissioners == ("99N",)  # a CCG still stands alone
