"""The data files under openpcn/data/synth: prevalence, codes, medicines and rates, with sources."""

from __future__ import annotations

import io
import tomllib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from importlib import resources
from typing import Any

import pandas as pd

PACKAGE = "openpcn.data.synth"


def text(name: str) -> str:
    """A data file's text; `name` may name a sub-folder (targets/practice_ages.csv)."""
    path = resources.files(PACKAGE)
    for part in name.split("/"):
        path = path / part
    return path.read_text(encoding="utf-8")


_text = text


@cache
def table(name: str) -> pd.DataFrame:
    """A CSV data file; lines starting with '#' document its sources and are skipped."""
    return pd.read_csv(io.StringIO(_text(name)), comment="#", dtype={"snomed_code": "string"})


@cache
def shipped_rates() -> dict[str, Any]:
    """rates.toml as shipped."""
    return tomllib.loads(_text("rates.toml"))


#: changes to rates.toml in force in this thread or task (see `overridden`)
_overrides: ContextVar[Mapping[str, Mapping[str, float]] | None] = ContextVar(
    "openpcn_rate_overrides", default=None
)


def rates() -> dict[str, Any]:
    """rates.toml: every rate and share the generators use, with any `overridden` values."""
    base = shipped_rates()
    changes = _overrides.get()
    if not changes:
        return base
    return {**base, **{section: {**base[section], **keys} for section, keys in changes.items()}}


@contextmanager
def overridden(changes: Mapping[str, Mapping[str, float]]) -> Iterator[None]:
    """Build with some numbers of rates.toml changed, without editing the shipped file: e.g.
    `overridden({"ict": {"emergency_admission_effect": 1.0}})` plants a null effect for the
    evaluation's tests and bench. Only existing numeric settings may change (a typo would
    otherwise build the shipped population silently)."""
    base = shipped_rates()
    for section, keys in changes.items():
        for key, value in keys.items():
            old = base.get(section, {}).get(key) if isinstance(base.get(section), dict) else None
            if isinstance(old, bool) or not isinstance(old, int | float):
                raise KeyError(f"rates.toml has no numeric setting [{section}] {key}")
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise TypeError(f"[{section}] {key} must be a number, got {value!r}")
    token = _overrides.set({s: dict(k) for s, k in changes.items()})
    try:
        yield
    finally:
        _overrides.reset(token)


def age_sex() -> pd.DataFrame:
    return table("age_sex.csv")


def conditions() -> pd.DataFrame:
    return table("conditions.csv")


def deficits() -> pd.DataFrame:
    return table("efi_deficits.csv")


def medicines() -> pd.DataFrame:
    return pd.read_csv(
        io.StringIO(_text("medicines.csv")), comment="#", dtype={"bnf_code": str, "dmd_code": str}
    )


def codes() -> pd.DataFrame:
    return pd.read_csv(io.StringIO(_text("codes.csv")), comment="#", dtype={"code": str})


@cache
def code_mix() -> pd.DataFrame:
    """code_mix.csv: the codes each concept is written as, with the share of records each gets."""
    return pd.read_csv(
        io.StringIO(_text("code_mix.csv")),
        comment="#",
        dtype={"concept_code": str, "code": str, "share": float, "term": str},
    )
