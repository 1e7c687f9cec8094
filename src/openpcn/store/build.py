"""`openpcn init`: build the embedded default warehouse from the shipped reference data.

The organisation tables come from src/openpcn/data/reference/; the patient-level tables from the
synthetic population of the chosen ICS. The build writes a temporary file and swaps it in, so an
interrupted build never leaves a half-built warehouse behind.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass

import ibis
import pandas as pd

from openpcn import orgs, synth
from openpcn.config import DEFAULT_DATE, DEFAULT_ICS, DEFAULT_SEED, Settings
from openpcn.exceptions import UserError
from openpcn.store.reference import reference_tables
from openpcn.store.warehouse import build_into, write_tables
from openpcn.synth.build import check_scale

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass(frozen=True)
class BuildResult:
    path: str
    ics: str
    scale: float
    seed: int
    rows: dict[str, int]


def synth_inputs(con: ibis.BaseBackend, ics: str, date: str) -> pd.DataFrame:
    """The ICS's member practices on the date, with what the synthetic population is fitted to."""
    members = orgs.ics_view(con, ics, date).members.drop_duplicates("practice_code")
    columns = ["practice_code", "pcn_code", "registered_patients", "rurality", "imd2019_score"]
    return members[[*columns, "lat", "lon"]].sort_values("practice_code").reset_index(drop=True)


def build_default(
    settings: Settings,
    *,
    ics: str = DEFAULT_ICS,
    date: str = DEFAULT_DATE,
    scale: float = 1.0,
    seed: int = DEFAULT_SEED,
    force: bool = False,
    progress: Progress | None = None,
) -> BuildResult:
    """Build (or with `force`, rebuild) the warehouse at `settings.warehouse_path`."""
    target = settings.warehouse_path
    if target.exists() and not force:
        raise UserError(
            f"a warehouse already exists at {target}",
            fix="use `openpcn init --force` to rebuild it (imported data will be lost)",
        )
    scale = check_scale(scale)
    tell = progress or (lambda stage, done, total: None)
    with build_into(target) as tmp:
        tables = reference_tables()
        tell("reference data", 0, 1)
        write_tables(tmp, tables)
        tell("reference data", 1, 1)
        con = ibis.duckdb.connect(str(tmp), read_only=True)
        try:
            inputs = synth_inputs(con, ics, date)
        finally:
            con.disconnect()
        if inputs.empty:
            raise UserError(f"no practices in ICS {ics} on {date}", fix="check the --ics code")
        rows = {name: len(frame) for name, frame in tables.items()}
        rows |= synth.build(
            tmp,
            inputs,
            scale=scale,
            seed=seed,
            progress=lambda done, total: tell("synthetic population", done, total),
        )
    shutil.rmtree(settings.parquet_dir, ignore_errors=True)  # the Spark snapshot is now stale
    return BuildResult(path=str(target), ics=ics, scale=scale, seed=seed, rows=rows)
