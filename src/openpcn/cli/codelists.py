"""`openpcn codelists ...`: the codelists the cohorts search, where each came from, and a check
of every code's form (SNOMED CT and dm+d check digits, BNF codes)."""

from __future__ import annotations

from typing import Any

import typer

from openpcn.cli.options import JSON_OPTION
from openpcn.cli.output import emit, out, table
from openpcn.exceptions import InputError

codelists_app = typer.Typer(
    help="The codelists behind the cohorts: their sources, sizes and checks.",
    no_args_is_help=True,
)


@codelists_app.command("list")
def codelists_list(as_json: bool = JSON_OPTION) -> None:
    """Every codelist: its code system, size, status (verified: taken whole from a published
    list) and source (repository, path and commit where it came from one)."""
    from openpcn.cohorts.codelists import load_codelists

    rows = [c.as_dict() for c in load_codelists().values()]
    emit(rows, as_json=as_json, draw=_print_list)


def _print_list(rows: list[dict[str, Any]]) -> None:
    shown = table(("codelist", "system", "codes", "status", "source"), right=("codes",),
                  title="Codelists", no_wrap=("codelist",))  # fmt: skip
    for row in rows:
        where = (
            f"{row['repository']}:{row['path']}@{str(row['commit'])[:7]}"
            if row["repository"]
            else ""
        )
        shown.add_row(row["name"], row["system"], f"{row['codes']:,}", row["status"],
                      f"{row['source']}" + (f"\n{where}" if where else ""))  # fmt: skip
    out.print(shown)


@codelists_app.command("show")
def codelists_show(
    name: str = typer.Argument(..., help="the codelist's name, as `codelists list` prints it"),
    as_json: bool = JSON_OPTION,
) -> None:
    """One codelist: where it came from, what was checked, and every code with its term."""
    import csv

    from openpcn.cohorts.codelists import default_folder, load_codelists

    found = load_codelists()
    if name not in found:
        raise InputError(
            f"no codelist called {name!r}", fix=f"use one of: {', '.join(sorted(found))}"
        )
    codelist = found[name]
    with (default_folder() / codelist.file).open(encoding="utf-8-sig") as handle:
        terms = {
            row["code"].strip(): (row.get("term") or "").strip() for row in csv.DictReader(handle)
        }
    result = codelist.as_dict() | {
        "codes": [{"code": code, "term": terms.get(code, "")} for code in codelist.codes]
    }
    emit(result, as_json=as_json, draw=_print_one)


def _print_one(result: dict[str, Any]) -> None:
    for key in ("name", "title", "system", "status", "source", "repository", "path", "commit",
                "verified"):  # fmt: skip
        if result.get(key):
            out.print(f"[bold]{key}[/]: {result[key]}", highlight=False)
    codes = table(("code", "term"), title=f"{len(result['codes']):,} codes")
    for row in result["codes"]:
        codes.add_row(row["code"], row["term"])
    out.print(codes)


@codelists_app.command("check")
def codelists_check(as_json: bool = JSON_OPTION) -> None:
    """Check every code of every codelist (SNOMED CT and dm+d: a concept id with the right
    Verhoeff check digit; BNF: a code or prefix of the BNF's form) and that each list names
    its source. Exits 1 when anything is wrong, listing each problem's file, row and code."""
    from openpcn.cohorts.codelists import check_codelists

    problems = check_codelists()
    emit(problems, as_json=as_json, draw=_print_problems)
    if problems:
        raise typer.Exit(1)


def _print_problems(problems: list[dict[str, Any]]) -> None:
    if not problems:
        out.print("Every code of every codelist is well formed, and every list names its source.")
        return
    shown = table(("codelist", "file", "row", "code", "problem"), title=f"{len(problems)} problems")
    for p in problems:
        shown.add_row(str(p["codelist"]), str(p["file"]), str(p["row"] or ""), str(p["code"] or ""),
                      str(p["problem"]))  # fmt: skip
    out.print(shown)
