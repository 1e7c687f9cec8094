"""`openpcn quality ...`: CQC ratings and GP Patient Survey results for an ICS and its PCNs.

The lead registers it in cli.py: app.add_typer(quality_app, name="quality")
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
from openpcn.quality.ratings import RATING_KEYS

out = Console()

quality_app = typer.Typer(
    help="Quality and patient experience: CQC ratings and the GP Patient Survey.",
    no_args_is_help=True,
)


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


class ByChoice(StrEnum):
    practice = "practice"
    pcn = "pcn"


@quality_app.command("variation")
def variation_command(
    measure: str = typer.Argument(..., help="survey measure, e.g. overall_good"),
    ics: str = ICS_OPTION,
    date: str = DATE_OPTION,
    by: ByChoice = typer.Option(ByChoice.practice, "--by", help="compare practices or PCNs"),
    as_json: bool = JSON_OPTION,
    csv_file: Path | None = typer.Option(None, "--csv", help="write one row per unit to FILE"),
) -> None:
    """Each practice's (or PCN's) value, interval, funnel-plot limits and flag against the ICS."""
    from openpcn.quality.variation import variation, variation_csv
    from openpcn.store.warehouse import connect

    result = variation(connect(), ics, date, measure, by.value)  # type: ignore[arg-type]
    if csv_file is not None:
        csv_file.write_text(variation_csv(result), encoding="utf-8")
        out.print(f"wrote {len(result['units'])} rows to {csv_file}")
    if as_json:
        sys.stdout.write(json.dumps(result, indent=2, default=str) + "\n")
    elif csv_file is None:
        _print_variation(result)


def _print_variation(result: dict[str, Any]) -> None:
    ics = result["ics"]
    england = result["england_pct"]
    out.print(
        f"[bold]{result['label']}[/] (GPPS {result['year']}, {result['measure']}) by "
        f"{result['by']} for {ics['name']} ({ics['code']}) on {result['date']}"
    )
    out.print(
        f"ICS {_pct(result['target_pct'])} (weighted by {result['weighting']})"
        + (f", England {_pct(england)}" if england is not None else "")
        + f"; outside the limits: {len(result['flagged']['high'])} high, "
        f"{len(result['flagged']['low'])} low"
    )
    out.print(f"[dim]{result['method_note']}[/]")
    table = Table(show_edge=False)
    for column, justify in (
        ("code", "left"),
        ("name", "left"),
        ("value", "right"),
        ("95% CI", "right"),
        ("n" if result["method"] == "funnel" else "list size", "right"),
        ("95% limits", "right"),
        ("99.8% limits", "right"),
        ("flag", "left"),
    ):
        table.add_column(column, justify=justify, no_wrap=column != "name")  # type: ignore[arg-type]
    for u in result["units"]:
        size = u["responses"] if result["method"] == "funnel" else u["registered_patients"]
        ci = (
            f"{u['ci_lower_pct']:.1f}-{u['ci_upper_pct']:.1f}"
            if u["ci_lower_pct"] is not None
            else "-"
        )
        table.add_row(
            u["code"],
            u["name"],
            _pct(u["value_pct"]),
            ci,
            "-" if size is None else f"{size:,.0f}",
            _limits(u, "limit95"),
            _limits(u, "limit998"),
            _flag(u),
        )
    out.print(table)


def _limits(unit: dict[str, Any], key: str) -> str:
    lower, upper = unit[f"{key}_lower_pct"], unit[f"{key}_upper_pct"]
    return "-" if lower is None else f"{lower:.1f}-{upper:.1f}"


def _flag(unit: dict[str, Any]) -> str:
    if unit["flag"] is None:
        return "suppressed"
    if unit["flag"] == "within":
        return "within"
    colour = "red" if unit["flag"] == "low" else "green"
    return f"[{colour}]{unit['flag']} ({unit['flag_level']:.1%})[/]"


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
