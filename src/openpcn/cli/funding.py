"""`openpcn funding ...`: Network Contract DES rates, PCN entitlements and practice shares."""

from __future__ import annotations

import csv
import io
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from openpcn.cli.options import JSON_OPTION, csv_option
from openpcn.cli.output import emit, money, out, print_json, table
from openpcn.cli.stores import warehouse
from openpcn.exceptions import InputError

funding_app = typer.Typer(
    help="Network Contract DES funding: rates by year, PCN entitlements, shares by practice.",
    no_args_is_help=True,
)

YEAR_OPTION = typer.Option(..., "--year", help="financial year, e.g. 2020/21")
PCN_OPTION = typer.Option(..., "--pcn", help="the PCN, by code")
RULES_OPTION = typer.Option(
    None, "--rules", help="your own rules TOML (same layout): its values replace the shipped ones"
)
_HEADINGS = {
    "core": "core",
    "clinical_director": "clin. dir.",
    "network_participation": "participation",
    "extended_hours": "ext. hours",
    "enhanced_access": "enh. access",
    "care_home_premium": "care homes",
    "pcn_support": "PCN support",
    "leadership_management": "lead. & mgmt",
    "capacity_access": "cap. & access",
    "capacity_access_improvement": "C&A improve max",
    "iif_max": "IIF max",
    "arrs_sum": "ARRS",
    "arrs_gp": "ARRS GPs",
    "total": "total",
}


@funding_app.command("rules")
def funding_rules(
    year: str | None = typer.Option(None, "--year", help="one financial year (default: all)"),
    rules_file: Path | None = RULES_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Every stream's dated rows (rate, months, basis, source) and ARRS role; assumptions tagged."""
    from openpcn.funding.rules import UNIT_WORDS, financial_years, gbp, rules_for

    if rules_file is not None and year is None:
        raise InputError(
            "--rules needs --year", fix="say which year the file is for: --year 2020/21"
        )
    years = [year] if year else financial_years()
    found = [rules_for(y, rules_file) for y in years]
    if as_json:
        print_json([r.as_dict() for r in found])
        return
    for rules in found:
        rates = table(
            ("stream / role", "rate", "basis", "months", "source"),
            right=("rate",),
            title=f"{rules.year} ({rules.source_file})",
        )
        for rows in rules.rates.values():
            for rate in rows:
                per = "a year" if rate.per == "year" else f"for the {rate.months} months"
                rates.add_row(
                    rate.key + (" (assumption)" if rate.unconfirmed else ""),
                    gbp(rate.value),
                    f"{UNIT_WORDS[rate.unit]} {per}",
                    f"{rate.start:%b %Y} to {rate.end:%b %Y} ({rate.months})",
                    rate.source,
                    style="bold yellow" if rate.unconfirmed else None,
                )
        if rules.iif:
            flag = " (assumption)" if rules.iif["unconfirmed"] else ""
            rates.add_row(
                "iif points" + flag,
                f"{rules.iif['points']:g}",
                f"avg PCN list {rules.iif['average_pcn_list']:,.0f}",
                "",
                rules.iif["source"],
                style="bold yellow" if flag else None,
            )
        for role in rules.roles.values():
            cap = "-" if role.max_reimbursement is None else money(role.max_reimbursement)
            flag = " UNCONFIRMED" if role.unconfirmed else ""
            wte = "" if role.max_wte is None else f", max {role.max_wte:g} WTE"
            if role.max_wte_large_pcn is not None:
                wte += f" ({role.max_wte_large_pcn:g} over 100k)"
            rates.add_row(
                f"ARRS {role.key}{flag}",
                cap,
                f"{role.reimbursement_rate:.0%} from {role.from_date}{wte}",
                "",
                role.source,
                style="bold yellow" if role.unconfirmed else None,
            )
        out.print(rates)
        for rows in rules.rates.values():
            for rate in rows:
                if rate.note:
                    tag = "assumption: " if rate.unconfirmed else ""
                    out.print(f"[dim]{rate.key} from {rate.start:%b %Y}: {tag}{rate.note}[/]")
        if rules.iif.get("note"):
            out.print(f"[dim]iif: {rules.iif['note']}[/]")


def _entitlements_csv(rows: list[dict[str, Any]]) -> str:
    """The entitlement rows as CSV text (lists joined with ';')."""
    buffer = io.StringIO()
    if not rows:
        return ""
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ";".join(v) if isinstance(v, list) else v for k, v in row.items()})
    return buffer.getvalue()


@funding_app.command("entitlements")
def funding_entitlements(
    year: str = YEAR_OPTION,
    ics: str | None = typer.Option(None, "--ics", help="ICS by commissioner code (e.g. 11J)"),
    pcn: str | None = typer.Option(None, "--pcn", help="one PCN by code (e.g. U02749)"),
    rules_file: Path | None = RULES_OPTION,
    as_json: bool = JSON_OPTION,
    csv_file: Path | None = csv_option("one row per PCN"),
) -> None:
    """What each PCN is owed in the year, stream by stream (default ICS: 11J)."""
    from openpcn.config import DEFAULT_ICS
    from openpcn.funding.entitlements import entitlements
    from openpcn.funding.rules import rules_for

    rules = rules_for(year, rules_file)
    if ics is None and pcn is None:
        ics = DEFAULT_ICS
    rows = entitlements(warehouse(), year, ics=None if pcn else ics, pcn=pcn, rules=rules)
    title = f"Network Contract DES entitlements {rules.year}"
    emit(
        rows,
        as_json=as_json,
        draw=lambda rows: _print_rows(rows, "pcn_code", title),
        csv_file=csv_file,
        csv=_entitlements_csv,
        rows=len(rows),
    )


def _print_rows(rows: list[dict[str, Any]], key: str, title: str) -> None:
    headings = list(_HEADINGS.values())
    money_table = table(
        ("code", "name", "registered", "weighted", *headings),
        right=("registered", "weighted", *headings),
        no_wrap=("code",),
        title=title,
    )
    for row in rows:
        money_table.add_row(
            row[key],
            row["name"],
            f"{row['registered_patients']:,.0f}",
            f"{row['weighted_patients']:,.0f}",
            *(money(row[k]) for k in _HEADINGS),
        )
    totals = {k: sum(r[k] for r in rows) for k in _HEADINGS}
    money_table.add_row(
        "", "[bold]total[/]", "", "", *(f"[bold]{money(v)}[/]" for v in totals.values())
    )
    out.print(money_table)
    unconfirmed = sorted({s for r in rows for s in r.get("unconfirmed", [])})
    if unconfirmed:
        out.print(
            f"[yellow]UNCONFIRMED rates used: {', '.join(unconfirmed)}[/] (see `funding rules`)"
        )


class Basis(StrEnum):
    """Which list a PCN's money is shared by."""

    registered = "registered"
    weighted = "weighted"


@funding_app.command("split")
def funding_split(
    pcn: str = PCN_OPTION,
    year: str = YEAR_OPTION,
    basis: Basis = typer.Option(Basis.registered, "--basis", help="share by list"),
    rules_file: Path | None = RULES_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """The PCN's money shared among its member practices; the pennies add up to the PCN total."""
    from openpcn.funding.rules import rules_for
    from openpcn.funding.split import split

    rules = rules_for(year, rules_file)
    rows = split(warehouse(), pcn, year, basis.value, rules=rules)  # type: ignore[arg-type]
    if as_json:
        print_json(rows)
        return
    _print_rows(rows, "practice_code", f"{pcn.upper()} {rules.year}, shared by {basis.value} list")
    out.print("[dim]network participation is each practice's own payment, not a share[/]")


@funding_app.command("iif")
def funding_iif(
    pcn: str = PCN_OPTION,
    year: str = YEAR_OPTION,
    achievement: Path = typer.Option(
        ..., "--achievement", help="CSV: indicator,points_available,achieved_fraction"
    ),
    rules_file: Path | None = RULES_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """The IIF earned: points achieved x GBP per point x the PCN's list-size adjustment."""
    from openpcn.funding.entitlements import entitlements
    from openpcn.funding.iif import iif_payment, read_achievement
    from openpcn.funding.rules import rules_for

    rules = rules_for(year, rules_file)
    rows = read_achievement(achievement)
    (row,) = entitlements(warehouse(), year, pcn=pcn, rules=rules)
    result = {"pcn_code": row["pcn_code"], "registered_patients": row["registered_patients"]}
    result |= iif_payment(rules, row["registered_patients"], rows)
    if as_json:
        print_json(result)
        return
    out.print(
        f"[bold]{row['pcn_code']}[/] {rules.year}: {result['points_achieved']:g} of "
        f"{result['points_available']:g} points x £{result['per_point']:g} x list adjustment "
        f"{result['list_size_adjustment']:.4f} = [bold]{money(result['payment'])}[/] "
        f"(most possible {money(result['iif_max'])})"
    )
    out.print(f"[yellow]{result['note']}[/]")


@funding_app.command("reconcile")
def funding_reconcile(
    payments: Path = typer.Argument(
        ..., help="CSV of what the PCN received: month (YYYY-MM), stream, amount (docs/funding.md)"
    ),
    pcn: str = PCN_OPTION,
    year: str = YEAR_OPTION,
    rules_file: Path | None = RULES_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """What the PCN received against what it was owed, month by month and stream by stream:
    each difference with the rule behind the amount owed."""
    from openpcn.funding.reconcile import reconcile_pcn
    from openpcn.funding.rules import rules_for

    rules = rules_for(year, rules_file)
    result = reconcile_pcn(warehouse(), pcn, rules.year, payments, rules)
    emit(result, as_json=as_json, draw=_print_reconciliation)


def _print_reconciliation(result: dict[str, Any]) -> None:
    title = f"{result['pcn_code']} {result['year']}: received ({result['file']}) against owed"
    streams = table(("stream", "owed", "received", "difference"),
                    right=("owed", "received", "difference"), title=title)  # fmt: skip
    for row in result["streams"]:
        streams.add_row(row["stream"], money(row["expected"]), money(row["received"]),
                        money(row["difference"]))  # fmt: skip
    streams.add_row("[bold]total[/]", f"[bold]{money(result['expected'])}[/]",
                    f"[bold]{money(result['received'])}[/]",
                    f"[bold]{money(result['difference'])}[/]")  # fmt: skip
    out.print(streams)
    if not result["differences"]:
        out.print("Every month of every stream matches to the penny.")
        return
    lines = table(("month", "stream", "owed", "received", "difference", "rule"),
                  right=("owed", "received", "difference"),
                  title=f"{len(result['differences'])} differences")  # fmt: skip
    for row in result["differences"]:
        lines.add_row(row["month"], row["stream"], money(row["expected"]), money(row["received"]),
                      money(row["difference"]), row["rule"])  # fmt: skip
    out.print(lines)
