"""`openpcn cohorts ...`: the service-specification cohorts, their worklists and counts.

The lead registers it in cli.py: app.add_typer(cohorts_app, name="cohorts")
Worklists print patient rows to the terminal or a CSV file only: nothing here logs them.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from openpcn.cli_options import DATE_OPTION, ICS_OPTION, JSON_OPTION

out = Console()
err = Console(stderr=True)  # progress goes to stderr, so --json output stays clean

cohorts_app = typer.Typer(
    help="Case-finding cohorts for the seven national service specifications.",
    no_args_is_help=True,
)


class EngineChoice(StrEnum):
    duckdb = "duckdb"
    spark = "spark"


ENGINE_OPTION = typer.Option(
    None, "--engine", help="query engine (default: OPENPCN_ENGINE, else duckdb)"
)


def _connect(engine: EngineChoice | None):
    from openpcn.store.warehouse import connect

    if engine is None:
        return connect()
    return connect(engine="pyspark" if engine == EngineChoice.spark else "duckdb")


@cohorts_app.command("list")
def list_command(as_json: bool = JSON_OPTION) -> None:
    """Every cohort: its spec, title and criteria in words."""
    from openpcn.cohorts.definitions import SPECS, load_definitions

    definitions = [d.as_dict() for d in load_definitions().values()]
    if as_json:
        sys.stdout.write(json.dumps(definitions, indent=2) + "\n")
        return
    table = Table(show_edge=False, show_lines=True)
    table.add_column("spec", no_wrap=True)
    table.add_column("cohort", no_wrap=True)
    table.add_column("criteria")
    for d in definitions:
        table.add_row(SPECS[d["spec"]], f"{d['id']}\n[dim]{d['title']}[/]", d["criteria"])
    out.print(table)


@cohorts_app.command("run")
def run_command(
    spec: str = typer.Argument(..., help="a spec (e.g. smr, cvd) or one cohort id"),
    pcn: str | None = typer.Option(None, "--pcn", help="only this PCN's patients"),
    practice: str | None = typer.Option(None, "--practice", help="only this practice's patients"),
    date: str = DATE_OPTION,
    as_json: bool = JSON_OPTION,
    csv_file: Path | None = typer.Option(None, "--csv", help="write the worklist to FILE"),
    engine: EngineChoice | None = ENGINE_OPTION,
) -> None:
    """The worklist: each patient in the cohort(s) with the reason they are on it."""
    from openpcn.cohorts.engine import COLUMNS, run
    from openpcn.exceptions import InputError
    from openpcn.exports import csv_text

    if pcn and practice:
        raise InputError("give --pcn or --practice, not both", fix="drop one of them")
    with err.status("finding the cohort's patients..."):
        frame = run(_connect(engine), spec, date, pcn=pcn, practice=practice)
    rows = frame.to_dict("records")
    _audit(spec, pcn or practice, len(rows), "export" if csv_file is not None else "view")
    if csv_file is not None:
        csv_file.write_text(csv_text(rows, COLUMNS), encoding="utf-8")
        out.print(f"wrote {len(rows)} rows to {csv_file}")
    if as_json:
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
    elif csv_file is None:
        table = Table(show_edge=False)
        for column in COLUMNS:
            table.add_column(column, no_wrap=column != "reason")
        for row in rows:
            table.add_row(*(row[c] for c in COLUMNS))
        out.print(table)
        out.print(f"{len(rows)} rows")


def _audit(spec: str, scope: str | None, rows: int, action: str) -> None:
    """A worklist is a patient-level view: one audit row in the app database, as the web writes."""
    import getpass

    from openpcn.config import load_settings
    from openpcn.store import appdb

    db = appdb.open_appdb(appdb.appdb_url(load_settings()))
    try:
        with db.session() as session:
            session.add(
                appdb.AuditLog(
                    username=f"cli:{getpass.getuser()}"[:64],
                    route="openpcn cohorts run",
                    scope=f"{scope or 'all'}:{spec}"[:255],
                    rows=rows,
                    action=action,
                )
            )
    finally:
        db.dispose()


@cohorts_app.command("summary")
def summary_command(
    ics: str = ICS_OPTION,
    date: str = DATE_OPTION,
    as_json: bool = JSON_OPTION,
    engine: EngineChoice | None = ENGINE_OPTION,
) -> None:
    """Counts per spec, cohort and PCN, disclosure-controlled (1-7 redacted, rest to nearest 5)."""
    from openpcn.cohorts.summary import disclosed, summary

    with err.status("counting every cohort (the risk model takes longest)..."):
        result = disclosed(summary(_connect(engine), ics, date))
    if as_json:
        sys.stdout.write(json.dumps(result, indent=2) + "\n")
        return
    _print(result)


def _cell(value: Any) -> str:
    from openpcn.cohorts.disclosure import label

    return label(value)


def _print(result: dict[str, Any]) -> None:
    from openpcn.cohorts.definitions import SPECS

    out.print("[dim]Counts of 1-7 are redacted and the rest rounded to the nearest 5.[/]")
    for spec, title in SPECS.items():
        per_pcn = result[spec]
        cohorts = sorted({c for counts in per_pcn.values() for c in counts})
        table = Table(title=title, show_edge=False)
        table.add_column("PCN", no_wrap=True)
        for cohort in cohorts:
            table.add_column(cohort, justify="right")
        not_counted = result.get("not_counted", {})
        for pcn, counts in per_pcn.items():
            cells = ("not counted" if c in not_counted else _cell(counts.get(c)) for c in cohorts)
            table.add_row(pcn, *cells)
        out.print(table)
    for cohort, reason in result.get("not_counted", {}).items():
        out.print(f"{cohort} not counted: {reason}", highlight=False)
    efi = result.get("efi", {})
    if efi:
        table = Table(title="eFI (people aged 65+)", show_edge=False)
        table.add_column("PCN", no_wrap=True)
        for category in ("fit", "mild", "moderate", "severe"):
            table.add_column(category, justify="right")
        for pcn, counts in efi.items():
            table.add_row(
                pcn, *(_cell(counts.get(c)) for c in ("fit", "mild", "moderate", "severe"))
            )
        out.print(table)
