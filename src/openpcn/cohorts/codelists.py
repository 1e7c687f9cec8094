"""Codelists as data: OpenCodelists CSV files (`code,term`) named in a TOML registry.

Every `*.toml` file in the codelists folder is a registry (`codelists.toml`; C2's eFI lists
live in `efi-*.toml`): one `[name]` table per list with its file, code system, title, source
and what was verified. Everything is checked when loaded, so a bad list fails before a query
runs.
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from openpcn.exceptions import InputError

SYSTEMS = ("snomedct", "dmd", "bnf", "local")
REQUIRED_KEYS = ("file", "system", "title", "source", "verified")
#: where a list was taken from (a public repository's file at a commit) and whether it was
#: taken whole from a published list ("verified") or assembled by hand ("unverified")
PROVENANCE_KEYS = ("repository", "path", "commit", "status")
STATUSES = ("verified", "unverified")
#: a SNOMED CT concept id's partition identifier (the two digits before the check digit):
#: 00 for an international concept, 10 for a concept in an extension (the UK's)
CONCEPT_PARTITIONS = ("00", "10")
#: a BNF code or prefix: chapter, section, paragraph (digits), sub-paragraph, then chemical,
#: product, strength and equivalent (two letters or digits each), at most 15 characters
_BNF = re.compile(
    r"^\d{2}(\d{2}(\d{2}(\d("  # chapter, section, paragraph, sub-paragraph
    r"[0-9A-Z]{2}([0-9A-Z]{2}([0-9A-Z]{2}([0-9A-Z]{2})?)?)?"  # chemical ... equivalent
    r")?)?)?)?$"
)
# The Verhoeff dihedral group tables (SNOMED CT check digits)
_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0),
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)


def verhoeff_valid(digits: str) -> bool:
    """True when the last digit is the Verhoeff check digit of the ones before it."""
    check = 0
    for i, digit in enumerate(reversed(digits)):
        check = _D[check][_P[i % 8][int(digit)]]
    return check == 0


def code_problem(system: str, code: str) -> str | None:
    """Why `code` is not a well-formed code of `system`, or None when it is. SNOMED CT and
    dm+d ids (dm+d concepts are SNOMED CT ids): 6-18 digits, no leading zero, a concept's
    partition and a right Verhoeff check digit. BNF: a code or prefix of the BNF's form."""
    if system in ("snomedct", "dmd"):
        if not code.isdigit() or not 6 <= len(code) <= 18 or code.startswith("0"):
            return "not a SNOMED CT identifier (6 to 18 digits, no leading zero)"
        if code[-3:-1] not in CONCEPT_PARTITIONS:
            return f"not a concept id (its partition is {code[-3:-1]}, not 00 or 10)"
        if not verhoeff_valid(code):
            return "not a SNOMED CT identifier (its check digit is wrong)"
        return None
    if system == "bnf" and not _BNF.match(code):
        return "not a BNF code or prefix (e.g. 0212000B0 for a chemical, 0212 for a section)"
    return None


@dataclass(frozen=True)
class Codelist:
    """One list: `codes` are exact codes, or BNF prefixes when `system` is bnf."""

    name: str
    system: str
    title: str
    source: str
    verified: str
    file: str
    codes: tuple[str, ...]
    repository: str = ""  # owner/name of the public repository the list was taken from
    path: str = ""  # the file in it
    commit: str = ""  # the commit read
    status: str = "unverified"  # verified: taken whole from a published list

    def as_dict(self) -> dict[str, object]:
        """JSON-ready: everything but the codes, and their number."""
        return {
            "name": self.name,
            "system": self.system,
            "title": self.title,
            "codes": len(self.codes),
            "status": self.status,
            "source": self.source,
            "repository": self.repository,
            "path": self.path,
            "commit": self.commit,
            "verified": self.verified,
            "file": self.file,
        }

    @property
    def on_medicines(self) -> bool:
        """True when the list matches prescriptions (dm+d or BNF) rather than coded events."""
        return self.system in ("dmd", "bnf")


def default_folder() -> Path:
    return Path(str(resources.files("openpcn.data").joinpath("codelists")))


def load_codelists(folder: Path | None = None) -> dict[str, Codelist]:
    """Every registered codelist, validated: missing file, unknown system, empty list or
    duplicate code raise InputError naming the file and the fix."""
    folder = folder or default_folder()
    registries = sorted(folder.glob("*.toml"))
    if not registries:
        raise InputError(
            "no codelist registry found",
            file=str(folder),
            fix="add a codelists.toml that names each codelist CSV file",
        )
    found: dict[str, Codelist] = {}
    for registry in registries:
        try:
            entries = tomllib.loads(registry.read_text("utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise InputError(
                f"not valid TOML: {exc}", file=registry.name, fix="correct the TOML syntax"
            ) from exc
        for name, entry in entries.items():
            if name in found:
                raise InputError(
                    f"codelist {name!r} is registered twice",
                    file=registry.name,
                    fix="give each codelist one entry in one registry",
                )
            found[name] = _entry(folder, registry.name, name, entry)
    return found


def _entry(folder: Path, registry: str, name: str, entry: object) -> Codelist:
    if not isinstance(entry, dict):
        raise InputError(
            f"{name!r} is not a table", file=registry, fix=f"write it as [{name}] with its keys"
        )
    missing = [key for key in REQUIRED_KEYS if not str(entry.get(key, "")).strip()]
    if missing:
        raise InputError(
            f"codelist {name!r} lacks {', '.join(missing)}",
            file=registry,
            column=missing[0],
            fix=f"give every codelist these keys: {', '.join(REQUIRED_KEYS)}",
        )
    system = str(entry["system"])
    if system not in SYSTEMS:
        raise InputError(
            f"codelist {name!r} has unknown code system {system!r}",
            file=registry,
            column="system",
            fix=f"use one of {', '.join(SYSTEMS)}",
        )
    path = folder / str(entry["file"])
    if not path.is_file():
        raise InputError(
            f"codelist {name!r} names a file that does not exist",
            file=str(path),
            fix=f"add the CSV file or correct `file` under [{name}] in {registry}",
        )
    status = str(entry.get("status", "unverified"))
    if status not in STATUSES:
        raise InputError(
            f"codelist {name!r} has unknown status {status!r}",
            file=registry,
            column="status",
            fix=f"use one of {', '.join(STATUSES)}",
        )
    codes = read_codes(path, system)
    return Codelist(
        name=name,
        system=system,
        title=str(entry["title"]),
        source=str(entry["source"]),
        verified=str(entry["verified"]),
        file=path.name,
        codes=codes,
        repository=str(entry.get("repository", "")),
        path=str(entry.get("path", "")),
        commit=str(entry.get("commit", "")),
        status=status,
    )


def read_codes(path: Path, system: str = "local") -> tuple[str, ...]:
    """The `code` column of an OpenCodelists CSV, checked for blanks, duplicates and (for
    SNOMED CT, dm+d and BNF) the code's form (`code_problem`)."""
    reader = csv.DictReader(io.StringIO(path.read_text("utf-8-sig")))
    if reader.fieldnames is None or "code" not in reader.fieldnames:
        raise InputError(
            "no `code` column",
            file=path.name,
            row=1,
            fix="use the OpenCodelists CSV layout: a header `code,term` then one code a line",
        )
    codes: list[str] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(reader, start=2):
        code = (row.get("code") or "").strip()
        if not code:
            raise InputError("empty code", file=path.name, row=line, column="code", fix="fill it")
        problem = code_problem(system, code)
        if problem:
            raise InputError(
                f"{code} is {problem}",
                file=path.name,
                row=line,
                column="code",
                fix="correct or remove the code (find the concept in the NHS SNOMED CT browser, "
                "dm+d or the BNF), then run `openpcn codelists check`",
            )
        if code in seen:
            raise InputError(
                f"duplicate code (first on row {seen[code]})",
                file=path.name,
                row=line,
                column="code",
                fix="list each code once",
            )
        seen[code] = line
        codes.append(code)
    if not codes:
        raise InputError("the codelist is empty", file=path.name, fix="add at least one code")
    return tuple(codes)


def check_codelists(folder: Path | None = None) -> list[dict[str, object]]:
    """Every problem of every registered list, without stopping at the first: the registry
    and file, the row, the code and what is wrong ([] when all lists load)."""
    folder = folder or default_folder()
    problems: list[dict[str, object]] = []
    for registry in sorted(folder.glob("*.toml")):
        entries = tomllib.loads(registry.read_text("utf-8"))
        for name, entry in entries.items():
            system = str(entry.get("system", "local"))
            path = folder / str(entry.get("file", ""))
            if not path.is_file():
                problems.append({"codelist": name, "file": path.name, "row": None,
                                 "code": None, "problem": "the file does not exist"})  # fmt: skip
                continue
            rows = csv.DictReader(io.StringIO(path.read_text("utf-8-sig")))
            for line, row in enumerate(rows, start=2):
                code = (row.get("code") or "").strip()
                problem = code_problem(system, code) if code else "an empty code"
                if problem:
                    problems.append({"codelist": name, "file": path.name, "row": line,
                                     "code": code, "problem": problem})  # fmt: skip
            if not str(entry.get("source", "")).strip():
                problems.append({"codelist": name, "file": registry.name, "row": None,
                                 "code": None, "problem": "no source"})  # fmt: skip
    return problems
