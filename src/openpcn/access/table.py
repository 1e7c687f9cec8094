"""The month table: one flat row per month and kind (published or recorded), for the CLI's
--csv, the web page's sortable table and its CSV download."""

from __future__ import annotations

from typing import Any

from openpcn.access.categories import categories
from openpcn.exports import csv_text


def _columns() -> list[str]:
    kinds = categories().published
    columns = ["kind", "month", "level", "appointments", "registered_patients", "per_1000"]
    columns += [f"mode_{k}" for k in kinds["mode"]]
    columns += [f"mode_{k}_pct" for k in kinds["mode"]]
    columns += [f"staff_{k}" for k in kinds["hcp_type"]]
    columns += [f"lead_{k}" for k in kinds["lead_time"]]
    columns += ["attended", "dna", "status_unknown", "dna_rate_pct"]
    return columns


COLUMNS = _columns()


def _flat(kind: str, month: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(COLUMNS)
    row |= {
        "kind": kind,
        "month": month["month"],
        "level": month.get("level"),
        "appointments": month["appointments"],
        "registered_patients": month["registered_patients"],
        "per_1000": _round(month["per_1000"]),
        "attended": month["status"]["attended"],
        "dna": month["status"]["dna"],
        "status_unknown": month["status"]["unknown"],
        "dna_rate_pct": _round(month["dna_rate_pct"]),
    }
    for key, value in month["modes"].items():
        row[f"mode_{key}"] = value
        row[f"mode_{key}_pct"] = _round(month["modes_share_pct"][key])
    for key, value in month["staff"].items():
        row[f"staff_{key}"] = value
    for key, value in (month["lead_times"] or {}).items():
        row[f"lead_{key}"] = value
    return row


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def month_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Published months then recorded months, each a flat dict of COLUMNS."""
    rows = [_flat("published", m) for m in result["published"]]
    return rows + [_flat("recorded", m) for m in result["recorded"]]


def access_csv(result: dict[str, Any]) -> str:
    """The month table as CSV (blank cells: redacted, or not in the records)."""
    return csv_text(month_rows(result), COLUMNS)
