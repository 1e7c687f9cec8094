"""Appointments in General Practice: the CCG and practice layouts, category text to codes,
months, duplicates refused, and the patient-level appointments table still imported."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from tests.corpus import Refusal, assert_refused, refusals

from openpcn.exceptions import InputError
from openpcn.sources import appointments
from openpcn.store.schema import TABLES

DATA = Path(__file__).resolve().parents[1] / "data"
CCG = DATA / "good" / "appointments_ccg_sample.csv"
PRACTICE = DATA / "good" / "Practice_Level_Crosstab_Mar_21_sample.csv"


def test_the_ccg_file_maps_every_published_spelling() -> None:
    rows, note = appointments.read(CCG)
    assert list(rows.columns) == TABLES["appointments_published"].column_names
    got = [
        (r.month, r.level, r.org_code, r.status, r.hcp_type, r.mode, r.lead_time, r.count)
        for r in rows.itertuples()
    ]
    march, april = dt.date(2019, 3, 1), dt.date(2020, 4, 1)
    assert got == [
        (march, "ccg", "11J", "attended", "gp", "face_to_face", "same_day", 100),
        (march, "ccg", "11J", "dna", "gp", "face_to_face", "15_21_days", 7),  # "15  to 21 Days"
        (march, "ccg", "11J", "attended", "other_practice_staff", "telephone", "unknown", 30),
        (april, "ccg", "11J", "attended", "gp", "video_online", "1_day", 4),  # Video/Online
        (april, "ccg", "11J", "unknown", "unknown", "video_online", "over_28_days", 2),
    ]
    assert set(rows["org_name"]) == {"NHS Dorset CCG"}
    assert "143 appointments" in note


def test_the_practice_crosstab_sums_national_categories() -> None:
    """20 + 5 attended same-day GP face-to-face (two national categories) are one row of 25."""
    rows, note = appointments.read(PRACTICE)
    assert rows[["month", "level", "org_code", "status", "mode", "count"]].values.tolist() == [
        [dt.date(2021, 3, 1), "practice", "J81002", "attended", "face_to_face", 25],
        [dt.date(2021, 3, 1), "practice", "J81002", "dna", "telephone", 9],
    ]
    assert "1 rows summed over NATIONAL_CATEGORY" in note


def test_a_pcn_file_is_pcn_level(tmp_path: Path) -> None:
    path = tmp_path / "pcn.csv"
    path.write_text(
        "PCN_CODE,PCN_NAME,APPOINTMENT_MONTH,APPT_STATUS,HCP_TYPE,APPT_MODE,"
        "TIME_BETWEEN_BOOK_AND_APPT,COUNT_OF_APPOINTMENTS\n"
        "U83711,Network,2019-06-01,Attended,GP,Home Visit,8  to 14 Days,3\n"
    )
    rows, _ = appointments.read(path)
    assert rows[["level", "org_code", "month", "mode", "lead_time"]].values.tolist() == [
        ["pcn", "U83711", dt.date(2019, 6, 1), "home_visit", "8_14_days"]
    ]


@pytest.mark.parametrize("case", refusals(kind="appointments"))
def test_each_bad_file_names_its_reason_row_column_and_fix(case: Refusal) -> None:
    with pytest.raises(InputError) as caught:
        appointments.read(case.path)
    assert_refused(caught.value, case)


def test_unknown_text_lists_the_values_allowed() -> None:
    with pytest.raises(InputError) as caught:
        appointments.read(DATA / "bad" / "appointments_unknown_mode.csv")
    assert "Face-to-Face" in caught.value.fix and "Video Conference/Online" in caught.value.fix


def test_the_kind_still_takes_an_extracts_appointments_table() -> None:
    extract = DATA / "good" / "extract" / "appointments.csv"
    assert not appointments.is_publication(extract)
    assert appointments.is_publication(CCG)
    loaded = appointments.load(extract)
    assert set(loaded.frames) == {"appointments"}
    assert set(appointments.load(CCG).frames) == {"appointments_published"}
