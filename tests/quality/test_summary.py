"""`quality_summary`: CQC counts and weighted GPPS measures (its command: tests/cli)."""

import pytest

from openpcn.quality.ratings import RATING_KEYS
from openpcn.quality.summary import england_values, quality_summary

#: practice -> (PCN, registered patients on 2019-10-01)
PRACTICES = {
    "A1": ("P1", 1000),
    "A2": ("P1", 3000),
    "B1": ("P2", 2000),
    "B2": ("P2", 2000),
    "B3": ("P2", 4000),
}

#: (practice, year, measure, value_pct, responses): overall_good has responses, appointment not.
GPPS = [
    ("A1", 2019, "overall_good", 80.0, 100),
    ("A2", 2019, "overall_good", 90.0, 300),
    ("B1", 2019, "overall_good", 60.0, 50),
    ("B2", 2019, "overall_good", 70.0, 150),
    ("A1", 2019, "appointment_good", 50.0, None),
    ("A2", 2019, "appointment_good", 70.0, None),
    ("B1", 2019, "appointment_good", 60.0, None),
    ("B2", 2019, "appointment_good", 80.0, None),
    ("A1", 2018, "overall_good", 10.0, 100),  # an older survey: not used in 2019
    ("A1", 2020, "overall_good", 85.0, 120),  # a later survey: used only from 2020
]


def small_tables() -> dict[str, list[dict]]:
    """The warehouse of PRACTICES and GPPS (A1 rated Good in 2017, B1 Outstanding in 2016)."""
    return dict(
        commissioners=[{"code": "11J", "name": "NHS Dorset CCG", "tier": "CCG"}],
        practices=[
            {"practice_code": c, "name": c, "commissioner_code": "11J", "status": "active"}
            for c in PRACTICES
        ],
        pcns=[
            {"pcn_code": "P1", "name": "North PCN", "commissioner_code": "11J"},
            {"pcn_code": "P2", "name": "South PCN", "commissioner_code": "11J"},
        ],
        memberships=[
            {"practice_code": c, "pcn_code": p, "start_date": "2019-07-01", "source": "t"}
            for c, (p, _) in PRACTICES.items()
        ],
        practice_lists=[
            {"practice_code": c, "as_of": "2019-10-01", "registered_patients": n, "source": "t"}
            for c, (_, n) in PRACTICES.items()
        ],
        cqc_ratings=[
            {"practice_code": "A1", "rating": "Good", "rating_year": 2017, "source": "t"},
            {"practice_code": "B1", "rating": "Outstanding", "rating_year": 2016, "source": "t"},
        ],
        gpps=[
            dict(
                zip(
                    ["practice_code", "year", "measure", "value_pct", "responses"], row, strict=True
                )
            )
            | {"source": "t"}
            for row in GPPS
        ],
    )


@pytest.fixture
def con(tmp_path, build):
    return build(tmp_path / "w.duckdb", **small_tables())


def test_ics_values_are_weighted_by_responses_else_by_list_size(con):
    gpps = quality_summary(con, "11J", "2019-12-01")["gpps"]
    overall, appointment = gpps["overall_good"], gpps["appointment_good"]
    # (80*100 + 90*300 + 60*50 + 70*150) / 600 = 48500 / 600
    assert overall["value_pct"] == pytest.approx(80.833333, abs=1e-6)
    assert overall["weighting"] == "responses"
    # (50*1000 + 70*3000 + 60*2000 + 80*2000) / 8000 = 540000 / 8000
    assert appointment["value_pct"] == pytest.approx(67.5)
    assert appointment["weighting"] == "list_size"
    assert (overall["year"], overall["practices"], overall["min_pct"], overall["max_pct"]) == (
        2019,
        4,
        60.0,
        90.0,
    )
    assert (appointment["min_pct"], appointment["max_pct"]) == (50.0, 80.0)
    assert (overall["england_pct"], appointment["england_pct"]) == (82.9, 67.4)
    assert "GP Patient Survey 2019" in overall["england_source"]


def test_each_pcn_gets_its_own_weighted_values_and_cqc_counts(con):
    result = quality_summary(con, "11J", "2019-12-01")
    pcns = {p["pcn_code"]: p for p in result["pcns"]}
    # P1: (80*100 + 90*300) / 400; (50*1000 + 70*3000) / 4000
    assert pcns["P1"]["gpps"]["overall_good"]["value_pct"] == pytest.approx(87.5)
    assert pcns["P1"]["gpps"]["appointment_good"]["value_pct"] == pytest.approx(65.0)
    # P2: (60*50 + 70*150) / 200; (60*2000 + 80*2000) / 4000; B3 has no survey result
    assert pcns["P2"]["gpps"]["overall_good"]["value_pct"] == pytest.approx(67.5)
    assert pcns["P2"]["gpps"]["appointment_good"]["value_pct"] == pytest.approx(70.0)
    assert pcns["P2"]["gpps"]["overall_good"]["practices"] == 2
    assert pcns["P1"]["cqc"]["good"] == 1
    assert (pcns["P2"]["cqc"]["outstanding"], pcns["P2"]["cqc"]["not_rated"]) == (1, 2)
    cqc = result["cqc"]
    assert cqc["date"] == "2019-12-01"
    assert [cqc[k] for k in RATING_KEYS] == [1, 1, 0, 0, 3]


def test_the_latest_survey_on_or_before_the_date_year_is_used(con):
    overall = quality_summary(con, "11J", "2020-12-01")["gpps"]["overall_good"]
    assert (overall["year"], overall["value_pct"], overall["practices"]) == (2020, 85.0, 1)
    assert "england_pct" not in overall  # no England value for 2020 in the data file


def test_england_values_carry_their_source():
    england = england_values()
    assert england[(2019, "overall_good")]["value_pct"] == 82.9
    assert england[(2019, "appointment_good")]["value_pct"] == 67.4
    assert all(v["source"] for v in england.values())
