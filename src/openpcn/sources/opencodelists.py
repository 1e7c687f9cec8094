"""A codelist downloaded from OpenCodelists (opencodelists.org), in any of its CSV layouts, read
whole or not at all.

The layouts seen in downloads: `code,term` (the usual), `id,name` (older lists), dm+d lists
`dmd_type,dmd_id,dmd_name,bnf_code`, and exports naming the column `snomedcode` or `conceptid`.
The code column is the first of CODE_COLUMNS the header holds, the term the first of
TERM_COLUMNS (optional). Every code is checked for its system's form
(`openpcn.codes.code_problem`: SNOMED CT and dm+d check digits, BNF codes); a bad
row names the file, the row, the column and the fix.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from openpcn.codes import CODE_SYSTEMS, code_problem
from openpcn.exceptions import InputError

CODE_COLUMNS = ("code", "dmd_id", "snomedcode", "conceptid", "concept_id", "id")
TERM_COLUMNS = ("term", "dmd_name", "name", "description")


@dataclass(frozen=True)
class Downloaded:
    """The codes of a downloaded list, in file order, with their terms."""

    codes: tuple[tuple[str, str], ...]
    code_column: str
    system: str


def read_opencodelists(path: Path, system: str | None = None) -> Downloaded:
    """The list in `path`; `system` (snomedct, dmd, bnf, local) defaults to dmd for a dm+d
    download (a `dmd_id` column) and snomedct otherwise."""
    name = path.name
    if not path.is_file():
        raise InputError("file not found", file=str(path), fix="check the path")
    try:
        text = path.read_text("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(
            "not UTF-8 text", file=name, fix="save the download as CSV (UTF-8)"
        ) from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    code_column = next((c for c in CODE_COLUMNS if c in header), None)
    if code_column is None:
        raise InputError(
            "no code column",
            file=name,
            row=1,
            fix=f"download the list as CSV from OpenCodelists: its header names one of "
            f"{', '.join(CODE_COLUMNS)}",
        )
    term_column = next((c for c in TERM_COLUMNS if c in header), None)
    chosen = system or ("dmd" if code_column == "dmd_id" else "snomedct")
    if chosen not in CODE_SYSTEMS:
        raise InputError(
            f"unknown code system {chosen!r}", fix=f"use one of {', '.join(CODE_SYSTEMS)}"
        )
    original = {h.strip().lower(): h for h in reader.fieldnames or []}
    codes: list[tuple[str, str]] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(reader, start=2):
        code = (row.get(original[code_column]) or "").strip()
        term = (row.get(original[term_column]) or "").strip() if term_column else ""
        where = {"file": name, "row": line, "column": original[code_column]}
        if not code:
            raise InputError("empty code", **where, fix="fill it or delete the row")
        problem = code_problem(chosen, code)
        if problem:
            raise InputError(
                f"{code} is {problem}",
                **where,
                fix="correct the code, or give the list's code system with --system",
            )
        if code in seen:
            continue  # dm+d downloads list a code once per product type: keep the first
        seen[code] = line
        codes.append((code, term))
    if not codes:
        raise InputError("the list has no codes", file=name, fix="download a list with codes")
    return Downloaded(tuple(codes), original[code_column], chosen)
