"""`openpcn report ...`: the ICS's report on its networks, as HTML and PDF."""

from __future__ import annotations

import typer

report_app = typer.Typer(help="Reports generated from the warehouse.", no_args_is_help=True)


@report_app.callback()
def _group() -> None:
    """Keep `report` a group of commands."""
