"""`openpcn init` and `openpcn import`: build the warehouse, then add published files and
extracts to it."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import TaskID

from openpcn.cli.output import out, print_row_counts, progress_bar
from openpcn.config import DEFAULT_DATE, DEFAULT_ICS, DEFAULT_SEED, Settings, load_settings
from openpcn.exceptions import InputError, UserError


def openpcn_init(
    scale: float = typer.Option(1.0, help="share of each practice's list to synthesise (0.01-1)"),
    seed: int = typer.Option(DEFAULT_SEED, help="seed of the synthetic population"),
    ics: str = typer.Option(DEFAULT_ICS, help="ICS (commissioner code) to synthesise"),
    force: bool = typer.Option(False, "--force", help="rebuild an existing warehouse"),
) -> None:
    """Build the embedded default warehouse: reference data plus a synthetic population."""
    from openpcn.build import build_default

    settings = load_settings()
    with progress_bar() as bar:
        tasks: dict[str, TaskID] = {}

        def tell(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        result = build_default(
            settings, ics=ics, scale=scale, seed=seed, force=force, progress=tell
        )
    out.print(f"Warehouse built at {result.path}")
    print_row_counts(result.rows)
    _score_risk(settings)


def _score_risk(settings: Settings) -> None:
    """Train the risk model and score everyone on the extract date now, once, rather than on
    the first page or report that needs the anticipatory-care cohort (kept beside the
    warehouse; see openpcn.cohorts.admission_risk)."""
    from openpcn.cohorts.admission_risk import scored
    from openpcn.store.warehouse import connect

    with out.status(f"Training the emergency admission risk model for {DEFAULT_DATE}"):
        try:
            card = scored(connect(settings), DEFAULT_DATE).card
        except InputError as err:
            out.print(f"Risk model not trained yet: {err.message}", highlight=False)
            return
    auroc = card["metrics"]["auroc"]  # type: ignore[index]
    out.print(f"Risk model trained and everyone scored for {DEFAULT_DATE} (AUROC {auroc})")


def _year(value: str | None) -> str | None:
    """--year as YYYY/YY of two consecutive years (a usage error otherwise, exit 2)."""
    if value is None:
        return None
    from openpcn.sources.qof_prevalence import qof_year

    try:
        return qof_year(value)
    except UserError as exc:
        raise typer.BadParameter(f"{exc.what}: {exc.fix}") from None


def openpcn_import(
    kind: str = typer.Argument(
        ..., help="What the file is: extract, patients, epraccur, ..., or codelist"
    ),
    file: Path = typer.Argument(..., help="The file (or, for an extract, the folder) to import."),
    name: str | None = typer.Option(
        None, "--name", help="codelist only: its name (a shipped list's name replaces that list)"
    ),
    system: str | None = typer.Option(
        None, "--system", help="codelist only: snomedct, dmd, bnf or local (default: guessed)"
    ),
    year: str | None = typer.Option(
        None,
        "--year",
        help="qof-prevalence (required): the QOF year, e.g. 2018/19; practice-covariates: the "
        "financial year (default 2019/20)",
        callback=_year,
    ),
    organisations: Path | None = typer.Option(
        None, "--organisations", help="qof-prevalence only: the QOF organisation reference CSV"
    ),
    indicators: Path | None = typer.Option(
        None, "--indicators", help="qof-prevalence only: the QOF indicator mappings CSV"
    ),
) -> None:
    """Import a published file or a patient-level extract (all of it lands, or nothing
    changes), or an OpenCodelists download as the ICS's own codelist."""
    from openpcn.build import ImportOptions, import_codelist, import_file

    if kind == "codelist":
        if not name:
            raise InputError(
                "a codelist needs a name", column="--name", fix="add --name NAME, e.g. "
                "--name openpcn-care-plan to replace that list (`openpcn codelists list`)"
            )  # fmt: skip
        result = import_codelist(file, name, system, load_settings())
        out.print(f"Imported codelist {name} from {file.name}: {result.rows[name]:,} codes "
                  "(it replaces the shipped list of that name)", highlight=False)  # fmt: skip
        return
    if name or system:
        raise InputError(
            "--name and --system are for codelists only", fix="leave them out for a KIND"
        )
    options = ImportOptions(year=year, organisations=organisations, indicators=indicators)
    result = import_file(kind, file, load_settings(), options)
    out.print(f"Imported {result.kind} from {file.name}", highlight=False)
    print_row_counts(result.rows, edge=True)
    if result.note:
        out.print(result.note, highlight=False)
