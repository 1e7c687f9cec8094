from pathlib import Path

import pytest

from openpcn.config import load_settings
from openpcn.exceptions import ConfigError


def test_defaults_run_on_the_embedded_data_in_dot_openpcn():
    settings = load_settings({})
    assert settings.home == Path(".openpcn")
    assert settings.engine == "duckdb"
    assert settings.warehouse_path == Path(".openpcn/warehouse.duckdb")


def test_home_and_engine_come_from_the_environment():
    settings = load_settings({"OPENPCN_HOME": "/srv/opcn", "OPENPCN_ENGINE": "PySpark"})
    assert settings.home == Path("/srv/opcn")
    assert settings.engine == "pyspark"


def test_an_unknown_engine_is_a_config_error_that_names_the_choices():
    with pytest.raises(ConfigError) as caught:
        load_settings({"OPENPCN_ENGINE": "oracle"})
    assert "duckdb" in caught.value.message and "pyspark" in caught.value.message
