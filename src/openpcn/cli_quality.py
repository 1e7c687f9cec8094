"""`openpcn quality ...`: CQC ratings and GP Patient Survey results for an ICS and its PCNs.

The lead registers it in cli.py: app.add_typer(quality_app, name="quality")
"""

from __future__ import annotations

import json
import sys
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from openpcn.cli_options import DATE_OPTION, ICS_OPTION, JSON_OPTION
from openpcn.quality.ratings import RATING_KEYS

out = Console()

quality_app = typer.Typer(
    help="Quality and patient experience: CQC ratings and the GP Patient Survey.",
    no_args_is_help=True,
)


@quality_app.callback()
def _group() -> None:
    """Keep `quality` a group of commands even while `summary` is its only one."""


_LABELS = {
    "outstanding": "outstanding",
    "good": "good",
    "requires_improvement": "req. impr.",
    "inadequate": "inadequate",
    "not_rated": "not rated",
}


def _pct(value: object) -> str:
    return "-" if value is None else f"{float(value):.1f}%"  # type: ignore[arg-type]


@quality_app.command("summary")
def summary_command(
    ics: str = ICS_OPTION,
    date: str = DATE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """CQC ratings in force on the date and GPPS headline measures for the ICS and each PCN."""
    from openpcn.quality.summary import quality_summary
    from openpcn.store.warehouse import connect

    result = quality_summary(connect(), ics, date)
    if as_json:
        sys.stdout.write(json.dumps(result, indent=2, default=str) + "\n")
        return
    _print(result)


def _print(result: dict[str, Any]) -> None:
    ics, cqc = result["ics"], result["cqc"]
    out.print(
        f"[bold]{ics['name']}[/] ({ics['code']}) on {result['date']}: "
        f"{cqc['practices']} practices in {len(result['pcns'])} PCNs"
    )
    if cqc.get("note"):
        out.print(f"[yellow]{cqc['note']}[/]")
    out.print(
        "CQC ratings in force: "
        + ", ".join(f"{_LABELS[k]} {cqc[k]}" for k in RATING_KEYS)
        + f" ({len(cqc['uncertain'])} uncertain, {len(cqc['rated_later'])} rated only later)"
    )
    out.print(f"[dim]{cqc['caveat']}[/]")
    measures = sorted(result["gpps"])
    for measure in measures:
        m = result["gpps"][measure]
        out.print(
            f"GPPS {m['year']} {measure}: ICS {_pct(m['value_pct'])} "
            f"(weighted by {m['weighting']}), England {_pct(m.get('england_pct'))}, "
            f"{m['practices']} practices, range {_pct(m['min_pct'])} to {_pct(m['max_pct'])}"
        )
    table = Table(show_edge=False)
    table.add_column("PCN", no_wrap=True)
    table.add_column("name")
    table.add_column("practices", justify="right")
    for key in RATING_KEYS:
        table.add_column(_LABELS[key], justify="right")
    for measure in measures:
        table.add_column(measure, justify="right")
    for pcn in result["pcns"]:
        gpps = pcn["gpps"]
        table.add_row(
            pcn["pcn_code"],
            pcn["name"],
            str(pcn["cqc"]["practices"]),
            *(str(pcn["cqc"][k]) for k in RATING_KEYS),
            *(_pct(gpps[m]["value_pct"]) if m in gpps else "-" for m in measures),
        )
    out.print(table)
