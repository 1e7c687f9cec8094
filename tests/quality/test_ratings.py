"""CQC ratings in force on a date: the latest issued in a year before the date's year."""

import pytest

from openpcn.quality.ratings import RATING_KEYS, rating_key, ratings_on


def org_tables() -> dict[str, list[dict]]:
    """Dorset (11J): P1 = A1, A2; P2 = B1, B2, B3; C1 is commissioned but in no PCN.

    Z1 belongs to another commissioner's PCN and must never be counted.
    """
    codes = {"A1": "P1", "A2": "P1", "B1": "P2", "B2": "P2", "B3": "P2", "Z1": "Q1"}
    return {
        "commissioners": [
            {"code": "11J", "name": "NHS Dorset CCG", "tier": "CCG", "ics_code": "QVV"},
            {"code": "99N", "name": "NHS Wiltshire CCG", "tier": "CCG", "ics_code": "QOX"},
        ],
        "practices": [
            {
                "practice_code": code,
                "name": f"Practice {code}",
                "commissioner_code": "99N" if code == "Z1" else "11J",
                "status": "active",
            }
            for code in [*codes, "C1"]
        ],
        "pcns": [
            {"pcn_code": "P1", "name": "North PCN", "commissioner_code": "11J"},
            {"pcn_code": "P2", "name": "South PCN", "commissioner_code": "11J"},
            {"pcn_code": "Q1", "name": "Other PCN", "commissioner_code": "99N"},
        ],
        "memberships": [
            {"practice_code": c, "pcn_code": p, "start_date": "2019-07-01", "source": "test"}
            for c, p in codes.items()
        ],
    }


CQC = [
    ("A1", "Good", 2016),
    ("A1", "Outstanding", 2018),  # latest before 2019: outstanding
    ("A2", "Requires improvement", 2017),
    ("A2", "Good", 2019),  # issued in 2019: maybe not in force on 2019-12-01
    ("B1", "Inadequate", 2018),
    ("B2", "Good", 2021),  # only rated after 2019: what was in force is unknown
    ("C1", "Good", 2016),  # in no PCN: not a member practice
    ("Z1", "Outstanding", 2016),  # another ICS
]


@pytest.fixture
def con(tmp_path, build):
    rows = [
        {"practice_code": c, "rating": r, "rating_year": y, "source": "test"} for c, r, y in CQC
    ]
    return build(tmp_path / "w.duckdb", cqc_ratings=rows, **org_tables())


def test_each_member_practice_counts_once_under_the_rating_in_force(con):
    result = ratings_on(con, "11J", "2019-12-01")
    assert result["date"] == "2019-12-01"
    assert result["practices"] == 5
    assert {k: result[k] for k in RATING_KEYS} == {
        "outstanding": 1,  # A1
        "good": 0,
        "requires_improvement": 1,  # A2, its 2019 rating not yet taken as in force
        "inadequate": 1,  # B1
        "not_rated": 2,  # B2 (rated only in 2021), B3 (never)
    }
    assert result["uncertain"] == ["A2"]
    assert result["rated_later"] == ["B2"]
    assert "only the year" in result["caveat"]


def test_counts_per_pcn(con):
    pcns = {p["pcn_code"]: p for p in ratings_on(con, "11J", "2019-12-01")["pcns"]}
    assert sorted(pcns) == ["P1", "P2"]
    assert pcns["P1"] == {
        "pcn_code": "P1",
        "name": "North PCN",
        "practices": 2,
        "outstanding": 1,
        "good": 0,
        "requires_improvement": 1,
        "inadequate": 0,
        "not_rated": 0,
    }
    assert (pcns["P2"]["inadequate"], pcns["P2"]["not_rated"], pcns["P2"]["practices"]) == (1, 2, 3)


def test_a_rating_is_in_force_from_the_year_after_it_was_issued(con):
    result = ratings_on(con, "11J", "2020-06-30")
    assert (result["good"], result["requires_improvement"], result["uncertain"]) == (1, 0, [])
    assert result["rated_later"] == ["B2"]
    assert ratings_on(con, "11J", "2022-01-01")["rated_later"] == []


def test_before_any_membership_the_commissioned_practices_are_counted_and_it_says_so(con):
    result = ratings_on(con, "11J", "2019-05-31")
    assert result["practices"] == 6  # A1, A2, B1, B2, B3 and C1 (not Z1: another commissioner)
    assert sum(result[k] for k in RATING_KEYS) == 6
    assert all(p["practices"] == 0 for p in result["pcns"])
    assert "commissioned" in result["note"]


def test_published_rating_labels_map_to_keys():
    assert [rating_key(r) for r in ("Outstanding", "Requires improvement", " good ", None)] == [
        "outstanding",
        "requires_improvement",
        "good",
        "not_rated",
    ]


# Ratings from CQC's own file carry the day they were published (rating_date).
DATED = [
    ("A1", "Good", 2019, "2019-03-14"),  # published this year, before the date: exact
    ("A2", "Requires improvement", 2016, None),  # year-only, superseded on 2019-12-02
    ("A2", "Outstanding", 2019, "2019-12-02"),
    ("B1", "Inadequate", 2020, "2020-01-10"),  # only published after the date
    ("B2", "Good", 2019, None),  # year-only in the date's year: still uncertain
]


@pytest.fixture
def dated(tmp_path, build):
    rows = [
        {"practice_code": c, "rating": r, "rating_year": y, "source": "test", "rating_date": d}
        for c, r, y, d in DATED
    ]
    return build(tmp_path / "w.duckdb", cqc_ratings=rows, **org_tables())


def test_a_dated_rating_is_in_force_from_its_publication_day_and_never_uncertain(dated):
    result = ratings_on(dated, "11J", "2019-12-01")
    assert {k: result[k] for k in RATING_KEYS} == {
        "outstanding": 0,
        "good": 1,  # A1, published 2019-03-14
        "requires_improvement": 1,  # A2: the 2019-12-02 rating is not yet published
        "inadequate": 0,
        "not_rated": 3,  # B1 (published 2020), B2 (year-only 2019, uncertain), B3
    }
    assert result["uncertain"] == ["B2"]  # only the year-only row
    assert result["rated_later"] == ["B1"]
    assert "published on or before the date" in result["rule"]


def test_the_day_of_publication_switches_the_rating(dated):
    before = ratings_on(dated, "11J", "2019-12-01")
    on_the_day = ratings_on(dated, "11J", "2019-12-02")
    assert (before["outstanding"], on_the_day["outstanding"]) == (0, 1)
    assert on_the_day["requires_improvement"] == 0
    assert ratings_on(dated, "11J", "2020-01-10")["inadequate"] == 1
