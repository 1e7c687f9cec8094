"""The intervention file (`patient_id,index_date`): every bad file in
tests/data/bad/intervention/MANIFEST.csv is refused naming its reason, file, row and column,
never an id; the good file reads as typed pairs."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import ibis
import pandas as pd
import pytest
from tests.corpus import Refusal, assert_refused, refusals

from openpcn.exceptions import InputError
from openpcn.sources import intervention
from openpcn.store.importer import conform
from openpcn.store.schema import TABLES
from openpcn.store.warehouse import write_tables

DATA = Path(__file__).parents[1] / "data"
BAD = DATA / "bad" / "intervention"


@pytest.fixture(scope="module")
def con(tmp_path_factory) -> ibis.BaseBackend:
    """A warehouse holding two patients, p-000001 and p-000002."""
    path = tmp_path_factory.mktemp("intervention") / "warehouse.duckdb"
    patients = pd.DataFrame(
        {
            "patient_id": ["p-000001", "p-000002"],
            "practice_code": ["J81002", "J81002"],
            "sex": ["F", "M"],
            "birth_month": [dt.date(1938, 4, 1), dt.date(1941, 11, 1)],
            "ethnicity_group": ["White", "Asian"],
            "registration_date": [dt.date(1990, 5, 14), dt.date(2004, 2, 2)],
        }
    )
    write_tables(path, {"patients": conform(patients, TABLES["patients"])})
    backend = ibis.duckdb.connect(str(path), read_only=True)
    yield backend
    backend.disconnect()


def test_the_good_file_reads_as_ids_and_dates(con):
    people = intervention.read_checked(DATA / "good" / "intervention.csv", con)
    assert people == (("p-000001", dt.date(2019, 1, 2)), ("p-000002", dt.date(2019, 2, 2)))


@pytest.mark.parametrize("case", refusals(BAD / "MANIFEST.csv"))
def test_a_bad_file_is_refused_with_its_reason_file_row_and_column(con, case: Refusal):
    with pytest.raises(InputError) as caught:
        intervention.read_checked(case.path, con)
    assert_refused(caught.value, case)
    assert "p-000777" not in caught.value.message and "9434765919" not in caught.value.message


def test_the_manifest_covers_every_file_in_the_folder():
    with (BAD / "MANIFEST.csv").open(newline="", encoding="utf-8") as handle:
        listed = {row["file"] for row in csv.DictReader(handle)}
    assert listed == {p.name for p in BAD.glob("*.csv")} - {"MANIFEST.csv"}
