"""Settings from the environment, with defaults that run on the embedded Dorset data."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from openpcn.exceptions import ConfigError

ENGINES = ("duckdb", "pyspark")
DEFAULT_ICS = "11J"  # NHS Dorset CCG, coterminous with the Dorset ICS (QVV) in 2019
DEFAULT_DATE = "2019-12-01"  # the date of the shipped ePCN extract
DEFAULT_SEED = 2019


@dataclass(frozen=True)
class Settings:
    """Where the warehouse lives and which engine runs queries."""

    home: Path = field(default_factory=lambda: Path(".openpcn"))
    engine: str = "duckdb"

    @property
    def warehouse_path(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def parquet_dir(self) -> Path:
        """Parquet snapshot of the warehouse, read by the Spark engine."""
        return self.home / "parquet"


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Read `OPENPCN_HOME` and `OPENPCN_ENGINE`; nothing else is required."""
    env = dict(os.environ) if env is None else env
    engine = env.get("OPENPCN_ENGINE", "duckdb").strip().lower()
    if engine not in ENGINES:
        raise ConfigError(
            f"unknown engine {engine!r} in OPENPCN_ENGINE",
            fix=f"set OPENPCN_ENGINE to one of: {', '.join(ENGINES)}",
        )
    home = Path(env.get("OPENPCN_HOME") or ".openpcn")
    return Settings(home=home, engine=engine)
