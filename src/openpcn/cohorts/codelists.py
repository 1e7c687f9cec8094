"""Codelists as data: OpenCodelists CSV files (`code,term`) named in a TOML registry.

Every `*.toml` file in the codelists folder is a registry (`codelists.toml`; C2's eFI lists
live in `efi-*.toml`): one `[name]` table per list with its file, code system, title, source
and what was verified. Everything is checked when loaded, so a bad list fails before a query
runs.
"""

from __future__ import annotations

import csv
import io
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from openpcn.codes import CODE_SYSTEMS as SYSTEMS
from openpcn.codes import code_problem
from openpcn.exceptions import InputError

REQUIRED_KEYS = ("file", "system", "title", "source", "verified")
LOCAL_FOLDER = "codelists"  # under OPENPCN_HOME: the lists an ICS imported
IMPORTED = "imported.toml"  # their registry there
#: where a list was taken from (a public repository's file at a commit) and whether it was
#: taken whole from a published list ("verified") or assembled by hand ("unverified")
PROVENANCE_KEYS = ("repository", "path", "commit", "status")
STATUSES = ("verified", "unverified")


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


def local_folder() -> Path:
    """Where `openpcn import codelist` keeps an ICS's own lists: OPENPCN_HOME/codelists."""
    from openpcn.config import load_settings

    return load_settings().home / LOCAL_FOLDER


def load_codelists(folder: Path | None = None) -> dict[str, Codelist]:
    """Every registered codelist, validated: missing file, unknown system, empty list,
    duplicate or malformed code raise InputError naming the file and the fix. Without a
    `folder`, the shipped lists, each replaced by the ICS's own list of the same name where
    one was imported (`local_folder`)."""
    if folder is not None:
        return _load_folder(folder)
    found = _load_folder(default_folder())
    local = local_folder()
    if local.is_dir() and any(local.glob("*.toml")):
        found |= _load_folder(local)
    return found


def _load_folder(folder: Path) -> dict[str, Codelist]:
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
