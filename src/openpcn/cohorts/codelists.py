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

from openpcn.exceptions import InputError

SYSTEMS = ("snomedct", "dmd", "bnf", "local")
REQUIRED_KEYS = ("file", "system", "title", "source", "verified")


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
    repository: str = ""  # provenance (optional keys): owner/name of the published list's repo,
    path: str = ""  # its path there,
    commit: str = ""  # the commit read,
    status: str = ""  # verified (taken whole from it) or unverified

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
    codes = read_codes(path)
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
        status=str(entry.get("status", "")),
    )


def read_codes(path: Path) -> tuple[str, ...]:
    """The `code` column of an OpenCodelists CSV, checked for blanks and duplicates."""
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
