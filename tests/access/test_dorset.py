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
    # raw/appointments_in_general_practice_dorset_11J_2019-03_2021-08.csv summed over every
    # row of the month (status, staff, lead time): MAY2019 216 rows, 371,991, of which APPT_MODE
    # Face-to-Face 305,102 and Telephone 52,518; APR2020 189 rows, 265,249 (163,952 / 91,747);
    # reference/appointments_published.csv (the same rows, codes mapped) sums to the same
    may, april = _month(dorset, "2019-05"), _month(dorset, "2020-04")
    assert may["appointments"] == 371_991
    assert (may["modes"]["face_to_face"], may["modes"]["telephone"]) == (305_102, 52_518)
    assert april["appointments"] == 265_249
    assert (april["modes"]["face_to_face"], april["modes"]["telephone"]) == (163_952, 91_747)


def test_the_shift_to_telephone_from_april_2020_shows(dorset):
    before = [m["face_to_face_share_pct"] for m in dorset["published"] if m["month"] < "2020-03"]
    after = [m["face_to_face_share_pct"] for m in dorset["published"] if m["month"] >= "2020-04"]
    # Face-to-Face / all of the month in the raw file: lowest before March 2020 is Dec 2019's
    # 80.3%; highest from April to June 2020 is April's 163,952 / 265,249 = 61.8%
    assert min(before) > 79 and max(after) < 63


def test_the_denominator_is_dorsets_lists_nearest_each_month(dorset):
    may, april = _month(dorset, "2019-05"), _month(dorset, "2020-04")
    # the 86 practices.csv rows of 11J live on 2019-05-01; their practice_lists.csv rows nearest
    # it are as_of 2019-01-01 (120 days before; 2019-09-30 is 152 days after), NHS Payments
    # 2018-19: 802,084.75, so May's rate is 1,000 x 371,991 / 802,084.75 = 463.8 per 1,000
    # (April 2020: the same 86, as_of 2020-01-01, 821,101.25)
    assert may["list_as_of"] == ["2019-01-01"] and april["list_as_of"] == ["2020-01-01"]
    assert 780_000 < may["registered_patients"] < 830_000  # about 0.8 million in 2019
    assert may["per_1000"] == pytest.approx(1000 * 371_991 / may["registered_patients"])
