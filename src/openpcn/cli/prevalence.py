"""`openpcn prevalence ...`: QOF's published prevalence, the registers recorded in the records,
and the comparison of the two, for an ICS."""

from __future__ import annotations

from typing import Any

import typer

from openpcn.cli.options import DATE_OPTION, ICS_OPTION, JSON_OPTION
from openpcn.cli.output import emit, out, percent, table, whole
from openpcn.cli.stores import warehouse
from openpcn.exceptions import InputError

SHOWN_FLAGS = 40  # flagged rows the table prints; --json has them all

prevalence_app = typer.Typer(
    help="Disease prevalence: QOF's published registers and those recorded in the records.",
    no_args_is_help=True,
)


def qof_year(value: str) -> str:
    """`--year`'s check: a usage error (exit 2) unless it reads as a QOF year, e.g. 2018/19."""
    from openpcn.prevalence.groups import parse_year

    try:
        return parse_year(value)
    except InputError as exc:
        raise typer.BadParameter(f"{exc.what}: {exc.fix}") from None


YEAR_OPTION = typer.Option(
    "2018/19",
    "--year",
    help="QOF year (registers at its 31 March), e.g. 2018/19",
    callback=qof_year,
)


@prevalence_app.command("summary")
def prevalence_summary(
    ics: str = ICS_OPTION, year: str = YEAR_OPTION, as_json: bool = JSON_OPTION
) -> None:
    """Published prevalence per condition: England, the ICS, each PCN and practice, 95% CIs."""
    from openpcn.prevalence.summary import prevalence_summary as summary

    emit(summary(warehouse(), ics, year), as_json=as_json, draw=_print_summary)


@prevalence_app.command("records")
def prevalence_records(
    ics: str = ICS_OPTION, date: str = DATE_OPTION, as_json: bool = JSON_OPTION
) -> None:
    """Registers recorded in the patient records on the date, over QOF's list types."""
    from openpcn.orgs.dates import as_date
    from openpcn.prevalence.published import ics_practice_frame
    from openpcn.prevalence.records import records

    con = warehouse()
    view, practices = ics_practice_frame(con, ics, as_date(date))
    result = {"ics": view.footprint.as_dict()} | records(
        con, date, list(practices["practice_code"])
    )
    emit(result, as_json=as_json, draw=_print_records)


@prevalence_app.command("compare")
def prevalence_compare(
    ics: str = ICS_OPTION, year: str = YEAR_OPTION, as_json: bool = JSON_OPTION
) -> None:
    """Records on the QOF year's end date against the publication, flagged on funnel limits."""
    from openpcn.prevalence.compare import prevalence_compare as compare

    emit(compare(warehouse(), ics, year), as_json=as_json, draw=_print_compare)


def _print_summary(result: dict[str, Any]) -> None:
    ics = result["ics"]
    out.print(
        f"[bold]QOF {result['year']} prevalence[/] for {ics['name']} ({ics['code']}): "
        f"{result['practices']} practices, PCNs as on {result['pcn_date']}"
    )
    if not result["conditions"]:
        out.print("[yellow]no published QOF registers for this year in the warehouse[/]")
        return
    columns = ("group", "condition", "list", "ICS", "95% CI", "vs England", "England", "change",
               "PCN range")  # fmt: skip
    drawn = table(
        columns,
        right=("ICS", "95% CI", "England", "change", "PCN range"),
        no_wrap=("group", "list", "ICS", "95% CI", "England", "change", "PCN range"),
    )
    for c in result["conditions"]:
        ics_value = c["ics"]
        ci = (
            "-"
            if ics_value["ci_lower_pct"] is None
            else f"{ics_value['ci_lower_pct']:.2f}-{ics_value['ci_upper_pct']:.2f}"
        )
        change = ics_value["change_pct_points"]
        pcns = [p["prevalence_pct"] for p in c["pcns"] if p["prevalence_pct"] is not None]
        drawn.add_row(
            c["condition"],
            c["description"],
            str(c["list_type"]),
            percent(ics_value["prevalence_pct"]),
            ci,
            ics_value["vs_england"] or "-",
            percent(c["england"]["prevalence_pct"]),
            "-" if change is None else f"{change:+.2f}",
            f"{percent(min(pcns))}-{percent(max(pcns))}" if pcns else "-",
        )
    out.print(drawn)
    out.print(f"[dim]{result['method']}[/]")


def _print_records(result: dict[str, Any]) -> None:
    ics = result["ics"]
    practices = {r["practice_code"] for r in result["practices"]}
    out.print(
        f"[bold]Registers recorded[/] on {result['date']} for {ics['name']} ({ics['code']}): "
        f"{len(practices)} practices"
    )
    lists = {g["condition"]: g for g in result["groups"]}
    drawn = table(
        ("condition", "list", "register", "list size", "prevalence"),
        right=("register", "list size", "prevalence"),
    )
    for row in result["ics_totals"]:
        group = lists[row["condition"]]
        drawn.add_row(
            f"{row['condition']} {group['description']}",
            group["list_type"],
            whole(row["register"]),
            whole(row["list_size"]),
            percent(row["prevalence_pct"]),
        )
    out.print(drawn)


def _print_compare(result: dict[str, Any]) -> None:
    ics, summary = result["ics"], result["summary"]
    out.print(
        f"[bold]Recorded against published[/] QOF {result['year']} (records on {result['date']}) "
        f"for {ics['name']} ({ics['code']}): {summary['practices_compared']} practices, "
        f"{summary['flags']} flags (99.8%), {summary['warnings']} warnings (95%)"
    )
    columns = (
        "condition",
        "practices",
        "recorded",
        "published",
        "difference",
        "low",
        "high",
        "warnings",
    )
    drawn = table(columns, right=columns[1:])
    for code, c in summary["by_condition"].items():
        diff = c["difference_pct_points"]
        drawn.add_row(
            code,
            str(c["practices"]),
            percent(c["recorded_pct"]),
            percent(c["published_pct"]),
            "-" if diff is None else f"{diff:+.2f}",
            str(c["flags_low"]),
            str(c["flags_high"]),
            str(c["warnings"]),
        )
    out.print(drawn)
    flagged = [r for r in result["practices"] if r["status"] == "flag"]
    if flagged:
        rows = table(
            ("practice", "condition", "recorded", "published", "flag"),
            right=("recorded", "published"),
            title="Flagged (outside 99.8% limits)",
        )
        for r in flagged[:SHOWN_FLAGS]:
            rows.add_row(
                r["practice_code"],
                r["condition"],
                percent(r["recorded_pct"]),
                percent(r["published_pct"]),
                str(r["flag"]),
            )
        out.print(rows)
        if len(flagged) > SHOWN_FLAGS:
            out.print(f"... and {len(flagged) - SHOWN_FLAGS} more flags: --json lists every row")
    out.print(f"[dim]{result['method']}[/]")
