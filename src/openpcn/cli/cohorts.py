"""`openpcn cohorts ...`: the service-specification cohorts, their worklists and counts.

Worklists print patient rows to the terminal or a CSV file only: nothing here logs them.
"""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Any

import typer

from openpcn.cli.options import (
    DATE_OPTION,
    ENGINE_OPTION,
    ICS_OPTION,
    INDICATOR_YEAR_OPTION,
    JSON_OPTION,
    Engine,
    csv_option,
)
from openpcn.cli.output import emit, err, out, table, watching
from openpcn.cli.stores import app_db, warehouse
from openpcn.cohorts.definitions import SPECS, indicator_year, load_definitions
from openpcn.cohorts.disclosure import label
from openpcn.cohorts.summary import fit_bands_of
from openpcn.exceptions import InputError
from openpcn.orgs.dates import as_date
from openpcn.store import appdb

cohorts_app = typer.Typer(
    help="Case-finding cohorts for the seven national service specifications.",
    no_args_is_help=True,
)


@cohorts_app.command("list")
def cohorts_list(
    year: str | None = INDICATOR_YEAR_OPTION,
    date: str = DATE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Every cohort in force in the year: its spec, title, indicator and criteria in words."""
    chosen = indicator_year(as_date(date), year)
    if chosen.note:
        err.print(f"[dim]{chosen.note}[/]", highlight=False)
    definitions = [d.as_dict() for d in load_definitions(year=chosen.year).values()]
    emit(definitions, as_json=as_json, draw=_print_definitions)


def _print_definitions(definitions: list[dict[str, Any]]) -> None:
    drawn = table(("spec", "cohort", "criteria"), no_wrap=("spec", "cohort"))
    drawn.show_lines = True
    for d in definitions:
        criteria = d["criteria"]
        if d["unverified_codelists"]:
            lists = ", ".join(d["unverified_codelists"])
            criteria += f"\n[yellow]unverified codelists:[/] {lists} (openpcn codelists show NAME)"
        if d["local"]:
            criteria += f"\n[yellow]local definition:[/] {d['local']}"
        name = f"{d['id']}\n[dim]{d['title']}[/]"
        if d["indicator"]:
            name += f"\n[dim]{d['indicator']}[/]"
        drawn.add_row(SPECS[d["spec"]], name, criteria)
    out.print(drawn)


@cohorts_app.command("run")
def cohorts_run(
    spec: str = typer.Argument(..., help="a spec (e.g. smr, cvd) or one cohort id"),
    pcn: str | None = typer.Option(None, "--pcn", help="only this PCN's patients"),
    practice: str | None = typer.Option(None, "--practice", help="only this practice's patients"),
    date: str = DATE_OPTION,
    year: str | None = INDICATOR_YEAR_OPTION,
    as_json: bool = JSON_OPTION,
    csv_file: Path | None = csv_option("the worklist"),
    engine: Engine | None = ENGINE_OPTION,
) -> None:
    """The worklist: each patient in the cohort(s) with the reason they are on it."""
    from openpcn.cohorts.engine import COLUMNS, run
    from openpcn.exports import csv_text

    if pcn and practice:
        raise InputError("give --pcn or --practice, not both", fix="drop one of them")
    with watching("Finding the cohort's patients"):
        frame = run(warehouse(engine), spec, date, pcn=pcn, practice=practice, year=year)
    rows = frame.to_dict("records")
    _audit(spec, pcn or practice, len(rows), "export" if csv_file is not None else "view")
    emit(
        rows,
        as_json=as_json,
        draw=_print_worklist,
        csv_file=csv_file,
        csv=lambda rows: csv_text(rows, COLUMNS),
        rows=len(rows),
    )


def _print_worklist(rows: list[dict[str, Any]]) -> None:
    from openpcn.cohorts.engine import COLUMNS

    worklist = table(COLUMNS, no_wrap=[c for c in COLUMNS if c != "reason"])
    for row in rows:
        worklist.add_row(*(row[c] for c in COLUMNS))
    out.print(worklist)
    out.print(f"{len(rows)} rows")


def _audit(spec: str, scope: str | None, rows: int, action: str) -> None:
    """A worklist is a patient-level view: one audit row in the app database, as the web writes."""
    with app_db() as db, db.session() as session:
        session.add(
            appdb.AuditLog(
                username=f"cli:{getpass.getuser()}"[:64],
                route="openpcn cohorts run",
                scope=f"{scope or 'all'}:{spec}"[:255],
                rows=rows,
                action=action,
            )
        )


@cohorts_app.command("summary")
def cohorts_summary(
    ics: str = ICS_OPTION,
    date: str = DATE_OPTION,
    year: str | None = INDICATOR_YEAR_OPTION,
    as_json: bool = JSON_OPTION,
    engine: Engine | None = ENGINE_OPTION,
) -> None:
    """Counts per spec, cohort and PCN, disclosure-controlled (1-7 redacted, rest to nearest 5),
    with each indicator as the year defines it."""
    from openpcn.cohorts.summary import disclosed, summary

    with watching("Counting every cohort"):
        result = disclosed(summary(warehouse(engine), ics, date, year))
    emit(result, as_json=as_json, draw=_print_summary)


def _print_summary(result: dict[str, Any]) -> None:
    out.print("[dim]Counts of 1-7 are redacted and the rest rounded to the nearest 5.[/]")
    note = f" ({result['year_note']})" if result.get("year_note") else ""
    out.print(f"Definitions of {result['year']}{note}.", highlight=False)
    not_counted = result.get("not_counted", {})
    for spec, title in SPECS.items():
        per_pcn = result[spec]
        cohorts = sorted({c for counts in per_pcn.values() for c in counts})
        _print_counts(title, per_pcn, cohorts, not_counted)
    for cohort, reason in not_counted.items():
        out.print(f"{cohort} not counted: {reason}", highlight=False)
    efi = result.get("efi", {})
    if efi:
        _print_counts("eFI (people aged 65+)", efi, ["fit", "mild", "moderate", "severe"], {})
    _print_indicators(result["indicators"])


def _print_indicators(indicators: dict[str, Any]) -> None:
    """The FIT indicator (share, status) and CVD-02 (share) per PCN."""
    fit, cvd = indicators["can01_fit_share"], indicators["cvd02_hypertension_register"]
    code = fit["indicator"]
    bands = fit_bands_of(fit)
    columns = (f"{code} %", f"{code} status", "CVD-02 %")
    drawn = table(("PCN", *columns), right=columns, no_wrap=("PCN",), title="Indicators")
    for pcn, share in fit["pcns"].items():
        register = cvd["pcns"][pcn]
        drawn.add_row(pcn, _pct(share["pct"]), bands.label(share["status"]), _pct(register["pct"]))
    out.print(drawn)
    unconfirmed = "" if fit["thresholds"]["confirmed"] else " Its thresholds are UNCONFIRMED."
    out.print(
        f"[dim]{code}: share of {fit['about']}.{unconfirmed} CVD-02: {cvd['about']}.[/]",
        highlight=False,
    )


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _print_counts(
    title: str,
    per_pcn: dict[str, dict[str, Any]],
    columns: list[str],
    not_counted: dict[str, str],
) -> None:
    """One row per PCN of disclosure-controlled counts, one column per cohort or category."""
    counts_table = table(("PCN", *columns), right=columns, no_wrap=("PCN",), title=title)
    for pcn, counts in per_pcn.items():
        cells = ("not counted" if c in not_counted else label(counts.get(c)) for c in columns)
        counts_table.add_row(pcn, *cells)
    out.print(counts_table)
