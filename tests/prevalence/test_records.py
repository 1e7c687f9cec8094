"""`recorded_registers`: QOF registers counted from patients and events (the shared definition)."""

import pytest
from tests.conftest import typed

from openpcn.config import Settings
from openpcn.prevalence.records import recorded_registers
from openpcn.store.warehouse import connect, write_tables

D = "2019-03-31"


@pytest.fixture
def con(tmp_path, build):
    def person(pid, practice, born, **more):
        return {
            "patient_id": pid,
            "practice_code": practice,
            "sex": "M",
            "birth_month": born,
            "ethnicity_group": "White",
            "registration_date": "2000-01-01",
        } | more

    def event(pid, date, code):
        return {"patient_id": pid, "date": date, "snomed_code": code}

    return build(
        tmp_path / "w.duckdb",
        patients=[
            person("p1", "A1", "1950-01-01"),
            person("p2", "A1", "2002-05-01"),  # 16 on 31 March 2019: born in May
            person("p3", "A1", "2002-03-01"),  # 17 on 31 March 2019: born in March
            person("p4", "A1", "1960-01-01"),
            person("p5", "A1", "1960-01-01", deregistration_date="2019-03-31"),  # left on D
            person("p6", "A1", "1960-01-01", death_date="2019-04-01"),  # died after D
            person("p7", "A1", "1960-01-01", registration_date="2019-04-01"),  # joined after D
            person("p8", "A1", "1960-01-01"),
            person("q1", "A2", "1970-01-01"),
        ],
        events=[
            event("p1", "2018-06-01", "59621000"),  # essential hypertension
            event("p1", "2010-01-01", "230690007"),  # stroke (STRK_COD)
            event("p1", "2012-01-01", "266257000"),  # TIA (TIA_COD): the same STIA patient
            event("p2", "2018-01-01", "44054006"),  # type 2 diabetes, but only 16
            event("p3", "2018-01-01", "44054006"),
            event("p4", "2019-04-01", "59621000"),  # coded after D
            event("p5", "2018-01-01", "59621000"),  # no longer registered
            event("p6", "2018-01-01", "59621000"),
            event("p7", "2018-01-01", "59621000"),
            event("p8", "2016-01-01", "59621000"),
            event("p8", "2017-01-01", "38341003"),  # a second hypertension code: counted once
        ],
    )


def _get(frame, practice, condition):
    row = frame[(frame["practice_code"] == practice) & (frame["condition"] == condition)]
    return int(row["register"].iloc[0]), int(row["list_size"].iloc[0])


def test_registers_follow_the_shared_definition(con):
    frame = recorded_registers(con, D)
    # registered on D: p1 p2 p3 p4 p6 p8 (p5 left on D, p7 joined after); HYP: p1 p6 p8
    assert _get(frame, "A1", "HYP") == (3, 6)
    assert _get(frame, "A1", "STIA") == (1, 6)
    assert _get(frame, "A2", "HYP") == (0, 1)


def test_list_types_set_the_age_of_register_and_denominator(con):
    frame = recorded_registers(con, D)
    # 17OV: p2 (16) is out of both the register and the list
    assert _get(frame, "A1", "DM") == (1, 5)
    # 50OV: p1 (69), p4, p6, p8 (59); not p2 or p3
    assert _get(frame, "A1", "OST") == (0, 4)


def test_every_practice_has_a_row_per_group_and_practices_can_be_chosen(con):
    frame = recorded_registers(con, D, practices=["A2"])
    assert set(frame["practice_code"]) == {"A2"}
    assert len(frame) == 18
    assert list(frame.columns) == ["practice_code", "condition", "register", "list_size"]


@pytest.mark.parametrize("engine", ["duckdb", pytest.param("pyspark", marks=pytest.mark.spark)])
def test_the_same_registers_on_every_engine(tmp_path, engine):
    """One Ibis expression: DuckDB and Spark count the same registers (the spec suite's rule)."""
    settings = Settings(home=tmp_path / "home")
    people = [
        {"patient_id": p, "practice_code": "A1", "sex": "F", "birth_month": born,
         "ethnicity_group": "White", "registration_date": "2000-01-01"}
        for p, born in (("p1", "1950-01-01"), ("p2", "2002-05-01"), ("p3", "2002-03-01"))
    ]  # fmt: skip
    events = [
        {"patient_id": "p1", "date": "2018-06-01", "snomed_code": "59621000"},
        {"patient_id": "p2", "date": "2018-01-01", "snomed_code": "44054006"},
        {"patient_id": "p3", "date": "2018-01-01", "snomed_code": "44054006"},
    ]
    write_tables(
        settings.warehouse_path,
        {"patients": typed("patients", people), "events": typed("events", events)},
    )
    frame = recorded_registers(connect(settings, engine=engine), D)
    assert _get(frame, "A1", "HYP") == (1, 3)
    assert _get(frame, "A1", "DM") == (1, 2)  # p2 is 16: out of the 17OV list and register
