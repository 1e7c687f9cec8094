"""The `openpcn` command. A surface only: it parses, calls a capability and prints.

User errors are printed as 'what / where / fix' on stderr with a non-zero exit code and no
traceback; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from openpcn.cli_cohorts import cohorts_app
from openpcn.cli_funding import funding_app
from openpcn.cli_options import DATE_OPTION, ICS_OPTION, JSON_OPTION
from openpcn.cli_quality import quality_app
from openpcn.cli_report import report_app
from openpcn.cli_web import serve_command, tokens_app, users_app
from openpcn.cli_workforce import workforce_app
from openpcn.config import DEFAULT_DATE, DEFAULT_ICS, DEFAULT_SEED, Settings, load_settings
from openpcn.exceptions import InputError, OpenPCNError, UserError

app = typer.Typer(
    name="openpcn",
    help="OpenPCN: Primary Care Networks for an ICS, from the real NHS files.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
orgs_app = typer.Typer(
    help="The ICS > PCN > practice hierarchy and its rules.", no_args_is_help=True
)
app.add_typer(orgs_app, name="orgs")
app.command("serve")(serve_command)
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
app.add_typer(quality_app, name="quality")
app.add_typer(funding_app, name="funding")
app.add_typer(workforce_app, name="workforce")
app.add_typer(cohorts_app, name="cohorts")
app.add_typer(report_app, name="report")

out = Console()
err = Console(stderr=True)


def print_json(payload: Any) -> None:
    """JSON on stdout, plain (no colour codes), dates as ISO strings."""
    sys.stdout.write(json.dumps(payload, indent=2, default=str) + "\n")


def _progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description:<22}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )


@app.command()
def init(
    scale: float = typer.Option(1.0, help="share of each practice's list to synthesise (0.01-1)"),
    seed: int = typer.Option(DEFAULT_SEED, help="seed of the synthetic population"),
    ics: str = typer.Option(DEFAULT_ICS, help="ICS (commissioner code) to synthesise"),
    force: bool = typer.Option(False, "--force", help="rebuild an existing warehouse"),
) -> None:
    """Build the embedded default warehouse: reference data plus a synthetic population."""
    from openpcn.build import build_default

    settings = load_settings()
    with _progress_bar() as bar:
        tasks: dict[str, TaskID] = {}

        def tell(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        result = build_default(
            settings, ics=ics, scale=scale, seed=seed, force=force, progress=tell
        )
    out.print(f"Warehouse built at {result.path}")
    table = Table(show_edge=False)
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, count in result.rows.items():
        table.add_row(name, f"{count:,}")
    out.print(table)
    _score_risk(settings)


def _score_risk(settings: Settings) -> None:
    """Train the risk model and score everyone on the extract date now, once, rather than on
    the first page or report that needs the anticipatory-care cohort (kept beside the
    warehouse; see openpcn.cohorts.admission_risk)."""
    from openpcn.cohorts.admission_risk import scored
    from openpcn.store.warehouse import connect

    with out.status(f"Training the emergency admission risk model for {DEFAULT_DATE}"):
        try:
            card = scored(connect(settings), DEFAULT_DATE).card
        except InputError as err:
            out.print(f"Risk model not trained yet: {err.message}", highlight=False)
            return
    auroc = card["metrics"]["auroc"]  # type: ignore[index]
    out.print(f"Risk model trained and everyone scored for {DEFAULT_DATE} (AUROC {auroc})")


@app.command("import")
def import_(
    kind: str = typer.Argument(..., help="What the file is: extract, patients, epraccur, ..."),
    file: Path = typer.Argument(..., help="The file (or, for an extract, the folder) to import."),
) -> None:
    """Import a published file or a patient-level extract: all of it lands, or nothing changes."""
    from openpcn.build import import_file

    result = import_file(kind, file, load_settings())
    out.print(f"Imported {result.kind} from {file.name}", highlight=False)
    table = Table()
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, rows in result.rows.items():
        table.add_row(name, f"{rows:,}")
    out.print(table)
    if result.note:
        out.print(result.note, highlight=False)


BAND_MIN = typer.Option(None, "--band-min", help="size band minimum (default from the rules file)")
BAND_MAX = typer.Option(None, "--band-max", help="size band maximum (default from the rules file)")


def _band(band_min: float | None, band_max: float | None) -> tuple[float, float] | None:
    if band_min is None and band_max is None:
        return None
    from openpcn.orgs import load_band

    default = load_band()
    return (
        default.min if band_min is None else band_min,
        default.max if band_max is None else band_max,
    )


def _n(value: object) -> str:
    """Whole patients for display; the fractions of the published lists stay in the JSON."""
    return "-" if value is None else f"{float(value):,.0f}"  # type: ignore[arg-type]


@orgs_app.command("summary")
def orgs_summary(
    ics: str = ICS_OPTION,
    date: str = DATE_OPTION,
    as_json: bool = JSON_OPTION,
    band_min: float | None = BAND_MIN,
    band_max: float | None = BAND_MAX,
) -> None:
    """Practices, PCNs, registered patients and how the PCNs sit against the size band."""
    from openpcn import orgs
    from openpcn.store.warehouse import connect

    con = connect()
    result = orgs.summary(con, ics, date, band=_band(band_min, band_max))
    if as_json:
        print_json(result)
        return
    rows = orgs.pcn_table(con, ics, date, band=_band(band_min, band_max))
    ics_info = result["ics"]
    low, high = result["band"]
    out.print(
        f"[bold]{ics_info['name']}[/] ({ics_info['code']}) on {result['date']}: "
        f"{result['practices']} practices in {result['pcns']} PCNs, "
        f"{_n(result['registered_patients'])} registered patients"
    )
    out.print(
        f"{result['pcns_in_band']} PCNs within {_n(low)}-{_n(high)}; "
        f"{result['pcns_below_band']} below, {result['pcns_above_band']} above"
    )
    table = Table(show_edge=False)
    for column, justify in [
        ("PCN", "left"),
        ("name", "left"),
        ("practices", "right"),
        ("registered", "right"),
        ("weighted", "right"),
        ("band", "left"),
    ]:
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for row in rows:
        status = "in band" if row["in_band"] else str(row.get("band_position", "outside"))
        if row.get("exception"):
            status += " (exception)"
        table.add_row(
            str(row["pcn_code"]),
            str(row["name"]),
            str(row["practices"]),
            _n(row["registered_patients"]),
            _n(row["weighted_patients"]),
            status,
        )
    out.print(table)


@orgs_app.command("check")
def orgs_check(
    ics: str = ICS_OPTION,
    date: str = DATE_OPTION,
    as_json: bool = JSON_OPTION,
    band_min: float | None = BAND_MIN,
    band_max: float | None = BAND_MAX,
) -> None:
    """Every formation rule, every breach, with the reason. Exits 0: breaches are findings."""
    from openpcn import orgs
    from openpcn.store.warehouse import connect

    report = orgs.check(connect(), ics, date, band=_band(band_min, band_max))
    if as_json:
        print_json(report.as_dict())
        return
    ics_info = report.ics
    out.print(f"[bold]Rules for {ics_info['name']} ({ics_info['code']}) on {report.date}[/]")
    for rule in report.rules:
        mark = "[green]PASS[/]" if rule.status == "pass" else "[red]FAIL[/]"
        out.print(f"\n{mark} [bold]{rule.title}[/]: {rule.summary}", highlight=False)
        for finding in rule.findings:
            out.print(
                f"  - {finding.code} {finding.name}: {finding.reason}",
                highlight=False,
                soft_wrap=True,
            )


@orgs_app.command("show")
def orgs_show(
    code: str = typer.Argument(..., help="a PCN code (U02749) or practice code (J81002)"),
    date: str = DATE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """One PCN (members, list sizes, location) or practice (its PCN over time, lists, place)."""
    from openpcn import orgs
    from openpcn.store.warehouse import connect

    result = orgs.show(connect(), code, date)
    if as_json:
        print_json(result)
        return
    if result["kind"] == "pcn":
        _print_pcn(result)
    else:
        _print_practice(result)


@orgs_app.command("groupings")
def orgs_groupings(
    kind: str = typer.Option("district", "--kind", help="which grouping (district, locality, ...)"),
    date: str = DATE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Custom groupings of practices (e.g. localities) and the PCNs each one overlaps."""
    from openpcn import orgs
    from openpcn.store.warehouse import connect

    groups = orgs.groupings(connect(), kind, date)
    if as_json:
        print_json(groups)
        return
    table = Table(title=f"{kind} groupings on {date}", show_edge=False)
    for column in ("code", "name", "practices", "registered", "PCNs"):
        table.add_column(
            column, justify="right" if column in ("practices", "registered") else "left"
        )
    for group in groups:
        pcns = ", ".join(f"{p['pcn_code']} ({p['practices']})" for p in group["pcns"])
        table.add_row(
            str(group["group_code"]), str(group["group_name"]), str(len(group["practices"])),
            _n(group["registered_patients"]), pcns or "-",
        )  # fmt: skip
    out.print(table)


def _print_pcn(pcn: dict[str, Any]) -> None:
    out.print(f"[bold]{pcn['name']}[/] ({pcn['code']}), {pcn['commissioner']['name']}")
    position = "within" if pcn["in_band"] else pcn["band_position"]
    out.print(
        f"{pcn['practices']} practices, {_n(pcn['registered_patients'])} registered "
        f"({_n(pcn['weighted_patients'])} weighted) on {pcn['date']}: {position} the band "
        f"{_n(pcn['band'][0])}-{_n(pcn['band'][1])}"
    )
    if pcn.get("centroid"):
        out.print(f"centre {pcn['centroid']['lat']:.4f}, {pcn['centroid']['lon']:.4f}")
    table = Table(show_edge=False)
    for column in ("practice", "name", "status", "registered", "postcode"):
        table.add_column(column, justify="right" if column == "registered" else "left")
    for m in pcn["members"]:
        table.add_row(
            m["practice_code"], str(m["name"]), str(m["status"]),
            _n(m["registered_patients"]), str(m["postcode"] or "-"),
        )  # fmt: skip
    out.print(table)


def _print_practice(practice: dict[str, Any]) -> None:
    out.print(f"[bold]{practice['name']}[/] ({practice['code']}), {practice['status']}")
    pcn = practice.get("pcn")
    member = f"{pcn['name']} ({pcn['code']}) since {pcn['since']}" if pcn else "no PCN"
    out.print(f"PCN on {practice['date']}: {member}")
    out.print(f"commissioner: {practice['commissioner']['name']}")
    place = practice.get("location") or {}
    if place.get("lat") is not None:
        out.print(f"location: {place['postcode']} ({place['lat']:.4f}, {place['lon']:.4f})")
    cqc = practice.get("cqc")
    facts = [
        ("IMD 2019 score", practice.get("imd2019_score")),
        ("rurality", practice.get("rurality")),
        ("dispensing", practice.get("dispensing")),
        ("CQC rating", f"{cqc['rating']} (published {cqc['year']})" if cqc else None),
    ]
    for label, value in facts:
        out.print(f"{label}: {'-' if value is None else value}")
    table = Table(title="list sizes", show_edge=False)
    for column in ("as of", "source", "registered", "weighted"):
        table.add_column(
            column, justify="right" if column in ("registered", "weighted") else "left"
        )
    for row in practice.get("lists", []):
        table.add_row(
            str(row["as_of"]), str(row["source"]),
            _n(row["registered_patients"]), _n(row["weighted_patients"]),
        )  # fmt: skip
    out.print(table)


def main() -> None:
    """Entry point: run the app, turning user errors into a clear message and an exit code."""
    try:
        app(standalone_mode=False)
    except UserError as exc:
        err.print(f"[bold red]error:[/] {exc.message}", highlight=False, markup=True)
        sys.exit(exc.exit_code)
    except OpenPCNError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False)
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        err.print("aborted")
        sys.exit(1)
    except Exception as exc:  # click usage errors arrive here in non-standalone mode
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise
