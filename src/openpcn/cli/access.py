"""`openpcn access ...`: Appointments in General Practice for an ICS, published and recorded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from openpcn.cli.options import ICS_OPTION, JSON_OPTION, csv_option
from openpcn.cli.output import emit, out, percent, table, whole
from openpcn.cli.stores import warehouse
from openpcn.exceptions import InputError

access_app = typer.Typer(
    help="Access: appointments in general practice, as published and as recorded.",
    no_args_is_help=True,
)


def _month(value: str | None) -> str | None:
    """A month option's check before any work: a usage error (exit 2) unless YYYY-MM."""
    from openpcn.access.months import checked_month

    if value is None:
        return None
    try:
        checked_month(value, "")
    except InputError as exc:
        raise typer.BadParameter(f"{exc.what}: {exc.fix}") from None
    return value


FROM_OPTION = typer.Option(
    None, "--from", help="first month, YYYY-MM (default: the first loaded)", callback=_month
)
TO_OPTION = typer.Option(
    None, "--to", help="last month, YYYY-MM (default: the last loaded)", callback=_month
)


@access_app.command("summary")
def access_summary(
    ics: str = ICS_OPTION,
    start: str | None = FROM_OPTION,
    end: str | None = TO_OPTION,
    as_json: bool = JSON_OPTION,
    csv_file: Path | None = csv_option("one row per month, published then recorded"),
) -> None:
    """Appointments per 1,000 patients by month, mode, staff type and lead time, and the DNA
    rate: the published figures beside those recorded in the patient records."""
    from openpcn.access.months import checked_range
    from openpcn.access.summary import access_summary as summary
    from openpcn.access.table import access_csv

    try:
        first, last = checked_range(start, end)
    except InputError as exc:
        raise typer.BadParameter(f"{exc.what}: {exc.fix}", param_hint="'--from'") from None
    result = summary(warehouse(), ics, first, last)
    rows = len(result["published"]) + len(result["recorded"])
    emit(result, as_json=as_json, draw=_print, csv_file=csv_file, csv=access_csv, rows=rows)


_MODES = ("face_to_face", "telephone", "home_visit", "video_online", "unknown")
_HEAD = ("F2F", "phone", "home", "video/online", "unknown")


def _months(title: str, months: list[dict[str, Any]], *, level: bool) -> None:
    columns = ["month", *(["level"] if level else []), "appointments", "per 1,000"]
    columns += [*_HEAD, "GP", "same day", "DNA rate"]
    drawn = table(columns, right=columns[2 if level else 1 :], title=title)
    for m in months:
        shares = m["modes_share_pct"]
        lead = m["lead_times_share_pct"]
        drawn.add_row(
            m["month"],
            *([m["level"]] if level else []),
            whole(m["appointments"]),
            "-" if m["per_1000"] is None else f"{m['per_1000']:.1f}",
            *(percent(shares[k]) for k in _MODES),
            percent(m["staff_share_pct"]["gp"]),
            percent(lead["same_day"]) if lead else "-",
            percent(m["dna_rate_pct"]),
        )
    out.print(drawn)


def _print(result: dict[str, Any]) -> None:
    ics = result["ics"]
    out.print(
        f"[bold]Appointments in general practice[/] for {ics['name']} ({ics['code']}), "
        f"{result['from']} to {result['to']} (published at {', '.join(result['levels'])} level)"
    )
    out.print(f"[dim]per 1,000: {result['denominator']}[/]")
    out.print(f"[dim]{result['dna_rule']}; shares are of all appointments[/]")
    _months("Published (NHS Digital)", result["published"], level=True)
    if result["recorded"]:
        _months("Recorded in the patient records", result["recorded"], level=False)
        out.print(f"[dim]recorded per 1,000: {result['recorded_denominator']}[/]")
        out.print(f"[dim]recorded: {result['recorded_note']}[/]")
    else:
        out.print("no appointments recorded in the patient records in these months")
    for note in result["notes"]:
        out.print(f"[yellow]{note}[/]")
