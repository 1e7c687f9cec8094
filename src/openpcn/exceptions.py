"""One exception hierarchy for OpenPCN.

`UserError` and its children are shown to people without a traceback: they say what was wrong,
where (file, row, column) and how to fix it. Each maps to a CLI exit code and an HTTP status.
Messages must never contain patient-level values: name the row and column, not the content.
"""

from __future__ import annotations

from dataclasses import dataclass


class OpenPCNError(Exception):
    """Base of every error OpenPCN raises on purpose."""

    exit_code = 1
    http_status = 500


@dataclass(frozen=True)
class Location:
    """Where in an input the problem is; every part is optional."""

    file: str | None = None
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file)
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column!r}")
        return ", ".join(parts)


class UserError(OpenPCNError):
    """A problem the user can fix; shown as 'what / where / fix', never as a traceback."""

    exit_code = 2
    http_status = 400

    def __init__(
        self,
        what: str,
        *,
        fix: str | None = None,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.what = what
        self.fix = fix
        self.where = Location(file=file, row=row, column=column)
        super().__init__(self.message)

    @property
    def message(self) -> str:
        text = self.what
        where = str(self.where)
        if where:
            text = f"{where}: {text}"
        if self.fix:
            text = f"{text}\n  fix: {self.fix}"
        return text

    def as_dict(self) -> dict[str, object]:
        """Problem details (RFC 9457 style) for JSON output."""
        return {
            "title": type(self).__name__,
            "status": self.http_status,
            "detail": self.what,
            "fix": self.fix,
            "file": self.where.file,
            "row": self.where.row,
            "column": self.where.column,
        }


class InputError(UserError):
    """An input file or extract is malformed: wrong layout, type, code or reference."""

    exit_code = 65  # EX_DATAERR
    http_status = 422


class NotFoundError(UserError):
    """A code, table or file that was asked for does not exist."""

    exit_code = 66  # EX_NOINPUT
    http_status = 404


class ConfigError(UserError):
    """Configuration or environment is wrong: a bad setting, no warehouse, no engine."""

    exit_code = 78  # EX_CONFIG
    http_status = 500


class StoreError(OpenPCNError):
    """The warehouse failed underneath us; the original error is chained with `from`."""

    exit_code = 74  # EX_IOERR
