"""The population pyramid: registered and alive on the date, 5-year bands to 90+, F and M."""

import pytest

from openpcn.orgs.population import AGE_BANDS, pyramid, registered_on

DAY = "2019-12-01"


def patient(pid: str, practice: str, sex: str, born: str, **kw) -> dict:
    row = {
        "patient_id": pid,
        "practice_code": practice,
        "sex": sex,
        "birth_month": born,
        "ethnicity_group": "Unknown",
        "registration_date": "2000-01-01",
    }
    return row | kw


@pytest.fixture
def con(warehouse, rows):
    """PCN U00001 = A00001 + A00002; PCN U00002 = B00001 (which joined on 2020-01-01)."""
    return warehouse(
        practices=[rows.practice(c) for c in ["A00001", "A00002", "B00001"]],
        pcns=[rows.pcn("U00001", "North"), rows.pcn("U00002", "South")],
        memberships=[
            rows.member("A00001", "U00001"),
            rows.member("A00002", "U00001"),
            rows.member("B00001", "U00002", start="2020-01-01"),
        ],
        patients=[
            patient("p1", "A00001", "F", "2019-11-01"),  # 0 (one month old)
            patient("p2", "A00001", "F", "2014-12-01"),  # 5 on its birthday month: 5-9
            patient("p3", "A00001", "M", "2015-01-01"),  # 4, the birthday is next month: 0-4
            patient("p4", "A00002", "M", "1920-06-01"),  # 99: 90+
            patient("p5", "A00002", "M", "1929-12-01"),  # 90: 90+
            patient("p6", "A00002", "F", "1970-05-01", death_date="2019-11-30"),  # dead
            patient("p7", "A00002", "F", "1970-05-01", death_date="2019-12-01"),  # died on day
            patient("p8", "A00002", "F", "1970-05-01", deregistration_date="2019-06-01"),
            patient("p9", "A00002", "F", "1970-05-01", registration_date="2019-12-02"),  # later
            patient("p10", "A00002", "F", "1970-05-01", death_date="2019-12-02"),  # 49, alive
            patient("p11", "B00001", "M", "1980-01-01"),
        ],
    )


def counts(rows: list[dict]) -> dict[tuple[str, str], int]:
    return {(r["age_band"], r["sex"]): r["patients"] for r in rows if r["patients"]}


def test_every_band_and_sex_is_listed_youngest_first_with_zeros():
    assert AGE_BANDS[0] == "0-4" and AGE_BANDS[-2] == "85-89" and AGE_BANDS[-1] == "90+"
    assert len(AGE_BANDS) == 19


def test_pcn_pyramid_counts_registered_living_patients_of_its_members(con):
    got = pyramid(con, pcn_code="U00001", date=DAY)
    assert [(r["age_band"], r["sex"]) for r in got[:4]] == [
        ("0-4", "F"),
        ("0-4", "M"),
        ("5-9", "F"),
        ("5-9", "M"),
    ]
    assert len(got) == 38
    assert counts(got) == {
        ("0-4", "F"): 1,
        ("0-4", "M"): 1,
        ("5-9", "F"): 1,
        ("45-49", "F"): 1,
        ("90+", "M"): 2,
    }


def test_practice_pyramid_and_membership_on_the_date(con):
    assert counts(pyramid(con, practice_code="A00002", date=DAY)) == {
        ("45-49", "F"): 1,
        ("90+", "M"): 2,
    }
    assert counts(pyramid(con, pcn_code="U00002", date=DAY)) == {}  # B00001 joins in 2020
    assert counts(pyramid(con, pcn_code="U00002", date="2020-02-01")) == {("40-44", "M"): 1}


def test_without_a_filter_everyone_counts(con):
    assert sum(r["patients"] for r in pyramid(con, date=DAY)) == 7


def test_a_patient_deregistered_on_the_date_is_not_registered_on_it(warehouse, rows):
    # Rule: registered on a date when deregistration_date is null or after the date. On
    # 2019-12-01: deregistered 2019-11-30 (the day before): out; deregistered 2019-12-01 (on the
    # date): out; deregistered 2019-12-02 (the day after): still registered that day, so in.
    con = warehouse(
        practices=[rows.practice("A00001")],
        pcns=[rows.pcn("U00001", "North")],
        memberships=[rows.member("A00001", "U00001")],
        patients=[
            patient("before", "A00001", "F", "1970-05-01", deregistration_date="2019-11-30"),
            patient("on", "A00001", "F", "1970-05-01", deregistration_date="2019-12-01"),
            patient("after", "A00001", "F", "1970-05-01", deregistration_date="2019-12-02"),
        ],
    )
    kept = con.execute(registered_on(con, DAY))
    assert set(kept["patient_id"]) == {"after"}
