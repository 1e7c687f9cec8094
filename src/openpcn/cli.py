"""The `openpcn` command. A surface only: it parses, calls a capability and prints.

User errors are printed as 'what / where / fix' on stderr with a non-zero exit code and no
traceback; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import typer
from rich.console import Console

from openpcn.exceptions import OpenPCNError, UserError

app = typer.Typer(
    name="openpcn",
    help="OpenPCN: Primary Care Networks for an ICS, from the real NHS files.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
orgs_app = typer.Typer(
    help="The ICS > PCN > practice hierarchy and its rules.", no_args_is_help=True
)
app.add_typer(orgs_app, name="orgs")

out = Console()
err = Console(stderr=True)


def print_json(payload: Any) -> None:
    """JSON on stdout, plain (no colour codes), dates as ISO strings."""
    sys.stdout.write(json.dumps(payload, indent=2, default=str) + "\n")


def main() -> None:
    """Entry point: run the app, turning user errors into a clear message and an exit code."""
    try:
        app(standalone_mode=False)
    except UserError as exc:
        err.print(f"[bold red]error:[/] {exc.message}", highlight=False, markup=True)
        sys.exit(exc.exit_code)
    except OpenPCNError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False)
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        err.print("aborted")
        sys.exit(1)
    except Exception as exc:  # click usage errors arrive here in non-standalone mode
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise
