"""An ICS's own files: localities and recorded band exceptions, imported all or nothing."""

from __future__ import annotations

from pathlib import Path

import ibis
import pytest

from openpcn import orgs
from openpcn.build import import_file
from openpcn.config import Settings
from openpcn.exceptions import InputError
from openpcn.store.reference import reference_tables
from openpcn.store.warehouse import write_tables


@pytest.fixture
def settings(tmp_path) -> Settings:
    settings = Settings(home=tmp_path / "home")
    write_tables(settings.warehouse_path, reference_tables())
    return settings


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def sherborne(settings: Settings) -> orgs.Finding:
    con = ibis.duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        report = orgs.check(con, "11J", "2019-12-01")
    finally:
        con.disconnect()
    return next(f for f in report.rule("size_band").findings if f.code == "U75274")


def test_a_recorded_exception_turns_a_breach_into_an_allowed_finding(settings, tmp_path):
    assert sherborne(settings).outcome == "breach"
    path = write(
        tmp_path,
        "exceptions.csv",
        "pcn_code,reason,start_date,end_date\n"
        "U75274,rural: low population density agreed by the ICS,2019-07-01,\n",
    )
    assert import_file("band-exceptions", path, settings).rows == {"band_exceptions": 1}
    finding = sherborne(settings)
    assert finding.outcome == "allowed" and "low population density" in finding.reason


def test_an_exception_that_ends_before_it_starts_names_the_row(settings, tmp_path):
    path = write(
        tmp_path,
        "exceptions.csv",
        "pcn_code,reason,start_date,end_date\n"
        "U75274,rural,2019-07-01,\n"
        "U42510,rural,2020-04-01,2019-04-01\n",
    )
    with pytest.raises(InputError) as caught:
        import_file("band-exceptions", path, settings)
    assert (caught.value.where.row, caught.value.where.column) == (3, "end_date")


def test_an_exception_for_an_unknown_pcn_changes_nothing(settings, tmp_path):
    before = settings.warehouse_path.read_bytes()
    path = write(tmp_path, "x.csv", "pcn_code,reason,start_date,end_date\nU99999,r,2019-07-01,\n")
    with pytest.raises(InputError) as caught:
        import_file("band-exceptions", path, settings)
    assert caught.value.where.column == "pcn_code"
    assert settings.warehouse_path.read_bytes() == before


def test_localities_are_added_beside_the_shipped_districts(settings, tmp_path):
    path = write(
        tmp_path,
        "localities.csv",
        "grouping,group_code,group_name,practice_code\n"
        "locality,L1,North Dorset,J81019\n"
        "locality,L1,North Dorset,J81031\n"
        "locality,L2,Poole,J81004\n",
    )
    assert import_file("groupings", path, settings).rows == {"groupings": 3}
    con = ibis.duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        localities = orgs.groupings(con, "locality", "2019-12-01")
        districts = orgs.groupings(con, "district", "2019-12-01")
    finally:
        con.disconnect()
    north = next(g for g in localities if g["group_code"] == "L1")
    assert (
        north["practices"] == ["J81019", "J81031"] and round(north["registered_patients"]) == 29_136
    )
    assert len(districts) > 1


def test_a_practice_twice_in_one_grouping_is_refused(settings, tmp_path):
    path = write(
        tmp_path,
        "localities.csv",
        "grouping,group_code,group_name,practice_code\n"
        "locality,L1,North,J81019\nlocality,L2,South,J81019\n",
    )
    with pytest.raises(InputError) as caught:
        import_file("groupings", path, settings)
    assert caught.value.where.row == 3
