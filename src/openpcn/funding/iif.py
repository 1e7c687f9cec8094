"""The Investment and Impact Fund: points achieved x GBP per point x list-size adjustment.

Achievement comes from a CSV file (indicator, points_available, achieved_fraction) until the
cohorts capability can measure indicators itself. The list-size adjustment is the PCN's
registered list over the average PCN list in England (the year's rules file); the prevalence
adjustment is NOT applied (UNCONFIRMED: no prevalence data is shipped).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpcn.exceptions import InputError
from openpcn.funding.entitlements import iif_max_amount, pennies
from openpcn.funding.rules import YearRules
from openpcn.sources.common import (
    check_required,
    check_unique,
    fail_at,
    parse_numbers,
    read_csv_text,
)

COLUMNS = ("indicator", "points_available", "achieved_fraction")


@dataclass(frozen=True)
class Achievement:
    """One indicator's points on offer and the fraction of them earned (0 to 1)."""

    indicator: str
    points_available: float
    achieved_fraction: float


def read_achievement(path: Path) -> list[Achievement]:
    """Read and check an achievement CSV; a bad row is an InputError naming row and column."""
    frame = read_csv_text(path, columns=COLUMNS)
    name = path.name
    check_required(frame, "indicator", file=name)
    check_unique(frame, ["indicator"], file=name)
    points = parse_numbers(frame, "points_available", file=name)
    fraction = parse_numbers(frame, "achieved_fraction", file=name)
    fail_at(
        fraction > 1,
        "must be at most 1",
        file=name,
        column="achieved_fraction",
        fix="write the share of the points achieved, e.g. 0.75 for 75%",
    )
    return [
        Achievement(str(i).strip(), float(p), float(f))
        for i, p, f in zip(frame["indicator"], points, fraction, strict=True)
    ]


def iif_payment(
    rules: YearRules, registered_patients: float, achievement: list[Achievement]
) -> dict[str, Any]:
    """The IIF earned: sum of points x fraction, x GBP per point x list size / average list."""
    if not rules.iif:
        raise InputError(
            f"there is no IIF in {rules.year}", fix="the IIF starts in 2020/21: pick a later year"
        )
    available = sum(Decimal(str(a.points_available)) for a in achievement)
    if available > Decimal(str(rules.iif["points"])):
        raise InputError(
            f"the file offers {available} points but {rules.year} has {rules.iif['points']:g}",
            column="points_available",
            fix="check the indicators belong to this year (or override [iif] points with --rules)",
        )
    achieved = sum(
        Decimal(str(a.points_available)) * Decimal(str(a.achieved_fraction)) for a in achievement
    )
    adjustment = Decimal(str(registered_patients)) / Decimal(str(rules.iif["average_pcn_list"]))
    return {
        "year": rules.year,
        "points_available": float(available),
        "points_achieved": float(achieved),
        "per_point": rules.iif["per_point"],
        "list_size_adjustment": float(adjustment),
        "prevalence_adjustment": None,
        "payment": pennies(iif_max_amount(rules, registered_patients, float(achieved))) / 100,
        "iif_max": pennies(iif_max_amount(rules, registered_patients)) / 100,
        "indicators": [
            {
                "indicator": a.indicator,
                "points_available": a.points_available,
                "achieved_fraction": a.achieved_fraction,
                "points_achieved": a.points_available * a.achieved_fraction,
            }
            for a in achievement
        ],
        "note": "prevalence adjustment not applied (UNCONFIRMED); "
        + str(rules.iif.get("note", "")),
    }
