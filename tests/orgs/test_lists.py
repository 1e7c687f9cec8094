"""Which list size counts on a date: the nearest as_of, ties to the earlier, then by source."""

import pytest

from openpcn.orgs import list_history, lists_on


@pytest.fixture
def lists(warehouse, rows):
    li = rows.listed
    return warehouse(
        practice_lists=[
            li("J81001", 9_000, "2019-01-01", source="payments_2018-19"),
            li("J81001", 9_500.25, "2020-01-01", 9_100, source="payments_2019-20"),
            li("J81002", 5_000, "2019-01-01", source="b_source"),
            li("J81002", 5_100, "2019-01-31", source="b_source"),
            li("J81003", 7_000, "2019-06-01", source="workforce"),
            li("J81003", 7_050, "2019-06-01", source="payments"),
        ]
    )


def chosen(con, day):
    frame = con.execute(lists_on(con, day).order_by("practice_code"))
    return {
        r.practice_code: (r.as_of.date().isoformat(), r.source, r.days_from_date)
        for r in frame.itertuples()
    }


def test_the_nearest_list_wins_before_or_after_the_date(lists):
    # 2019-07-02 is 182 days after 2019-01-01 and 183 before 2020-01-01
    assert chosen(lists, "2019-07-02")["J81001"] == ("2019-01-01", "payments_2018-19", -182)
    assert chosen(lists, "2019-07-03")["J81001"] == ("2020-01-01", "payments_2019-20", 182)


def test_a_tie_goes_to_the_earlier_list(lists):
    # 2019-01-16 is 15 days from both 2019-01-01 and 2019-01-31
    assert chosen(lists, "2019-01-16")["J81002"] == ("2019-01-01", "b_source", -15)


def test_two_sources_on_the_same_date_are_chosen_by_name(lists):
    assert chosen(lists, "2019-06-01")["J81003"] == ("2019-06-01", "payments", 0)


def test_the_history_lists_every_row(lists):
    assert list_history(lists, "J81001") == [
        {
            "as_of": "2019-01-01",
            "source": "payments_2018-19",
            "registered_patients": 9_000.0,
            "weighted_patients": None,
        },
        {
            "as_of": "2020-01-01",
            "source": "payments_2019-20",
            "registered_patients": 9_500.25,
            "weighted_patients": 9_100.0,
        },
    ]
