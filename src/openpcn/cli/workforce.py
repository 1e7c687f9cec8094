"""`openpcn workforce ...`: the staff register, GP workforce risk and the ARRS planner."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from openpcn.cli.options import DATE_OPTION, ICS_OPTION, JSON_OPTION, date_in_range
from openpcn.cli.output import emit, out, table
from openpcn.cli.stores import app_db, warehouse
from openpcn.exceptions import InputError
from openpcn.workforce.planner import WEIGHTS

workforce_app = typer.Typer(
    help="Workforce: the staff register, GP workforce risk and the ARRS planner.",
    no_args_is_help=True,
)


@workforce_app.command("import")
def workforce_import(
    file: Path = typer.Argument(..., help="staff register CSV (docs/workforce.md)"),
) -> None:
    """Replace the staff register with FILE, all or nothing."""
    from openpcn.workforce.register import import_register

    with app_db() as db:
        count = import_register(db, file, warehouse())
    out.print(f"imported {count:,} posts from {file.name} into the staff register")


def _weights(items: list[str]) -> dict[str, float]:
    """`--priority ROLE=WEIGHT` options as a mapping of role to weight, each checked against
    its range before any work."""
    weights = {}
    for item in items:
        role, _, weight = item.partition("=")
        try:
            value = float(weight)
        except ValueError:
            raise InputError(
                f"--priority {item!r} is not ROLE=WEIGHT",
                fix=f"e.g. --priority clinical_pharmacist=2 (WEIGHT {WEIGHTS.words})",
            ) from None
        why = WEIGHTS.refusal(value)
        if why:
            raise InputError(
                f"--priority {role.strip()}: the weight {why}",
                fix=f"e.g. --priority clinical_pharmacist=2 (WEIGHT {WEIGHTS.words})",
            )
        weights[role.strip()] = value
    return weights


@workforce_app.command("plan")
def workforce_plan(
    pcn: str = typer.Option(..., "--pcn", help="PCN code, e.g. U42510"),
    year: str = typer.Option(..., "--year", help="financial year, e.g. 2021/22"),
    priority: list[str] = typer.Option(
        [],
        "--priority",
        help=f"ROLE=WEIGHT, repeatable, WEIGHT {WEIGHTS.words}; roles not named weigh 0",
    ),
    on: str | None = typer.Option(
        None,
        "--on",
        help="plan the roles eligible on this date (default: the year's start, or the DES "
        "start of 1 July 2019)",
        callback=date_in_range,
    ),
    london: bool = typer.Option(
        False, "--london", help="cost posts at the London caps (from 2021/22; Dorset is not)"
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """The mix of ARRS roles the PCN's ARR sum pays for, the money left and why each role got
    what it got (0.5 WTE posts; weighted roles covered with 1 WTE first, then balanced; no
    --priority: clinical pharmacist and social prescribing link worker)."""
    from openpcn.workforce.pcn_plan import pcn_plan

    weights = _weights(priority) or None  # refused before the warehouse is opened
    con = warehouse()
    with app_db() as db:
        result = pcn_plan(con, db, pcn, year, priorities=weights, on=on, london=london)
    emit(result, as_json=as_json, draw=_print_plan)


def _print_plan(result: dict[str, Any]) -> None:
    budgets = result.get("budgets") or []
    arrs = budgets[0] if budgets else {"existing_spend": result["spend"], "new_spend": 0.0}
    lost = arrs.get("remainder", result["remainder"])
    spend = arrs["existing_spend"] + arrs["new_spend"]
    out.print(
        f"[bold]{result['pcn_code']}[/] {result['year']}: ARR sum £{result['arrs_sum']:,.2f}, "
        f"spend £{spend:,.2f}, [bold]money lost £{lost:,.2f}[/]"
        + (" (London caps)" if result.get("london") else "")
    )
    for b in budgets[1:]:
        out.print(
            f"{b['label'][0].upper() + b['label'][1:]} £{b['sum']:,.2f}: spend "
            f"£{b['existing_spend'] + b['new_spend']:,.2f}, money lost £{b['remainder']:,.2f}"
        )
    columns = ("role", "new WTE", "in post", "£ per WTE", "spend", "why")
    roles = table(columns, right=columns[1:5])
    for r in result["roles"]:
        roles.add_row(
            r["label"] + (" [yellow]*[/]" if r["unconfirmed"] else ""),
            f"{r['fte']:.1f}",
            f"{r['existing_fte']:g}",
            f"{r['cost_per_wte']:,.2f}",
            f"{r['spend']:,.2f}",
            r["why"],
        )
    out.print(roles)
    if any(r["unconfirmed"] for r in result["roles"]):
        out.print("[yellow]*[/] UNCONFIRMED cap: inferred (see `openpcn funding rules`)")
    for x in result["excluded"]:
        out.print(f"[dim]not planned: {x['label']}: {x['reason']}[/]")


@workforce_app.command("risk")
def workforce_risk(
    ics: str = ICS_OPTION,
    date_: str = DATE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """GP headcount and FTE, share aged 55+, FTE per 10,000 patients and vacancies."""
    from openpcn.workforce.indicators import staffing_indicators

    with app_db() as db:
        result = staffing_indicators(warehouse(), db, ics, date_)
    emit(result, as_json=as_json, draw=_print_risk)


def _value(value: object, fmt: str = "{:,.2f}") -> str:
    return "-" if value is None else fmt.format(value)


def _print_risk(result: dict[str, Any]) -> None:
    ics = result["ics"]
    out.print(
        f"[bold]{ics['name']}[/] ({ics['code']}) on {result['date']}: "
        f"{ics['gp_headcount']} GPs, {_value(ics['gp_fte'])} FTE, "
        f"{_value(ics['gp_55_plus_pct'], '{:.1f}%')} aged 55+, "
        f"{_value(ics['gp_fte_per_10k'])} GP FTE per 10,000 patients"
    )
    out.print(f"[dim]source: {result['source']['detail']}; {result['england_note']}[/]")
    columns = ("PCN", "name", "GPs", "GP FTE", "55+", "per 10k", "vacant FTE")
    pcns = table(columns, right=columns[2:])
    for p in result["pcns"]:
        pcns.add_row(
            p["code"],
            p["name"],
            str(p["gp_headcount"]),
            _value(p["gp_fte"]),
            _value(p["gp_55_plus_pct"], "{:.1f}%"),
            _value(p["gp_fte_per_10k"]),
            _value(p["vacancy_fte"]),
        )
    out.print(pcns)
