"""`openpcn quality ...`: CQC ratings and GP Patient Survey results for an ICS and its PCNs."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from openpcn.cli.options import DATE_OPTION, ICS_OPTION, JSON_OPTION, csv_option
from openpcn.cli.output import emit, out, percent, table
from openpcn.cli.stores import warehouse
from openpcn.quality.ratings import RATING_KEYS

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


@quality_app.command("summary")
def quality_summary(
    ics: str = ICS_OPTION,
    date: str = DATE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """CQC ratings in force on the date and GPPS headline measures for the ICS and each PCN."""
    from openpcn.quality.summary import quality_summary as summary

    emit(summary(warehouse(), ics, date), as_json=as_json, draw=_print_summary)


class By(StrEnum):
    """What `quality variation` compares."""

    practice = "practice"
    pcn = "pcn"


@quality_app.command("variation")
def quality_variation(
    measure: str = typer.Argument(..., help="survey measure, e.g. overall_good"),
    ics: str = ICS_OPTION,
    date: str = DATE_OPTION,
    by: By = typer.Option(By.practice, "--by", help="compare practices or PCNs"),
    as_json: bool = JSON_OPTION,
    csv_file: Path | None = csv_option("one row per unit"),
) -> None:
    """Each practice's (or PCN's) value, interval, funnel-plot limits and flag against the ICS."""
    from openpcn.quality.variation import variation, variation_csv

    result = variation(warehouse(), ics, date, measure, by.value)  # type: ignore[arg-type]
    emit(
        result,
        as_json=as_json,
        draw=_print_variation,
        csv_file=csv_file,
        csv=variation_csv,
        rows=len(result["units"]),
    )


def _print_variation(result: dict[str, Any]) -> None:
    ics = result["ics"]
    england = result["england_pct"]
    out.print(
        f"[bold]{result['label']}[/] (GPPS {result['year']}, {result['measure']}) by "
        f"{result['by']} for {ics['name']} ({ics['code']}) on {result['date']}"
    )
    out.print(
        f"ICS {percent(result['target_pct'])} (weighted by {result['weighting']})"
        + (f", England {percent(england)}" if england is not None else "")
        + f"; outside the limits: {len(result['flagged']['high'])} high, "
        f"{len(result['flagged']['low'])} low"
    )
    out.print(f"[dim]{result['method_note']}[/]")
    size = "n" if result["method"] == "funnel" else "list size"
    columns = ("code", "name", "value", "95% CI", size, "95% limits", "99.8% limits", "flag")
    units = table(
        columns,
        right=("value", "95% CI", size, "95% limits", "99.8% limits"),
        no_wrap=[c for c in columns if c != "name"],
    )
    for u in result["units"]:
        count = u["responses"] if result["method"] == "funnel" else u["registered_patients"]
        ci = (
            f"{u['ci_lower_pct']:.1f}-{u['ci_upper_pct']:.1f}"
            if u["ci_lower_pct"] is not None
            else "-"
        )
        units.add_row(
            u["code"],
            u["name"],
            percent(u["value_pct"]),
            ci,
            "-" if count is None else f"{count:,.0f}",
            _limits(u, "limit95"),
            _limits(u, "limit998"),
            _flag(u),
        )
    out.print(units)


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


def _print_summary(result: dict[str, Any]) -> None:
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
            f"GPPS {m['year']} {measure}: ICS {percent(m['value_pct'])} "
            f"(weighted by {m['weighting']}), England {percent(m.get('england_pct'))}, "
            f"{m['practices']} practices, range {percent(m['min_pct'])} to {percent(m['max_pct'])}"
        )
    figures = ["practices", *(_LABELS[k] for k in RATING_KEYS), *measures]
    pcns = table(("PCN", "name", *figures), right=figures, no_wrap=("PCN",))
    for pcn in result["pcns"]:
        gpps = pcn["gpps"]
        pcns.add_row(
            pcn["pcn_code"],
            pcn["name"],
            str(pcn["cqc"]["practices"]),
            *(str(pcn["cqc"][k]) for k in RATING_KEYS),
            *(percent(gpps[m]["value_pct"]) if m in gpps else "-" for m in measures),
        )
    out.print(pcns)
