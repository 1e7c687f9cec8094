"""The shipped Appointments in General Practice file for NHS Dorset CCG (11J), read through
`access_summary` on the shipped reference data, against the publication's own figures
(data/raw/SOURCES.md): May 2019 371,991 appointments (305,102 face to face, 52,518 telephone);
April 2020 265,249 (163,952 / 91,747)."""

from __future__ import annotations

import datetime as dt

import ibis
import pytest

from openpcn.access.summary import access_summary
from openpcn.store.reference import reference_tables
from openpcn.store.warehouse import write_tables


@pytest.fixture(scope="module")
def dorset(tmp_path_factory) -> dict:
    path = tmp_path_factory.mktemp("dorset") / "warehouse.duckdb"
    write_tables(path, reference_tables())
    con = ibis.duckdb.connect(str(path), read_only=True)
    return access_summary(con, "11J", dt.date(2019, 3, 1), dt.date(2020, 6, 1))


def _month(result: dict, month: str) -> dict:
    return next(m for m in result["published"] if m["month"] == month)


def test_the_shipped_file_covers_march_2019_to_august_2021_at_ccg_level(dorset):
    assert dorset["loaded"] == ["2019-03", "2021-08"]
    assert dorset["levels"] == ["ccg"]
    assert len(dorset["published"]) == 16  # 2019-03 .. 2020-06


def test_may_2019_and_april_2020_match_the_publication(dorset):
    may, april = _month(dorset, "2019-05"), _month(dorset, "2020-04")
    assert may["appointments"] == 371_991
    assert (may["modes"]["face_to_face"], may["modes"]["telephone"]) == (305_102, 52_518)
    assert april["appointments"] == 265_249
    assert (april["modes"]["face_to_face"], april["modes"]["telephone"]) == (163_952, 91_747)


def test_the_shift_to_telephone_from_april_2020_shows(dorset):
    before = [m["face_to_face_share_pct"] for m in dorset["published"] if m["month"] < "2020-03"]
    after = [m["face_to_face_share_pct"] for m in dorset["published"] if m["month"] >= "2020-04"]
    assert min(before) > 79 and max(after) < 63


def test_the_denominator_is_dorsets_lists_nearest_each_month(dorset):
    may, april = _month(dorset, "2019-05"), _month(dorset, "2020-04")
    assert may["list_as_of"] == ["2019-01-01"] and april["list_as_of"] == ["2020-01-01"]
    assert 780_000 < may["registered_patients"] < 830_000  # about 0.8 million in 2019
    assert may["per_1000"] == pytest.approx(1000 * 371_991 / may["registered_patients"])
