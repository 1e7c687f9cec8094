"""PCN areas and practice points for the map: one area per PCN, no overlaps, points inside."""

import itertools
import json

import pytest
from shapely.geometry import shape

from openpcn.orgs.geo import PALETTE, assign_colours, ics_geojson, pcn_areas

DAY = "2019-12-01"
LAT, LON = 50.7, -2.0  # Dorset; 0.01 degrees is about 1 km


def at(dy: float, dx: float) -> dict:
    return {"lat": LAT + dy / 100, "lon": LON + dx / 100}


@pytest.fixture
def ics(warehouse, rows):
    """Three PCNs in a 3 x 3 grid of sites, plus one practice with no coordinates.

    U00001 holds the left column (8,000 patients each), U00002 the middle and U00003 the
    right one (12,000 each); X00010 (U00003, 5,000 patients) has no coordinates.
    """
    practices, members, lists = [], [], []
    for column, pcn_code in enumerate(["U00001", "U00002", "U00003"]):
        for row in range(3):
            code = f"X0{column}{row}00"
            practices.append(rows.practice(code, **at(row * 2, column * 3)))
            members.append(rows.member(code, pcn_code))
            lists.append(rows.listed(code, 8_000 if column == 0 else 12_000))
    practices.append(rows.practice("X00010"))
    members.append(rows.member("X00010", "U00003"))
    lists.append(rows.listed("X00010", 5_000))
    return warehouse(
        practices=practices,
        pcns=[rows.pcn(c, f"PCN {c[-1]}") for c in ["U00001", "U00002", "U00003"]],
        memberships=members,
        practice_lists=lists,
    )


def features(collection: dict, kind: str) -> dict[str, dict]:
    return {
        f["properties"]["code"]: f
        for f in collection["features"]
        if f["properties"]["kind"] == kind
    }


def test_every_pcn_has_one_area_and_every_placed_practice_a_point(ics):
    got = ics_geojson(ics, "11J", DAY)
    areas = features(got, "pcn")
    assert sorted(areas) == ["U00001", "U00002", "U00003"]
    assert all(a["geometry"]["type"] in {"Polygon", "MultiPolygon"} for a in areas.values())
    points = features(got, "practice")
    assert len(points) == 9
    assert points["X01000"]["properties"] | {"colour": None} == {
        "kind": "practice",
        "code": "X01000",
        "name": "Practice X01000",
        "pcn_code": "U00002",
        "pcn_name": "PCN 2",
        "registered_patients": 12_000,
        "colour": None,
    }
    assert areas["U00003"]["properties"]["registered_patients"] == 41_000
    assert areas["U00003"]["properties"]["in_band"] is True
    assert areas["U00001"]["properties"]["in_band"] is False  # 24,000: below the band
    json.dumps(got)  # plain JSON all the way down


def test_practices_without_coordinates_are_left_out_and_counted(ics):
    props = ics_geojson(ics, "11J", DAY)["properties"]
    assert props["practices"] == 10
    assert props["placed_practices"] == 9
    assert props["unplaced_practices"] == 1
    assert props["unplaced"] == ["X00010"]
    assert props["pcns_without_area"] == []


def test_areas_do_not_overlap_and_hold_their_practices(ics):
    got = ics_geojson(ics, "11J", DAY)
    areas = {code: shape(f["geometry"]) for code, f in features(got, "pcn").items()}
    for a, b in itertools.combinations(areas.values(), 2):
        assert a.intersection(b).area < 1e-9  # square degrees: nothing but shared edges
    for point in features(got, "practice").values():
        assert areas[point["properties"]["pcn_code"]].contains(shape(point["geometry"]))


def test_colours_come_from_the_palette_neighbours_differ_and_repeat_exactly(ics):
    first = ics_geojson(ics, "11J", DAY)
    colours = {c: f["properties"]["colour"] for c, f in features(first, "pcn").items()}
    assert set(colours.values()) <= set(PALETTE)
    assert colours["U00001"] != colours["U00002"] != colours["U00003"]
    assert ics_geojson(ics, "11J", DAY) == first
    for point in features(first, "practice").values():
        assert point["properties"]["colour"] == colours[point["properties"]["pcn_code"]]


def test_a_site_shared_by_two_pcns_goes_to_the_bigger_list_there():
    import pandas as pd

    placed = pd.DataFrame(
        [
            {"practice_code": "A1", "pcn_code": "U1", "registered_patients": 100.0, **at(0, 0)},
            {"practice_code": "B1", "pcn_code": "U2", "registered_patients": 900.0, **at(0, 0)},
            {"practice_code": "B2", "pcn_code": "U2", "registered_patients": 900.0, **at(0, 4)},
        ]
    )
    areas = pcn_areas(placed)
    assert sorted(areas) == ["U2"]  # U1's only site is shared, and U2 has more patients there


def test_one_site_gets_the_buffered_disc_and_no_sites_no_areas():
    import pandas as pd

    one = pd.DataFrame(
        [{"practice_code": "A1", "pcn_code": "U1", "registered_patients": 1.0, **at(0, 0)}]
    )
    area = pcn_areas(one, buffer_m=1_000)["U1"]
    assert 3.1e6 < area.area < 3.15e6  # about pi km^2
    assert pcn_areas(one.iloc[0:0]) == {}


def test_greedy_colouring_is_stable_and_a_pcn_without_area_still_gets_a_colour():
    from shapely.geometry import box

    km = 1_000
    areas = {
        "U1": box(0, 0, km, km),
        "U2": box(km, 0, 2 * km, km),
        "U3": box(5 * km, 0, 6 * km, km),
    }
    got = assign_colours(areas, ["U1", "U2", "U3", "U4"])
    assert got == {"U1": PALETTE[0], "U2": PALETTE[1], "U3": PALETTE[0], "U4": PALETTE[0]}
