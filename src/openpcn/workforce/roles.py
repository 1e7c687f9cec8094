"""The staff roles the register accepts, read from data (workforce_roles.toml + funding rules).

Kept as data so that a new ARRS role is an edit to a rules file: every ARRS role key in the
funding rules of any financial year is accepted, beside the GP, nurse and admin roles.
"""

from __future__ import annotations

import functools
import tomllib
from importlib import resources

from openpcn.funding.rules import financial_years, rules_for


@functools.cache
def _data() -> dict[str, list[str]]:
    source = resources.files("openpcn.data").joinpath("rules", "workforce_roles.toml")
    roles = tomllib.loads(source.read_text(encoding="utf-8"))["roles"]
    return {key: [str(r) for r in roles[key]] for key in ("gp", "other", "arrs")}


def gp_roles() -> frozenset[str]:
    """Roles counted as GPs by the staffing indicators."""
    return frozenset(_data()["gp"])


@functools.cache
def arrs_roles() -> frozenset[str]:
    """ARRS role keys: those of the funding rules of every year, beside the shipped list."""
    keys = set(_data()["arrs"])
    for year in financial_years():
        keys |= set(rules_for(year).roles)
    return frozenset(keys)


def known_roles() -> frozenset[str]:
    """Every role a register row may name."""
    return gp_roles() | frozenset(_data()["other"]) | arrs_roles()
