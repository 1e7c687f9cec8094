"""The national indicators built on the cohort counts, by financial year, from
data/rules/case_finding_indicators.toml: which cohorts make each, its thresholds and source.

The lower-GI FIT indicator changed every year (CAN-01 in 2022/23, CAN-02 in 2023/24, CAN-04
from 2024/25): the same pair of cohorts counts it, each year's definition files say how, and
this table holds the code and the thresholds its status is judged against.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from openpcn.cohorts.definitions import YEARS
from openpcn.cohorts.thresholds import Bands

FILE = "case_finding_indicators.toml"


@dataclass(frozen=True)
class FitIndicator:
    """The FIT indicator of one year: numerator cohort / (numerator + rest) against thresholds."""

    year: str
    code: str
    about: str
    numerator: str
    rest: str
    lower_pct: float
    upper_pct: float
    thresholds_confirmed: bool  # False: no published source was found for them
    source: str

    @property
    def bands(self) -> Bands:
        return fit_bands(self.lower_pct, self.upper_pct)

    @property
    def thresholds(self) -> dict[str, float | bool]:
        return {
            "lower_pct": self.lower_pct,
            "upper_pct": self.upper_pct,
            "confirmed": self.thresholds_confirmed,
        }


def fit_bands(lower_pct: float, upper_pct: float) -> Bands:
    """Below, between and at or above the two thresholds (a share on a cut is in the band above)."""
    return Bands(
        (lower_pct, upper_pct),
        ("below", "between", "above"),
        (
            f"Below {lower_pct:g}%",
            f"Between {lower_pct:g}% and {upper_pct:g}%",
            f"At or above {upper_pct:g}%",
        ),
    )


@cache
def fit_indicators() -> dict[str, FitIndicator]:
    """Every year's FIT indicator, by year (one for each of YEARS: a test holds it)."""
    text = resources.files("openpcn.data").joinpath("rules", FILE).read_text("utf-8")
    rows = tomllib.loads(text)["fit"]
    found = {
        str(r["year"]): FitIndicator(
            year=str(r["year"]),
            code=str(r["code"]),
            about=str(r["about"]),
            numerator=str(r["numerator"]),
            rest=str(r["rest"]),
            lower_pct=float(r["lower_pct"]),
            upper_pct=float(r["upper_pct"]),
            thresholds_confirmed=bool(r["thresholds_confirmed"]),
            source=str(r["source"]),
        )
        for r in rows
    }
    return {year: found[year] for year in YEARS if year in found}


def fit_indicator(year: str) -> FitIndicator:
    """The FIT indicator in force in a year of YEARS."""
    return fit_indicators()[year]
