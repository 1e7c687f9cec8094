"""The `openpcn` command. A surface only: it parses, calls a capability and prints.

Each command group lives in its own module and is registered here. User errors are printed as
'what / where / fix' on stderr with their exit code and no traceback; usage errors (unknown
command or option, missing or bad value) print the usage line and the error and exit 2;
anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import sys

import typer
import typer.main

# Typer ships its own copy of click; its exceptions are not re-exported under a public name.
from typer._click.core import Context
from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError

from openpcn.cli.access import access_app
from openpcn.cli.codelists import codelists_app
from openpcn.cli.cohorts import cohorts_app
from openpcn.cli.evaluate import evaluate_app
from openpcn.cli.formation import formation_app
from openpcn.cli.funding import funding_app
from openpcn.cli.orgs import orgs_app
from openpcn.cli.output import err
from openpcn.cli.prevalence import prevalence_app
from openpcn.cli.quality import quality_app
from openpcn.cli.report import report_app
from openpcn.cli.users import tokens_app, users_app
from openpcn.cli.warehouse import openpcn_import, openpcn_init
from openpcn.cli.web import openpcn_serve
from openpcn.cli.workforce import workforce_app
from openpcn.exceptions import OpenPCNError, UserError

PROG = "openpcn"  # the installed command's name, also under `python -m openpcn`

app = typer.Typer(
    name=PROG,
    help="OpenPCN: Primary Care Networks for an ICS, from the real NHS files.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command("serve")(openpcn_serve)
app.command("init")(openpcn_init)
app.command("import")(openpcn_import)
app.add_typer(orgs_app, name="orgs")
app.add_typer(formation_app, name="formation")
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
app.add_typer(quality_app, name="quality")
app.add_typer(prevalence_app, name="prevalence")
app.add_typer(funding_app, name="funding")
app.add_typer(workforce_app, name="workforce")
app.add_typer(cohorts_app, name="cohorts")
app.add_typer(codelists_app, name="codelists")
app.add_typer(report_app, name="report")
app.add_typer(access_app, name="access")
app.add_typer(evaluate_app, name="evaluate")


def _command_context(args: list[str]) -> Context:
    """A context for the command `args` name, for the usage errors click raises without one
    (an option missing its value)."""
    command = typer.main.get_command(app)
    path = [PROG]
    for word in args:
        subcommands = getattr(command, "commands", {})
        if word not in subcommands:
            break
        command = subcommands[word]
        path.append(word)
    return command.context_class(command, info_name=" ".join(path))


def _show_usage_error(exc: UsageError, args: list[str]) -> None:
    """The command's usage on one line and what was wrong on the next, on stderr."""
    ctx = exc.ctx or _command_context(args)
    pieces = " ".join(ctx.command.collect_usage_pieces(ctx))
    err.print(f"Usage: {ctx.command_path} {pieces}", highlight=False, markup=False, soft_wrap=True)
    err.print(f"Error: {exc.format_message()}", highlight=False, markup=False, soft_wrap=True)


def main() -> None:
    """Entry point: run the app, turning user and usage errors into a message and an exit code."""
    try:
        # without standalone mode, a command's `typer.Exit(code)` comes back as the return value
        code = app(prog_name=PROG, standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except UserError as exc:
        err.print(f"[bold red]error:[/] {exc.message}", highlight=False, markup=True)
        sys.exit(exc.exit_code)
    except OpenPCNError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False)
        sys.exit(exc.exit_code)
    except NoArgsIsHelpError:
        sys.exit(0)  # a group without a command: its help is already on stdout, as for --help
    except UsageError as exc:
        _show_usage_error(exc, sys.argv[1:])
        sys.exit(exc.exit_code)
    except ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        err.print("aborted")
        sys.exit(1)
