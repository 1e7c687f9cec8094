"""GP workforce risk on a small inline warehouse: from the register, else the warehouse."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import ibis
import pytest

from openpcn.store import appdb
from openpcn.store.warehouse import write_tables
from openpcn.workforce.indicators import staffing_indicators
from openpcn.workforce.register import import_register

from .conftest import DATA, frame, org_tables

GOOD = DATA / "good" / "workforce_register.csv"


def test_indicators_from_the_register(db: appdb.AppDB, warehouse: ibis.BaseBackend) -> None:
    import_register(db, GOOD, warehouse)
    result = staffing_indicators(warehouse, db, "11J", "2019-12-01")
    assert result["source"]["kind"] == "register" and result["source"]["files"] == [GOOD.name]
    practices = {p["code"]: p for p in result["practices"]}
    # J81001: GPs 1.0 (55-59) + 0.5 (40-44) for 10,000 patients.
    one = practices["J81001"]
    assert (one["gp_headcount"], one["gp_fte"], one["gp_55_plus"], one["gp_55_plus_pct"]) == (
        2, 1.5, 1, 50.0,
    )  # fmt: skip
    assert (one["gp_fte_per_10k"], one["staff_fte"], one["vacancy_posts"]) == (1.5, 2.5, 0)
    # J81002: one GP aged 60-64 for 5,000 patients and a vacant 0.6 GP post.
    two = practices["J81002"]
    assert (two["gp_headcount"], two["gp_fte_per_10k"], two["gp_55_plus_pct"]) == (1, 2.0, 100.0)
    assert (two["vacancy_posts"], two["vacancy_fte"], two["gp_vacancy_fte"]) == (1, 0.6, 0.6)
    # J81003: the locum left in June 2019, so one GP of 0.8 FTE.
    three = practices["J81003"]
    assert (three["gp_headcount"], three["gp_fte"], three["gp_fte_per_10k"]) == (1, 0.8, 0.8)
    assert three["pcn_code"] == "U00002" and three["list_as_of"] == "2019-10-01"

    pcns = {p["code"]: p for p in result["pcns"]}
    north = pcns["U00001"]  # its practices' posts plus the pharmacist the PCN employs
    assert (north["gp_headcount"], north["gp_fte"], north["gp_55_plus_pct"]) == (3, 2.5, 66.7)
    assert (north["registered_patients"], north["gp_fte_per_10k"]) == (15_000, 1.67)
    assert (north["staff_fte"], north["vacancy_fte"]) == (4.5, 0.6)

    ics = result["ics"]  # 4 GPs, 3.3 FTE, 2 aged 55+, 25,000 patients
    assert (ics["gp_headcount"], ics["gp_fte"], ics["gp_55_plus_pct"]) == (4, 3.3, 50.0)
    assert ics["gp_fte_per_10k"] == 1.32
    assert north["ics"] == {"gp_fte_per_10k": 1.32, "gp_55_plus_pct": 50.0} == one["ics"]
    assert result["england"] is None  # no sourced England figure: none is invented


def test_an_empty_register_falls_back_to_the_warehouse_and_says_so(
    tmp_path: Path, db: appdb.AppDB
) -> None:
    staff = [
        {"staff_id": "s1", "practice_code": "J81001", "role": "gp", "fte": 0.8,
         "age_band": "60-64", "start_date": dt.date(2010, 1, 1)},
        {"staff_id": "s2", "practice_code": "J81003", "role": "gp", "fte": 1.0,
         "age_band": "35-39", "start_date": dt.date(2020, 1, 1)},  # starts after the date
        {"staff_id": "s3", "pcn_code": "U00002", "role": "clinical_pharmacist", "fte": 1.0,
         "age_band": "30-34", "start_date": dt.date(2019, 9, 1)},
    ]  # fmt: skip
    path = tmp_path / "w.duckdb"
    write_tables(path, {**org_tables(), "workforce": frame("workforce", staff)})
    con = ibis.duckdb.connect(str(path), read_only=True)
    try:
        result = staffing_indicators(con, db, "11J", "2019-12-01")
    finally:
        con.disconnect()
    assert (
        result["source"]["kind"] == "warehouse"
        and "register is empty" in (result["source"]["detail"])
    )
    # No patient-level table: the published lists are the denominator.
    assert result["source"]["denominator"].startswith("published list sizes")
    ics = result["ics"]
    assert (ics["gp_headcount"], ics["gp_fte"], ics["gp_55_plus_pct"]) == (1, 0.8, 100.0)
    assert ics["gp_fte_per_10k"] == 0.32 and ics["staff_fte"] == 1.8
    assert ics["vacancy_posts"] is None  # the warehouse table records no vacancies
    south = {p["code"]: p for p in result["pcns"]}["U00002"]
    assert (south["gp_headcount"], south["staff_fte"]) == (0, 1.0)
    assert south["gp_55_plus_pct"] is None and south["gp_fte_per_10k"] == 0.0


def test_an_unknown_ics_is_not_found(db: appdb.AppDB, warehouse: ibis.BaseBackend) -> None:
    from openpcn.exceptions import NotFoundError

    with pytest.raises(NotFoundError):
        staffing_indicators(warehouse, db, "99Z", "2019-12-01")
