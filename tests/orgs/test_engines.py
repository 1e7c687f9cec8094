"""The orgs queries give the same answers on Spark as on DuckDB (check runs every query
summary does, plus the rules)."""

import pytest

from openpcn.config import Settings
from openpcn.orgs import check, groupings, pcn_of, summary
from openpcn.store.warehouse import connect

DAY = "2019-12-01"


@pytest.mark.spark
@pytest.mark.filterwarnings("ignore:distutils Version classes:DeprecationWarning")  # pyspark 3.5
def test_check_and_groupings_agree_on_both_engines(tmp_path, warehouse, rows):
    p, m, li = rows.practice, rows.member, rows.listed
    settings = Settings(home=tmp_path / "home")
    warehouse(
        path=settings.warehouse_path,
        practices=[
            p("J81001", 50.70, -2.00),
            p("J81002", 50.70, -1.98),
            p("J81003", 50.70, -1.96),
            p("J81004", 50.72, -1.98, status="dormant"),
            p("J81005", 50.68, -1.98),
        ],
        pcns=[rows.pcn("U00001", "West PCN"), rows.pcn("U00002", "East PCN")],
        memberships=[
            m("J81001", "U00001"),
            m("J81003", "U00001"),
            m("J81002", "U00002", "2019-07-01", "2020-03-31"),
            m("J81004", "U00002"),
        ],
        practice_lists=[
            li("J81001", 20_000.5, "2019-01-01", 19_000, "a"),
            li("J81001", 21_000.25, "2020-01-01", 20_000, "b"),
            li("J81002", 15_000, "2019-10-01", None, "a"),
            li("J81003", 12_000.75, "2019-10-01", 12_100, "a"),
            li("J81005", 4_000, "2019-10-01", 4_100, "a"),
        ],
        groupings=[
            {
                "grouping": "locality",
                "group_code": "L1",
                "group_name": "One",
                "practice_code": "J81001",
            },
            {
                "grouping": "locality",
                "group_code": "L2",
                "group_name": "Two",
                "practice_code": "J81003",
            },
        ],
    )
    duck = connect(settings)
    spark = connect(settings, engine="pyspark")
    assert check(spark, "11J", DAY).as_dict() == check(duck, "11J", DAY).as_dict()
    assert groupings(spark, "locality", DAY) == groupings(duck, "locality", DAY)
    assert pcn_of(spark, "J81002", "2020-06-01") is None
    assert summary(duck, "11J", DAY)["registered_patients"] == 21_000.25 + 12_000.75 + 15_000
