"""`registered_by_month` (three fetches, the orgs helpers' rules applied to them) gives the
same denominators as `registered_on` (the helpers themselves, one day at a time), on Dorset's
shipped lists and hierarchy and on a hand-made tie."""

from __future__ import annotations

import datetime as dt

import ibis
import pytest

from openpcn.access.denominators import recorded_registered, registered_by_month, registered_on
from openpcn.store.reference import reference_tables
from openpcn.store.warehouse import write_tables

PERSON = {
    "practice_code": "A1",
    "sex": "F",
    "birth_month": "1960-01-01",
    "ethnicity_group": "White",
}
DAYS = [dt.date(2019, m, 1) for m in (3, 5, 7, 10)] + [dt.date(2020, m, 1) for m in (1, 4, 8)]


@pytest.fixture(scope="module")
def dorset(tmp_path_factory) -> ibis.BaseBackend:
    path = tmp_path_factory.mktemp("dorset") / "warehouse.duckdb"
    write_tables(path, reference_tables())
    return ibis.duckdb.connect(str(path), read_only=True)


@pytest.mark.parametrize(
    ("level", "orgs"),
    [("ccg", ["11J"]), ("pcn", ["U42510", "U19923"]), ("practice", ["J81019", "J81002"])],
)
def test_the_batched_denominators_equal_the_helpers_day_by_day(dorset, level, orgs):
    batched = registered_by_month(dorset, [(day, level, orgs) for day in DAYS])
    for day in DAYS:
        assert batched[day] == registered_on(dorset, level, orgs, day), day


def test_a_tie_in_distance_takes_the_earlier_list(tmp_path, build):
    con = build(
        tmp_path / "w.duckdb",
        practices=[
            {"practice_code": "A1", "name": "A1", "commissioner_code": "11J", "status": "active"}
        ],
        practice_lists=[
            {
                "practice_code": "A1",
                "as_of": "2019-04-01",
                "registered_patients": 100,
                "source": "a",
            },
            {
                "practice_code": "A1",
                "as_of": "2019-05-31",
                "registered_patients": 200,
                "source": "a",
            },
        ],
        patients=[
            PERSON | {"patient_id": "p1", "registration_date": "2019-01-01"},
            PERSON | {"patient_id": "p2", "registration_date": "2019-05-02"},
            PERSON
            | {"patient_id": "p3", "registration_date": "2019-01-01", "death_date": "2019-05-01"},
        ],
    )
    may = dt.date(2019, 5, 1)  # 30 days from either list: the earlier, April's
    day = dt.date(2019, 5, 16)  # 45 days from April's list, 15 from the later one
    found = registered_by_month(con, [(may, "ccg", ["11J"]), (day, "ccg", ["11J"])])
    assert (found[may].registered, found[day].registered) == (100, 200)
    assert found[may] == registered_on(con, "ccg", ["11J"], may)
    # in the records on 1 May: p1 (p2 joins on 2 May; p3 died on 1 May, so is not counted)
    assert recorded_registered(con, [(may, ["A1"]), (day, ["A1"])]) == {may: 1, day: 2}
