"""The bad-input corpus (tests/data/bad and its folders), read from its manifests, and the one
definition of "refused properly" that the reader tests and the CLI tests share: the reason (the
manifest's `what`), the file, the exact row, the column and a fix, with exit code 65."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from openpcn.exceptions import InputError

BAD = Path(__file__).parent / "data" / "bad"


@dataclass(frozen=True)
class Refusal:
    """One manifest row: importing `path` must fail with `what` at `row` and `column`."""

    path: Path
    kind: str
    row: int | None
    column: str | None
    what: str
    args: tuple[str, ...] = ()

    @property
    def file(self) -> str:
        return self.path.name


def refusals(manifest: Path = BAD / "MANIFEST.csv", kind: str | None = None) -> list:
    """The manifest's rows as pytest params (id = file name), optionally of one import kind."""
    with manifest.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    cases = []
    for r in rows:
        if kind is not None and r.get("kind") != kind:
            continue
        assert r["what"].strip(), f"{manifest}: {r['file']} has no reason (`what`)"
        case = Refusal(
            path=manifest.parent / r["file"],
            kind=r.get("kind", ""),
            row=int(r["row"]) if r["row"] else None,
            column=r["column"] or None,
            what=r["what"],
            args=tuple((r.get("args") or "").split()),
        )
        cases.append(pytest.param(case, id=r["file"]))
    return cases


def assert_refused(error: InputError, case: Refusal, *, file: str | None = None) -> None:
    """A reader's InputError names the reason, the file, the exact row and column, and a fix."""
    assert isinstance(error, InputError) and error.exit_code == 65
    assert case.what in error.what, (case.what, error.what)
    where = error.where
    assert (where.file, where.row, where.column) == (file or case.file, case.row, case.column)
    assert error.fix


def assert_cli_refused(code: int, err: str, case: Refusal) -> None:
    """The command exits 65 (EX_DATAERR, as the README says) and its message, read as one line
    (Rich wraps), names the reason, the file, the row as a whole word (row 3 is not row 30),
    the column and a fix, and never a row or column the manifest does not give."""
    text = " ".join(err.split())
    assert code == 65, err
    assert "Traceback" not in err
    assert case.what in text, (case.what, text)
    assert case.file in text
    if case.row is None:
        assert not re.search(r"\brow \d", text), text
    else:
        assert re.search(rf"\brow {case.row}\b", text), (case.row, text)
    if case.column is None:
        assert "column '" not in text, text
    else:
        assert f"column '{case.column}'" in text, (case.column, text)
    assert "fix:" in text
