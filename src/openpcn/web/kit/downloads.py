"""Answers that download as a file: the `Content-Disposition` response, and CSV built on it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from fastapi.responses import Response

from openpcn.exports import csv_text

CSV = "text/csv; charset=utf-8"


def download(content: bytes | str, media_type: str, filename: str) -> Response:
    """`content` as an attachment the browser saves under `filename`."""
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def csv_response(
    rows: Iterable[Mapping[str, Any]], columns: tuple[str, ...], filename: str
) -> Response:
    """The rows as a CSV download, in the columns given (see `openpcn.exports.csv_text`)."""
    return download(csv_text(rows, columns), CSV, filename)
