"""Fixtures shared by the cohorts tests."""

from __future__ import annotations

import pytest

from openpcn.build import build_default
from openpcn.config import Settings


@pytest.fixture(scope="session")
def dorset(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The synthetic Dorset population at 1% (seed 2019), built once for the eFI and risk
    tests."""
    settings = Settings(home=tmp_path_factory.getbasetemp() / "cohorts-dorset-0.01")
    if not settings.warehouse_path.exists():
        build_default(settings, scale=0.01, seed=2019)
    return settings
