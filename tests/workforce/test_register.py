"""The staff register: a checked CSV import into the app database, all or nothing."""

from __future__ import annotations

from pathlib import Path

import ibis
import pytest
from sqlalchemy import inspect, text
from tests.corpus import Refusal, assert_refused, refusals

from openpcn.exceptions import InputError
from openpcn.store import appdb
from openpcn.workforce.register import aged_55_plus, import_register, register_size, staff_for
from openpcn.workforce.roles import arrs_roles, gp_roles, known_roles

from .conftest import DATA

GOOD = DATA / "good" / "workforce_register.csv"
BAD = DATA / "bad" / "workforce"


def test_migration_0002_adds_the_staff_table(db: appdb.AppDB) -> None:
    columns = {c["name"]: c["nullable"] for c in inspect(db.engine).get_columns("staff")}
    assert columns == {
        "id": False, "practice_code": True, "pcn_code": True, "role": False, "fte": False,
        "age_band": True, "start_date": False, "end_date": True, "vacancy": False,
        "imported_at": False, "source": False,
    }  # fmt: skip
    with db.engine.connect() as con:
        version = con.execute(text("select version_num from alembic_version")).scalar()
    assert version >= "0002"  # 0002 or a later migration on top of it


def test_the_role_list_is_gp_nurse_admin_and_every_arrs_role_of_any_year() -> None:
    roles = known_roles()
    assert {"gp", "gp_partner", "nurse", "admin"} <= roles
    assert {"clinical_pharmacist", "nursing_associate", "paramedic"} <= arrs_roles() <= roles
    assert "clinical_pharmacist" not in gp_roles()


def test_a_good_register_imports_every_row(db: appdb.AppDB, warehouse: ibis.BaseBackend) -> None:
    assert import_register(db, GOOD, warehouse) == 8
    assert register_size(db) == 8
    first = staff_for(db, practice="J81001")
    assert [(s["role"], s["fte"], s["age_band"], s["vacancy"]) for s in first] == [
        ("gp_partner", 1.0, "55-59", False),
        ("gp_salaried", 0.5, "40-44", False),
        ("nurse", 1.0, "50-54", False),
    ]
    assert first[0]["start_date"] == "2005-04-01" and first[0]["source"] == GOOD.name


def test_staff_of_a_pcn_are_its_own_and_its_practices_open_on_the_date(
    db: appdb.AppDB, warehouse: ibis.BaseBackend
) -> None:
    import_register(db, GOOD, warehouse)
    north = staff_for(db, "U00001", practices=["J81001", "J81002"], on="2019-12-01")
    assert len(north) == 6 and sum(s["vacancy"] for s in north) == 1
    assert [s["role"] for s in staff_for(db, "U00001")] == ["clinical_pharmacist"]
    south = staff_for(db, practice="J81003", on="2019-12-01")
    assert [s["role"] for s in south] == ["gp_salaried"]  # the locum left in June 2019
    assert len(staff_for(db, practice="J81003")) == 2


@pytest.mark.parametrize("case", refusals(BAD / "MANIFEST.csv"))
def test_each_bad_register_is_refused_naming_its_reason_row_column_and_fix_and_changes_nothing(
    db: appdb.AppDB, warehouse: ibis.BaseBackend, case: Refusal
) -> None:
    """The good register's 8 posts are stored first: a refused file must leave all 8 as they
    were (the import replaces the register, so a half-done one would lose or add posts)."""
    import_register(db, GOOD, warehouse)
    before = staff_for(db)
    with pytest.raises(InputError) as raised:
        import_register(db, case.path, warehouse)
    assert_refused(raised.value, case)
    assert register_size(db) == 8
    assert staff_for(db) == before


def test_an_import_replaces_the_register(
    db: appdb.AppDB, warehouse: ibis.BaseBackend, tmp_path: Path
) -> None:
    import_register(db, GOOD, warehouse)
    smaller = tmp_path / "register.csv"
    smaller.write_text(
        "role,fte,age_band,start_date,practice_code,vacancy\nGP,0.4,65+,2001-01-01,J81002,\n"
    )
    assert import_register(db, smaller, warehouse) == 1
    (only,) = staff_for(db)
    assert (only["role"], only["vacancy"], only["pcn_code"]) == ("gp", False, None)


@pytest.mark.parametrize(
    ("band", "older"),
    [("55-59", True), ("65+", True), ("60-64", True), ("50-54", False), ("under 25", False),
     ("25-29", False), (None, None)],
)  # fmt: skip
def test_aged_55_plus_reads_the_band(band: str | None, older: bool | None) -> None:
    assert aged_55_plus(band) is older
