"""Inline patient tables for the spec suite, and an engine fixture: DuckDB, and Spark (marked).

Each spec file writes a few patients to a fresh warehouse, with dates counted back from DAY, and
states the cohorts each patient must land in; the same answer is required on both engines.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest

from openpcn.config import Settings
from openpcn.store.warehouse import connect, write_tables

DAY = dt.date(2019, 12, 1)
PCN = "U00001"
OTHER_PCN = "U00002"


def ago(days: int) -> dt.date:
    return DAY - dt.timedelta(days=days)


def days_since(day: dt.date) -> int:
    """How many days `day` is before DAY: the `days_ago` of a record on that date, so a test can
    name the calendar date at a window's edge."""
    return (DAY - day).days


@dataclass
class World:
    """A tiny warehouse: two practices in one PCN, one in another, two care homes."""

    patients: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    medications: list[dict] = field(default_factory=list)

    def patient(
        self,
        pid: str,
        *,
        age: int = 50,
        practice: str = "J81001",
        care_home: str | None = None,
        imd_decile: int | None = 5,
        ethnicity: str = "White",
        died_days_ago: int | None = None,
    ) -> World:
        self.patients.append(
            {
                "patient_id": pid,
                "practice_code": practice,
                "sex": "F",
                "birth_month": dt.date(DAY.year - age, 1, 1),
                "imd_decile": imd_decile,
                "ethnicity_group": ethnicity,
                "care_home_code": care_home,
                "registration_date": dt.date(2000, 1, 1),
                "deregistration_date": None,
                "death_date": None if died_days_ago is None else ago(died_days_ago),
            }
        )
        return self

    def event(self, pid: str, code: str, days_ago: int, value: float | None = None) -> World:
        self.events.append(
            {"patient_id": pid, "date": ago(days_ago), "snomed_code": code, "value": value}
        )
        return self

    def medicine(
        self,
        pid: str,
        bnf: str,
        days_ago: int = 30,
        *,
        repeat: bool = True,
        dmd: str | None = None,
    ) -> World:
        """One issue; `dmd` gives the product's own dm+d code, for codelists of dm+d codes."""
        self.medications.append(
            {
                "patient_id": pid,
                "date": ago(days_ago),
                "dmd_code": dmd or f"dmd-{bnf}",
                "bnf_code": bnf,
                "repeat": repeat,
            }
        )
        return self

    def frames(self) -> dict[str, pd.DataFrame]:
        def frame(rows: list[dict], table: str) -> pd.DataFrame:
            from openpcn.store.schema import TABLES

            columns = TABLES[table].column_names
            return pd.DataFrame(rows, columns=columns).astype({c: "object" for c in columns})

        membership = [
            {
                "practice_code": code,
                "pcn_code": pcn,
                "start_date": dt.date(2019, 7, 1),
                "end_date": None,
                "source": "test",
            }
            for code, pcn in (("J81001", PCN), ("J81002", PCN), ("J81003", OTHER_PCN))
        ]
        pcns = [
            {
                "pcn_code": code,
                "name": code,
                "commissioner_code": "11J",
                "open_date": None,
                "close_date": None,
                "postcode": None,
            }
            for code in (PCN, OTHER_PCN)
        ]
        homes = [
            {
                "care_home_code": "CH1",
                "name": "Home 1",
                "beds": 30,
                "lat": None,
                "lon": None,
                "aligned_pcn_code": PCN,
            },
            {
                "care_home_code": "CH2",
                "name": "Home 2",
                "beds": 30,
                "lat": None,
                "lon": None,
                "aligned_pcn_code": OTHER_PCN,
            },
        ]
        commissioners = [
            {"code": "11J", "name": "NHS Dorset CCG", "tier": "CCG", "ics_code": "QVV"}
        ]
        out = {
            "patients": frame(self.patients, "patients"),
            "events": frame(self.events, "events"),
            "medications": frame(self.medications, "medications"),
            "memberships": frame(membership, "memberships"),
            "pcns": frame(pcns, "pcns"),
            "care_homes": frame(homes, "care_homes"),
            "commissioners": frame(commissioners, "commissioners"),
        }
        return out


ENGINES = ["duckdb", pytest.param("pyspark", marks=pytest.mark.spark)]
# Spark checks that a definition compiles to the same query on the other engine; the years'
# rules differ only in the definition files, which DuckDB checks for every year. To keep
# `make test` under 15 minutes it runs Spark on the latest year of the blood-pressure specs
# (CVD and inequalities: every kind of reading, threshold and window), and `make test-long`
# on every spec and year (tests/cohorts/test_engines.py runs the summary and trend on Spark).
SPARK_YEAR = "2024/25"
SPARK_IN_MAKE_TEST = {"test_cvd.py", "test_inequalities.py"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here not in item.path.parents:
            continue  # a conftest's collection hook sees the whole session's items
        params = getattr(item, "callspec", None)
        params = params.params if params is not None else {}
        if params.get("engine") != "pyspark":
            continue
        if params.get("year", SPARK_YEAR) != SPARK_YEAR or item.path.name not in SPARK_IN_MAKE_TEST:
            item.add_marker(pytest.mark.long)


@pytest.fixture(params=ENGINES)
def engine(request) -> str:
    return request.param


@pytest.fixture
def open_world(tmp_path):
    """Write a World to a fresh warehouse and open it on the engine asked for."""

    def open_(world: World, engine: str):
        settings = Settings(home=tmp_path / "home")
        write_tables(settings.warehouse_path, world.frames())
        return connect(settings, engine=engine)

    return open_


def members(frame: pd.DataFrame) -> dict[str, set[str]]:
    """patient_id -> the cohorts they are in."""
    out: dict[str, set[str]] = {}
    for pid, cohort in zip(frame["patient_id"], frame["cohort"], strict=True):
        out.setdefault(pid, set()).add(cohort)
    return out
