"""The data files under openpcn/data/synth: prevalence, codes, medicines and rates, with sources."""

from __future__ import annotations

import io
import tomllib
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
def rates() -> dict[str, Any]:
    """rates.toml: every rate and share the generators use."""
    return tomllib.loads(_text("rates.toml"))


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
