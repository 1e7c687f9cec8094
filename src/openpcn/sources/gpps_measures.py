"""The GP Patient Survey measures OpenPCN knows: label, question and published columns by year.

Kept as data (data/rules/gpps_measures.toml) because question numbers move between survey years.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class Measure:
    """One survey measure: `columns` maps (first_year, last_year) to its pct and base columns."""

    key: str
    label: str
    question: str
    columns: dict[tuple[int, int], dict[str, str]]

    def columns_for(self, year: int) -> dict[str, str] | None:
        """{"pct": ..., "base": ...} for a survey year, or None when the year is not mapped."""
        for (first, last), cols in self.columns.items():
            if first <= year <= last:
                return cols
        return None


def _years(span: str) -> tuple[int, int]:
    first, _, last = span.partition("-")
    return int(first), int(last or first)


@cache
def measures() -> dict[str, Measure]:
    """Every measure in the shipped file, by key (e.g. "overall_good")."""
    text = (
        resources.files("openpcn.data").joinpath("rules", "gpps_measures.toml").read_text("utf-8")
    )
    raw = tomllib.loads(text)["measures"]
    return {
        key: Measure(
            key=key,
            label=str(m["label"]),
            question=str(m["question"]),
            columns={_years(span): dict(cols) for span, cols in m["columns"].items()},
        )
        for key, m in raw.items()
    }


def label(key: str) -> str:
    """The measure's label, or the key itself for a measure the file does not describe."""
    known = measures().get(key)
    return known.label if known else key
