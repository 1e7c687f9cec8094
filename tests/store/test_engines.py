"""The same Ibis expression gives the same answer on DuckDB and on local Spark."""

import datetime as dt

import pandas as pd
import pytest

from openpcn.config import Settings
from openpcn.exceptions import ConfigError
from openpcn.store.warehouse import connect, write_tables


@pytest.fixture(scope="module")
def settings(tmp_path_factory) -> Settings:
    settings = Settings(home=tmp_path_factory.mktemp("home"))
    lists = pd.DataFrame(
        {
            "practice_code": ["J81002", "J81003", "J81002"],
            "as_of": [dt.date(2019, 1, 1), dt.date(2019, 1, 1), dt.date(2020, 1, 1)],
            "registered_patients": [8926.0, 6750.5, 9000.0],
            "weighted_patients": [8000.0, None, 8100.0],
            "source": ["a", "a", "b"],
        }
    )
    write_tables(settings.warehouse_path, {"practice_lists": lists})
    return settings


def total_by_source(con) -> dict[str, float]:
    t = con.table("practice_lists")
    expr = t.group_by("source").aggregate(total=t.registered_patients.sum()).order_by("source")
    frame = con.execute(expr)
    return dict(zip(frame["source"], frame["total"], strict=True))


def test_duckdb_reads_what_was_written(settings):
    assert total_by_source(connect(settings)) == {"a": 15676.5, "b": 9000.0}


@pytest.mark.spark
def test_spark_gives_the_same_answer_as_duckdb(settings):
    spark = connect(settings, engine="pyspark")
    assert total_by_source(spark) == total_by_source(connect(settings))


def test_a_missing_warehouse_says_to_run_init(tmp_path):
    with pytest.raises(ConfigError) as caught:
        connect(Settings(home=tmp_path / "nowhere"))
    assert "openpcn init" in caught.value.fix
