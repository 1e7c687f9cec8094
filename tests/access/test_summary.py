"""`access_summary` and `pcn_access` on a hand-made warehouse, with answers worked by hand.

Two practices of NHS Dorset CCG (11J), both in PCN P1. Their lists: A1 1,000 and A2 3,000 on
2019-01-01; A2 5,000 on 2019-12-01. So April 2019 is over 4,000 patients (nearest lists are
January's) and November 2019 over 6,000 (A2's December list is nearer the 1st of November).
"""

from __future__ import annotations

import datetime as dt

import pytest

from openpcn.access.summary import NoAppointments, access_summary, pcn_access

APR, NOV = dt.date(2019, 4, 1), dt.date(2019, 11, 1)

#: (month, status, hcp_type, mode, lead_time, count) at CCG level for 11J.
CCG_ROWS = [
    ("2019-04-01", "attended", "gp", "face_to_face", "same_day", 200),
    ("2019-04-01", "attended", "other_practice_staff", "face_to_face", "1_day", 100),
    ("2019-04-01", "dna", "gp", "telephone", "2_7_days", 20),
    ("2019-04-01", "unknown", "unknown", "home_visit", "unknown", 80),
    ("2019-11-01", "attended", "gp", "telephone", "same_day", 600),
    ("2019-11-01", "dna", "other_practice_staff", "face_to_face", "8_14_days", 60),
    ("2019-11-01", "attended", "gp", "face_to_face", "1_day", 540),
]


def _row(level: str, org: str, row: tuple) -> dict:
    month, status, hcp, mode, lead, count = row
    keys = {"status": status, "hcp_type": hcp, "mode": mode, "lead_time": lead, "count": count}
    return {"month": month, "level": level, "org_code": org, "source": "t"} | keys


#: Recorded: ten patients at A1 from 2018; one leaves on 2019-05-15.
PATIENTS = [
    {
        "patient_id": f"p{i}",
        "practice_code": "A1",
        "sex": "F",
        "birth_month": "1950-01-01",
        "ethnicity_group": "White",
        "registration_date": "2018-01-01",
        "deregistration_date": "2019-05-15" if i == 0 else None,
    }
    for i in range(10)
]
#: April 2019 at A1: 3 face to face with a GP, a nurse's telephone DNA, a pharmacist's video
#: call, and a cancelled one (left out).
RECORDED = [
    ("face_to_face", "gp", "attended"),
    ("face_to_face", "gp", "attended"),
    ("face_to_face", "gp", "attended"),
    ("telephone", "nurse", "did_not_attend"),
    ("video", "pharmacist", "attended"),
    ("face_to_face", "gp", "cancelled"),
]


def access_tables(published: list[dict]) -> dict[str, list[dict]]:
    """The warehouse of the module docstring with these published rows."""
    return dict(
        commissioners=[
            {"code": "11J", "name": "NHS Dorset CCG", "tier": "CCG"},
            {"code": "99X", "name": "Elsewhere CCG", "tier": "CCG"},
        ],
        practices=[
            {"practice_code": c, "name": c, "commissioner_code": "11J", "status": "active"}
            for c in ("A1", "A2")
        ],
        pcns=[{"pcn_code": "P1", "name": "North PCN", "commissioner_code": "11J"}],
        memberships=[
            {"practice_code": c, "pcn_code": "P1", "start_date": "2019-01-01", "source": "t"}
            for c in ("A1", "A2")
        ],
        practice_lists=[
            {"practice_code": c, "as_of": d, "registered_patients": n, "source": "t"}
            for c, d, n in [
                ("A1", "2019-01-01", 1000),
                ("A2", "2019-01-01", 3000),
                ("A2", "2019-12-01", 5000),
            ]
        ],
        appointments_published=published,
        patients=PATIENTS,
        appointments=[
            {"patient_id": f"p{i}", "practice_code": "A1", "date": f"2019-04-{i + 2:02d}"}
            | dict(zip(("mode", "staff_role", "status"), r, strict=True))
            for i, r in enumerate(RECORDED)
        ],
    )


def _warehouse(tmp_path, build, published):
    return build(tmp_path / "w.duckdb", **access_tables(published))


@pytest.fixture
def con(tmp_path, build):
    other = _row("ccg", "99X", CCG_ROWS[0])  # another CCG's rows never count for 11J
    return _warehouse(tmp_path, build, [_row("ccg", "11J", r) for r in CCG_ROWS] + [other])


def test_two_months_with_their_modes_staff_lead_times_and_dna_rate(con):
    result = access_summary(con, "11J")
    assert (result["from"], result["to"], result["levels"]) == ("2019-04", "2019-11", ["ccg"])
    april, november = result["published"]
    assert (april["month"], april["orgs"], april["appointments"]) == ("2019-04", ["11J"], 400)
    assert april["registered_patients"] == 4000
    assert april["per_1000"] == pytest.approx(100.0)  # 400 / 4,000 * 1,000
    assert april["modes"] == {
        "face_to_face": 300,
        "telephone": 20,
        "home_visit": 80,
        "video_online": 0,
        "unknown": 0,
    }
    assert april["modes_share_pct"]["face_to_face"] == pytest.approx(75.0)
    assert april["face_to_face_share_pct"] == pytest.approx(75.0)
    assert april["mode_per_1000"]["home_visit"] == pytest.approx(20.0)  # 80 / 4,000 * 1,000
    assert april["staff"] == {"gp": 220, "other_practice_staff": 100, "unknown": 80}
    assert april["lead_times"]["same_day"] == 200
    assert april["lead_times_share_pct"]["unknown"] == pytest.approx(20.0)
    # DNA / (attended + DNA) = 20 / (300 + 20); the 80 of unknown status are left out
    assert april["dna_rate_pct"] == pytest.approx(6.25)
    assert "unknown status" in result["dna_rule"]
    assert november["appointments"] == 1200
    assert november["dna_rate_pct"] == pytest.approx(5.0)  # 60 / (1,140 + 60)
    assert november["face_to_face_share_pct"] == pytest.approx(50.0)


def test_the_denominator_is_the_list_nearest_each_month(con):
    april, november = access_summary(con, "11J")["published"]
    assert april["list_as_of"] == ["2019-01-01"]
    # A2's December list (5,000) is nearer the 1st of November than its January one
    assert november["registered_patients"] == 6000
    assert november["list_as_of"] == ["2019-01-01", "2019-12-01"]
    assert november["per_1000"] == pytest.approx(200.0)  # 1,200 / 6,000 * 1,000


def test_a_range_narrows_the_months(con):
    result = access_summary(con, "11J", NOV, NOV)
    assert [m["month"] for m in result["published"]] == ["2019-11"]


def test_recorded_appointments_sit_beside_the_published_ones(con):
    recorded = access_summary(con, "11J")["recorded"]
    assert [m["month"] for m in recorded] == ["2019-04"]  # no recorded appointments in November
    april = recorded[0]
    assert april["appointments"] == 5  # the cancelled one is left out
    assert april["registered_patients"] == 10  # all ten still registered on 1 April
    assert april["per_1000"] == pytest.approx(500.0)
    assert april["modes"]["video_online"] == 1
    assert april["staff"] == {"gp": 3, "other_practice_staff": 2, "unknown": 0}
    assert april["dna_rate_pct"] == pytest.approx(20.0)  # 1 / (4 + 1)
    assert april["lead_times"] is None  # the records hold no booking date


def test_the_finest_level_counts_and_levels_are_never_added(tmp_path, build):
    rows = [_row("ccg", "11J", r) for r in CCG_ROWS]
    rows += [_row("practice", "A1", ("2019-11-01", "attended", "gp", "telephone", "same_day", 90))]
    rows += [_row("practice", "A1", ("2019-11-01", "dna", "gp", "telephone", "same_day", 10))]
    con = _warehouse(tmp_path, build, rows)
    april, november = access_summary(con, "11J")["published"]
    assert april["level"] == "ccg"
    assert (november["level"], november["orgs"], november["appointments"]) == (
        "practice",
        ["A1"],
        100,
    )
    # the practice's own list on the 1st of November, not the CCG's
    assert november["registered_patients"] == 1000
    assert november["per_1000"] == pytest.approx(100.0)


def test_a_pcn_with_only_ccg_rows_says_so_and_its_recorded_counts_are_disclosed(con):
    result = pcn_access(con, "P1", APR, NOV)
    assert result["published"] == []
    assert "only CCG-level data" in result["notes"][0]
    april = result["recorded"][0]
    # 3, 1 and 1 are each redacted (1-7), so nothing is shown to add up
    assert april["modes"]["face_to_face"] is None
    assert april["appointments"] == 0
    assert april["registered_patients"] == 10  # 10 rounds to 10
    # without a range, the months are those of its commissioner's CCG rows
    unranged = pcn_access(con, "P1")
    assert (unranged["from"], unranged["to"]) == ("2019-04", "2019-11")
    assert [m["month"] for m in unranged["recorded"]] == ["2019-04"]


def test_a_pcn_with_pcn_rows_gets_its_own_months(tmp_path, build):
    rows = [_row("pcn", "P1", ("2019-04-01", "attended", "gp", "telephone", "same_day", 400))]
    con = _warehouse(tmp_path, build, rows)
    april = pcn_access(con, "P1")["published"][0]
    assert (april["level"], april["appointments"], april["registered_patients"]) == (
        "pcn",
        400,
        4000,
    )


def test_an_empty_range_names_the_months_loaded(con):
    with pytest.raises(NoAppointments) as raised:
        access_summary(con, "11J", dt.date(2020, 5, 1), dt.date(2020, 6, 1))
    assert "2019-04 to 2019-11" in raised.value.fix


def test_an_ics_without_published_rows_is_told_what_to_import(tmp_path, build):
    con = _warehouse(tmp_path, build, [_row("ccg", "99X", CCG_ROWS[0])])
    with pytest.raises(NoAppointments, match="no published appointments are loaded"):
        access_summary(con, "11J")
