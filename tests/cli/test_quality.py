"""`openpcn quality summary | variation` through Typer's runner.

`quality variation` on a small warehouse is tested beside the capability, in
tests/quality/test_variation.py.
"""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from openpcn.cli.quality import quality_app
from openpcn.quality.ratings import RATING_KEYS
from openpcn.store.reference import reference_tables
from openpcn.store.warehouse import write_tables


@pytest.fixture(scope="module")
def dorset(tmp_path_factory) -> Path:
    """The shipped reference data in a warehouse under an OPENPCN_HOME."""
    home = tmp_path_factory.mktemp("home")
    write_tables(home / "warehouse.duckdb", reference_tables())
    return home


def test_dorset_counts_its_81_practices_and_lies_within_its_practices(dorset, monkeypatch):
    monkeypatch.setenv("OPENPCN_HOME", str(dorset))
    monkeypatch.setenv("OPENPCN_ENGINE", "duckdb")
    run = CliRunner().invoke(quality_app, ["summary", "--ics", "11J", "--json"])
    assert run.exit_code == 0, run.output
    result = json.loads(run.stdout)
    assert result["date"] == "2019-12-01"
    assert sum(result["cqc"][k] for k in RATING_KEYS) == 81
    assert sum(p["cqc"]["practices"] for p in result["pcns"]) == 81
    assert set(result["gpps"]) == {"overall_good", "appointment_good"}
    for measure in result["gpps"].values():
        assert measure["min_pct"] <= measure["value_pct"] <= measure["max_pct"]
        assert measure["weighting"] == "list_size"  # the shipped extract has no responses
        assert 0 < measure["practices"] <= 81


def test_the_table_names_the_ics_and_measures(dorset, monkeypatch):
    monkeypatch.setenv("OPENPCN_HOME", str(dorset))
    monkeypatch.setenv("OPENPCN_ENGINE", "duckdb")
    run = CliRunner().invoke(quality_app, ["summary", "--ics", "11J"])
    assert run.exit_code == 0, run.output
    assert "81 practices" in run.stdout
    assert "overall_good" in run.stdout
