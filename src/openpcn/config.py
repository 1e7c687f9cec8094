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
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")  # the names of this machine itself


def names(value: str | None) -> tuple[str, ...]:
    """A comma-separated setting as its non-empty, lower-case, de-duplicated items."""
    items = (item.strip().lower() for item in (value or "").split(","))
    return tuple(dict.fromkeys(item for item in items if item))


@dataclass(frozen=True)
class Settings:
    """Where the warehouse lives, which engine runs queries, and who the web app believes.

    `allowed_hosts`: the Host names the web app answers ("*": any, for settings made in code,
    e.g. tests; `load_settings` defaults to this machine's loopback names). `trusted_proxies`:
    the addresses whose X-Forwarded-For `openpcn serve` believes (none: the connection's own).

    Slow answers (`openpcn.web.kit.jobs`): a request waits `job_wait` seconds for one before
    answering with a progress page (None, the default for settings made in code: until it is
    ready; `load_settings` defaults to 1 s), `job_workers` work them out at once, and each
    account may have `jobs_per_user` under way. `cache_mb`: the memory the web app's answer
    caches may hold, all together.
    """

    home: Path = field(default_factory=lambda: Path(".openpcn"))
    engine: str = "duckdb"
    allowed_hosts: tuple[str, ...] = ("*",)
    trusted_proxies: tuple[str, ...] = ()
    job_wait: float | None = None
    job_workers: int = 2
    jobs_per_user: int = 2
    cache_mb: int = 256

    @property
    def warehouse_path(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def parquet_dir(self) -> Path:
        """Parquet snapshot of the warehouse, read by the Spark engine."""
        return self.home / "parquet"


def number(env: dict[str, str], name: str, default: float, low: float, high: float) -> float:
    """The setting `name` as a number from `low` to `high` (`default` when it is not set)."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not low <= value <= high:  # NaN fails too
        raise ConfigError(
            f"{name} is {raw!r}, not a number from {low:g} to {high:g}",
            fix=f"set {name} to a number from {low:g} to {high:g}, or unset it for {default:g}",
        )
    return value


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Read `OPENPCN_HOME`, `OPENPCN_ENGINE`, `OPENPCN_ALLOWED_HOSTS` (default: loopback),
    `OPENPCN_TRUSTED_PROXIES` (default: none), `OPENPCN_JOB_WAIT` (seconds, default 1),
    `OPENPCN_JOB_WORKERS` (2), `OPENPCN_JOBS_PER_USER` (2) and `OPENPCN_CACHE_MB` (256);
    nothing is required."""
    env = dict(os.environ) if env is None else env
    engine = env.get("OPENPCN_ENGINE", "duckdb").strip().lower()
    if engine not in ENGINES:
        raise ConfigError(
            f"unknown engine {engine!r} in OPENPCN_ENGINE",
            fix=f"set OPENPCN_ENGINE to one of: {', '.join(ENGINES)}",
        )
    home = Path(env.get("OPENPCN_HOME") or ".openpcn")
    return Settings(
        home=home,
        engine=engine,
        allowed_hosts=names(env.get("OPENPCN_ALLOWED_HOSTS")) or LOOPBACK_HOSTS,
        trusted_proxies=names(env.get("OPENPCN_TRUSTED_PROXIES")),
        job_wait=number(env, "OPENPCN_JOB_WAIT", 1.0, 0.0, 60.0),
        job_workers=int(number(env, "OPENPCN_JOB_WORKERS", 2, 1, 64)),
        jobs_per_user=int(number(env, "OPENPCN_JOBS_PER_USER", 2, 1, 100)),
        cache_mb=int(number(env, "OPENPCN_CACHE_MB", 256, 16, 1_000_000)),
    )
