"""What fills the warehouse: `openpcn init` (the default warehouse) and `openpcn import KIND FILE`.

The one place above store, sources and synth, so none of them imports another's work.
`build_default` writes the shipped reference data (src/openpcn/data/reference/) and the synthetic
population of the chosen ICS into a temporary file and swaps it in, so an interrupted build never
leaves a half-built warehouse behind. `import_file` runs the reader registered for a KIND and
hands its tables to the store's all-or-nothing importer.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib
import io
import json
import os
import pkgutil
import re
import shutil
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import ibis
import pandas as pd

from openpcn import orgs, sources, synth
from openpcn.config import DEFAULT_DATE, DEFAULT_ICS, DEFAULT_SEED, Settings, load_settings
from openpcn.exceptions import InputError, NotFoundError, UserError
from openpcn.sources import LOADERS, OPTIONS, Loader, call_loader
from openpcn.store.importer import import_loaded
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


# -- openpcn import KIND FILE -----------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    """What an import did: rows taken from the file per warehouse table."""

    kind: str
    file: str
    rows: dict[str, int]
    note: str = ""


def available_loaders() -> dict[str, Loader]:
    """Every registered loader, importing each `openpcn.sources` module so it can register."""
    for module in pkgutil.iter_modules(sources.__path__):
        importlib.import_module(f"{sources.__name__}.{module.name}")
    return dict(sorted(LOADERS.items()))


@dataclass(frozen=True)
class ImportOptions:
    """Options of `openpcn import`, parsed at the surface; None = not given. Only the kinds that
    register an option (`openpcn.sources.OPTIONS`) accept it."""

    year: str | None = None  # a QOF or financial year, YYYY/YY
    organisations: Path | None = None  # qof-prevalence: the QOF organisation reference
    indicators: Path | None = None  # qof-prevalence: the QOF indicator mappings

    def given(self) -> dict[str, object]:
        return {k: v for k, v in vars(self).items() if v is not None}


def import_file(
    kind: str,
    path: Path,
    settings: Settings | None = None,
    options: ImportOptions | None = None,
) -> ImportResult:
    """Load `path` as `kind` into the warehouse, all or nothing."""
    settings = settings or load_settings()
    loaders = available_loaders()
    if kind not in loaders:
        raise NotFoundError(
            f"unknown import kind {kind!r}",
            fix=f"use one of: {', '.join(loaders)}",
        )
    given = (options or ImportOptions()).given()
    refused = [name for name in given if name not in OPTIONS.get(kind, ())]
    if refused:
        takes = [k for k, names in OPTIONS.items() if refused[0] in names]
        raise UserError(
            f"--{refused[0]} is not an option of `openpcn import {kind}`",
            column=f"--{refused[0]}",
            fix=f"leave it out; it is for {', '.join(sorted(takes)) or 'no kind'}",
        )
    path = Path(path)
    if not path.exists():
        raise NotFoundError("file not found", file=str(path), fix="check the path")
    for name, value in given.items():
        if isinstance(value, Path) and not value.exists():
            raise NotFoundError("file not found", file=str(value), fix=f"check the --{name} path")
    loaded = call_loader(kind, path, given)
    rows = import_loaded(loaded, settings, file=path.name)
    return ImportResult(kind=kind, file=str(path), rows=rows, note=loaded.note)


def import_codelist(
    path: Path, name: str, system: str | None = None, settings: Settings | None = None
) -> ImportResult:
    """An OpenCodelists download as the ICS's own codelist `name` (OPENPCN_HOME/codelists),
    replacing the shipped list of that name wherever a cohort searches it. Read and checked
    whole first; then the CSV and the registry entry are each written beside their place and
    moved in, so a refused file changes nothing."""
    from openpcn.cohorts.codelists import IMPORTED, LOCAL_FOLDER
    from openpcn.sources.opencodelists import read_opencodelists

    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,79}", name):
        raise InputError(
            f"{name!r} cannot name a codelist",
            column="--name",
            fix="use lower-case letters, digits and hyphens, e.g. openpcn-care-plan to replace "
            "that list (`openpcn codelists list` shows the names)",
        )
    settings = settings or load_settings()
    downloaded = read_opencodelists(Path(path), system)
    folder = settings.home / LOCAL_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    registry = folder / IMPORTED
    entries = tomllib.loads(registry.read_text("utf-8")) if registry.exists() else {}
    entries[name] = {
        "file": f"{name}.csv",
        "system": downloaded.system,
        "title": name.removeprefix("openpcn-").replace("-", " "),
        "source": f"imported from {Path(path).name} (an OpenCodelists download) on "
        f"{dt.date.today().isoformat()}",
        "verified": "each code's form only (SNOMED CT and dm+d check digits, BNF codes): "
        "the list's content is the importing ICS's",
        "status": "unverified",
    }
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["code", "term"])
    writer.writerows(downloaded.codes)
    staged = {folder / f"{name}.csv": text.getvalue(), registry: _toml(entries)}
    for target, content in staged.items():
        target.with_name(f".{target.name}.tmp").write_text(content, "utf-8")
    for target in staged:
        os.replace(target.with_name(f".{target.name}.tmp"), target)
    return ImportResult(kind="codelist", file=str(path), rows={name: len(downloaded.codes)})


def _toml(entries: dict[str, dict[str, str]]) -> str:
    """The imported registry as TOML: one [name] table of string values per list."""
    lines = ["# The codelists this ICS imported (`openpcn import codelist`): each replaces the",
             "# shipped list of the same name.", ""]  # fmt: skip
    for name, values in sorted(entries.items()):
        lines.append(f"[{name}]")
        lines += [f"{key} = {json.dumps(str(value))}" for key, value in values.items()]
        lines.append("")
    return "\n".join(lines)
