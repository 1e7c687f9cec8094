"""`openpcn orgs ...`: the ICS > PCN > practice hierarchy and its formation rules."""

from __future__ import annotations

from typing import Any

import typer

from openpcn.cli.options import DATE_OPTION, ICS_OPTION, JSON_OPTION
from openpcn.cli.output import emit, out, print_json, table, whole
from openpcn.cli.stores import warehouse

orgs_app = typer.Typer(
    help="The ICS > PCN > practice hierarchy and its rules.", no_args_is_help=True
)

BAND_MIN = typer.Option(None, "--band-min", help="size band minimum (default from the rules file)")
BAND_MAX = typer.Option(None, "--band-max", help="size band maximum (default from the rules file)")


def _band(band_min: float | None, band_max: float | None) -> tuple[float, float] | None:
    """The size band asked for, either end defaulting to the rules file's; None for all of it."""
    if band_min is None and band_max is None:
        return None
    from openpcn.orgs import load_band

    default = load_band()
    return (
        default.min if band_min is None else band_min,
        default.max if band_max is None else band_max,
    )


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

    con, band = warehouse(), _band(band_min, band_max)
    result = orgs.summary(con, ics, date, band=band)
    if as_json:
        print_json(result)
        return
    rows = orgs.pcn_table(con, ics, date, band=band)
    ics_info = result["ics"]
    low, high = result["band"]
    out.print(
        f"[bold]{ics_info['name']}[/] ({ics_info['code']}) on {result['date']}: "
        f"{result['practices']} practices in {result['pcns']} PCNs, "
        f"{whole(result['registered_patients'])} registered patients"
    )
    out.print(
        f"{result['pcns_in_band']} PCNs within {whole(low)}-{whole(high)}; "
        f"{result['pcns_below_band']} below, {result['pcns_above_band']} above"
    )
    pcns = table(
        ("PCN", "name", "practices", "registered", "weighted", "band"),
        right=("practices", "registered", "weighted"),
    )
    for row in rows:
        status = "in band" if row["in_band"] else str(row.get("band_position", "outside"))
        if row.get("exception"):
            status += " (exception)"
        pcns.add_row(
            str(row["pcn_code"]),
            str(row["name"]),
            str(row["practices"]),
            whole(row["registered_patients"]),
            whole(row["weighted_patients"]),
            status,
        )
    out.print(pcns)


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

    report = orgs.check(warehouse(), ics, date, band=_band(band_min, band_max))
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

    result = orgs.show(warehouse(), code, date)
    emit(result, as_json=as_json, draw=_print_pcn if result["kind"] == "pcn" else _print_practice)


@orgs_app.command("groupings")
def orgs_groupings(
    kind: str = typer.Option("district", "--kind", help="which grouping (district, locality, ...)"),
    date: str = DATE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Custom groupings of practices (e.g. localities) and the PCNs each one overlaps."""
    from openpcn import orgs

    groups = orgs.groupings(warehouse(), kind, date)
    emit(groups, as_json=as_json, draw=lambda groups: _print_groupings(groups, kind, date))


def _print_groupings(groups: list[dict[str, Any]], kind: str, date: str) -> None:
    drawn = table(
        ("code", "name", "practices", "registered", "PCNs"),
        right=("practices", "registered"),
        title=f"{kind} groupings on {date}",
    )
    for group in groups:
        pcns = ", ".join(f"{p['pcn_code']} ({p['practices']})" for p in group["pcns"])
        drawn.add_row(
            str(group["group_code"]), str(group["group_name"]), str(len(group["practices"])),
            whole(group["registered_patients"]), pcns or "-",
        )  # fmt: skip
    out.print(drawn)


def _print_pcn(pcn: dict[str, Any]) -> None:
    out.print(f"[bold]{pcn['name']}[/] ({pcn['code']}), {pcn['commissioner']['name']}")
    position = "within" if pcn["in_band"] else pcn["band_position"]
    out.print(
        f"{pcn['practices']} practices, {whole(pcn['registered_patients'])} registered "
        f"({whole(pcn['weighted_patients'])} weighted) on {pcn['date']}: {position} the band "
        f"{whole(pcn['band'][0])}-{whole(pcn['band'][1])}"
    )
    if pcn.get("centroid"):
        out.print(f"centre {pcn['centroid']['lat']:.4f}, {pcn['centroid']['lon']:.4f}")
    members = table(("practice", "name", "status", "registered", "postcode"), right=("registered",))
    for m in pcn["members"]:
        members.add_row(
            m["practice_code"], str(m["name"]), str(m["status"]),
            whole(m["registered_patients"]), str(m["postcode"] or "-"),
        )  # fmt: skip
    out.print(members)


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
    lists = table(
        ("as of", "source", "registered", "weighted"),
        right=("registered", "weighted"),
        title="list sizes",
    )
    for row in practice.get("lists", []):
        lists.add_row(
            str(row["as_of"]), str(row["source"]),
            whole(row["registered_patients"]), whole(row["weighted_patients"]),
        )  # fmt: skip
    out.print(lists)
