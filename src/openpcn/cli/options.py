"""Options shared by the `openpcn` commands, so every command spells them the same way."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from openpcn.config import DEFAULT_DATE, DEFAULT_ICS
from openpcn.exceptions import InputError
from openpcn.orgs.dates import RANGE_WORDS, checked_date


def date_in_range(value: str | None) -> str | None:
    """A date option's check, before any work: a usage error (exit 2) unless it is a real date
    within the range every surface answers for (`openpcn.orgs.dates`)."""
    if value is None:
        return None
    try:
        checked_date(value)
    except InputError as exc:
        raise typer.BadParameter(f"{exc.what}: give a date as YYYY-MM-DD, {RANGE_WORDS}") from None
    return value


ICS_OPTION = typer.Option(DEFAULT_ICS, "--ics", help="ICS, by its commissioner code (11J = Dorset)")
DATE_OPTION = typer.Option(
    DEFAULT_DATE,
    "--date",
    help=f"date to ask about (YYYY-MM-DD, {RANGE_WORDS})",
    callback=date_in_range,
)
JSON_OPTION = typer.Option(False, "--json", help="print JSON instead of tables")


def indicator_year_option(value: str | None) -> str | None:
    """`--year`'s check for the case-finding commands: a usage error (exit 2) unless it is a
    financial year OpenPCN holds indicator definitions for; passed on as '2023/24'."""
    from openpcn.cohorts.definitions import checked_year

    if value is None:
        return None
    try:
        return checked_year(value)
    except InputError as exc:
        raise typer.BadParameter(f"{exc.what}: {exc.fix}") from None


INDICATOR_YEAR_OPTION = typer.Option(
    None,
    "--year",
    help="the financial year whose indicator definitions and thresholds apply (2022/23, "
    "2023/24 or 2024/25; default: the date's year, or the nearest of those)",
    callback=indicator_year_option,
)


def csv_option(rows: str) -> Path | None:
    """`--csv FILE`: write the rows to FILE; `rows` says what one row is."""
    return typer.Option(None, "--csv", help=f"write {rows} to FILE")


class Engine(StrEnum):
    """The query engines a command can run on."""

    duckdb = "duckdb"
    spark = "spark"


ENGINE_OPTION = typer.Option(
    None, "--engine", help="query engine (default: OPENPCN_ENGINE, else duckdb)"
)
