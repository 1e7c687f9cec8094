"""Fixtures of the evaluation tests: the 1% synthetic Dorset population (seed 2019), the same
warehouse the cohorts tests build, so a session that runs both builds it once."""

from __future__ import annotations

import ibis
import pytest

from openpcn.build import build_default
from openpcn.config import Settings
from openpcn.store.warehouse import connect


@pytest.fixture(scope="session")
def dorset_con(tmp_path_factory: pytest.TempPathFactory) -> ibis.BaseBackend:
    settings = Settings(home=tmp_path_factory.getbasetemp() / "cohorts-dorset-0.01")
    if not settings.warehouse_path.exists():
        build_default(settings, scale=0.01, seed=2019)
    return connect(settings)
