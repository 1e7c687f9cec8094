"""The report's own charts draw what orgs gives: every PCN area and practice, every PCN's size."""

from __future__ import annotations

import ibis
import pytest

from openpcn import orgs
from openpcn.config import DEFAULT_DATE, DEFAULT_ICS
from openpcn.orgs.charts import map_spec, size_spec
from openpcn.orgs.geo import ics_geojson
from openpcn.store.reference import reference_tables
from openpcn.store.warehouse import write_tables


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> ibis.BaseBackend:
    """The shipped reference data (the real Dorset hierarchy) is all these charts read."""
    path = tmp_path_factory.mktemp("charts") / "w.duckdb"
    write_tables(path, reference_tables())
    return ibis.duckdb.connect(str(path), read_only=True)


def test_the_map_has_each_pcn_area_and_practice_in_its_colour(con):
    geojson = ics_geojson(con, DEFAULT_ICS, DEFAULT_DATE)
    spec = map_spec(geojson)
    areas, points = spec["layer"][0]["data"]["values"], spec["layer"][1]["data"]["values"]
    assert len(areas) == 18 and len(points) == 81
    scale = spec["layer"][0]["encoding"]["color"]["scale"]
    assert dict(zip(scale["domain"], scale["range"], strict=True)) == {
        f["properties"]["name"]: f["properties"]["colour"]
        for f in geojson["features"]
        if f["properties"]["kind"] == "pcn"
    }


def test_the_size_chart_has_each_pcn_and_the_band(con):
    table = orgs.pcn_table(con, DEFAULT_ICS, DEFAULT_DATE)
    spec = size_spec(table, [30000, 50000])
    bars, band = spec["layer"][0]["data"]["values"], spec["layer"][1]["data"]["values"]
    assert {b["code"]: b["registered_patients"] for b in bars} == {
        r["pcn_code"]: round(r["registered_patients"]) for r in table
    }
    assert band == [{"x": 30000.0}, {"x": 50000.0}]
    largest = spec["layer"][0]["encoding"]["y"]["sort"][0]
    assert largest == "WEYMOUTH & PORTLAND PCN"


def test_an_empty_date_gives_an_empty_map(con):
    assert map_spec(ics_geojson(con, DEFAULT_ICS, "2019-01-01"))["layer"] == []
