from pathlib import Path

import pytest

from openpcn.config import Settings, load_settings
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


def test_the_web_app_answers_loopback_names_and_believes_no_proxy_by_default():
    settings = load_settings({})
    assert settings.allowed_hosts == ("localhost", "127.0.0.1", "::1")
    assert settings.trusted_proxies == ()


def test_allowed_hosts_and_trusted_proxies_are_comma_separated_lists():
    settings = load_settings(
        {
            "OPENPCN_ALLOWED_HOSTS": " PCN.example.nhs.uk, ,localhost,localhost",
            "OPENPCN_TRUSTED_PROXIES": "10.0.0.5,10.0.0.6",
        }
    )
    assert settings.allowed_hosts == ("pcn.example.nhs.uk", "localhost")
    assert settings.trusted_proxies == ("10.0.0.5", "10.0.0.6")


def test_slow_answers_wait_a_second_with_two_workers_and_two_jobs_each_by_default():
    settings = load_settings({})
    assert settings.job_wait == 1.0
    assert (settings.job_workers, settings.jobs_per_user, settings.cache_mb) == (2, 2, 256)
    assert Settings().job_wait is None  # settings made in code wait until the answer is ready


def test_job_and_cache_settings_come_from_the_environment():
    settings = load_settings(
        {
            "OPENPCN_JOB_WAIT": "0.5",
            "OPENPCN_JOB_WORKERS": "4",
            "OPENPCN_JOBS_PER_USER": "1",
            "OPENPCN_CACHE_MB": "64",
        }
    )
    assert (settings.job_wait, settings.job_workers, settings.jobs_per_user) == (0.5, 4, 1)
    assert settings.cache_mb == 64


def test_a_setting_out_of_range_is_a_config_error_that_says_the_range():
    for name, value in (("OPENPCN_JOB_WAIT", "soon"), ("OPENPCN_JOB_WORKERS", "0"),
                        ("OPENPCN_CACHE_MB", "nan")):  # fmt: skip
        with pytest.raises(ConfigError) as refused:
            load_settings({name: value})
        assert name in refused.value.what
        assert "a number from" in refused.value.fix
