"""Options shared by the `openpcn` sub-commands, so every command spells them the same way."""

from __future__ import annotations

import typer

from openpcn.config import DEFAULT_DATE, DEFAULT_ICS

ICS_OPTION = typer.Option(DEFAULT_ICS, "--ics", help="ICS, by its commissioner code (11J = Dorset)")
DATE_OPTION = typer.Option(DEFAULT_DATE, "--date", help="date to ask about (YYYY-MM-DD)")
JSON_OPTION = typer.Option(False, "--json", help="print JSON instead of tables")
