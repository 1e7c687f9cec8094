"""The ARRS planner: the mix of additional roles a PCN's ARR sum pays for, by mixed-integer LP.

Model (docs/workforce.md): one integer variable per plannable role, the number of 0.1 WTE
steps of new posts (posts are often part-time; 0.1 WTE is half a day a week). Each step costs
0.1 x the role's maximum reimbursement x its reimbursement rate (the most the PCN can claim)
x the part of the year planned (`year_fraction`);
existing staff are costed the same way and count against the ARR sum and the role's max_wte.
The objective is lexicographic, solved as three small MILPs with HiGHS (scipy.optimize.milp):
1. maximise the weighted FTE (the user's priorities, roles not named 0; without any, all 1),
2. among those plans, the most FTE in total, 3. among those, the most money spent (least lost).
Roles whose cap is unknown (None) cannot be costed, so they are excluded with the reason.
Every number given is checked against its range first (WEIGHTS, IN_POST, ARR_SUMS): a solver
fed 1e308 fails, and Decimal cannot quantize 1e30 WTE to the penny.
"""

from __future__ import annotations

import calendar
import math
import time
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from openpcn.exceptions import InputError, OpenPCNError
from openpcn.funding.rules import Role

STEP = 0.1  # WTE per planning step
PENNY = Decimal("0.01")
_TOL = 1e-6


@dataclass(frozen=True)
class NumberRange:
    """The range a number a user gives must fall in, said the same way by every surface
    (the API's 422, the form's min/max/step, the CLI's error)."""

    low: float
    high: float
    step: str  # the form input's step attribute
    unit: str = ""

    @property
    def words(self) -> str:
        return f"from {self.low:g} to {self.high:g}{self.unit}"

    def refusal(self, value: float) -> str | None:
        """Why `value` is refused (not a finite number in range), or None."""
        if not math.isfinite(value) or not self.low <= value <= self.high:
            return f"must be a number {self.words}"
        return None

    def check(self, value: float, what: str, fix: str = "") -> float:
        """`value`, or an InputError that says `what` and the range."""
        why = self.refusal(float(value))
        if why:
            raise InputError(f"{what} {why}", fix=fix or f"give a number {self.words}")
        return float(value)


WEIGHTS = NumberRange(0, 100, "any")  # a priority weight: only the ratios between them count
IN_POST = NumberRange(0, 50, "any", " WTE")  # staff in post in one role: far above any PCN's
ARR_SUMS = NumberRange(0, 1e9, "0.01")  # £; a PCN's ARR sum is about £1m at most


def _money(value: Decimal | float) -> float:
    return float(Decimal(str(value)).quantize(PENNY, rounding=ROUND_HALF_UP))


def _per_wte(role: Role, fraction: Decimal) -> Decimal:
    """What one WTE of the role can claim: cap x reimbursement rate x the part of the year."""
    assert role.max_reimbursement is not None
    rate = Decimal(str(role.max_reimbursement)) * Decimal(str(role.reimbursement_rate))
    return rate * fraction


def year_fraction(on: date, end: date) -> float:
    """The part of a financial year left from `on` to `end`, in months / 12 (Jul-Mar = 0.75);
    the month `on` falls in counts by its days left."""
    if on > end:
        return 0.0
    days = calendar.monthrange(on.year, on.month)[1]
    months = (end.year - on.year) * 12 + end.month - on.month + (days - on.day + 1) / days
    return min(1.0, months / 12)


def plan(
    arrs_sum: float,
    roles: dict[str, Role],
    *,
    priorities: dict[str, float] | None = None,
    existing: dict[str, float] | None = None,
    on: date | None = None,
    year_fraction: float = 1.0,
) -> dict[str, Any]:
    """Choose new FTE per eligible role within the ARR sum; JSON-ready result (see module doc).

    `on` decides eligibility (a role counts from its from_date); None plans every role given.
    `year_fraction` scales every post's cost to the part of the year it is paid for (2019/20's
    ARR sum covers July to March: 0.75), so costs match a part-year ARR sum.
    """
    started = time.perf_counter()
    if not 0 < year_fraction <= 1:
        raise InputError("the part of the year to plan must be more than 0 and at most 1", fix="")
    fraction = Decimal(str(year_fraction))
    budget = _check_budget(arrs_sum)
    existing = _check_existing(existing or {}, roles)
    weights = _check_priorities(priorities, roles)

    excluded: list[dict[str, Any]] = []
    plannable: list[Role] = []
    for role in roles.values():
        if on is not None and role.from_date > on:
            reason = f"not eligible until {role.from_date.isoformat()}"
        elif role.max_reimbursement is None:
            reason = "maximum reimbursement unknown (UNCONFIRMED): give it in your own rules file"
        else:
            plannable.append(role)
            continue
        excluded.append({"key": role.key, "label": role.label, "reason": reason})

    existing_spend = sum(
        (
            (Decimal(str(fte)) * _per_wte(roles[key], fraction)).quantize(PENNY, ROUND_HALF_UP)
            for key, fte in existing.items()
        ),
        Decimal(0),
    )
    if existing_spend > budget:
        over = existing_spend - budget
        raise InputError(
            f"plan over budget: existing staff cost £{_money(existing_spend):,.2f} a year against "
            f"an ARR sum of £{_money(budget):,.2f} (£{_money(over):,.2f} over)",
            fix="check the staff in post (FTE per role) and the year's ARR sum",
        )
    available = budget - existing_spend

    # Each role's spend is rounded half up to the penny once and the remainder is what is left,
    # so the figures reconcile; if rounding ever lifts the spend over the money, solve again
    # with that much less.
    slack = Decimal(0)
    for _ in range(3):
        steps = _solve(plannable, weights, existing, available - slack, fraction)
        mix = []
        new_spend = Decimal(0)
        for role, count in zip(plannable, steps, strict=True):
            per_wte = _per_wte(role, fraction)
            spend = (count * Decimal(str(STEP)) * per_wte).quantize(PENNY, ROUND_HALF_UP)
            new_spend += spend
            mix.append((role, round(count * STEP, 1), per_wte, spend))
        if new_spend <= available:
            break
        slack += new_spend - available
    remainder = available - new_spend
    roles_out = []
    for role, fte, per_wte, spend in mix:
        held = existing.get(role.key, 0.0)
        room = None if role.max_wte is None else role.max_wte - held - fte
        if room is not None and room < 1 - _TOL:
            fits, why = False, f"one more post would pass the cap of {role.max_wte:g} WTE"
        elif per_wte > remainder:
            fits, why = False, f"£{_money(per_wte - remainder):,.2f} more than the money left"
        else:
            fits, why = True, None
        roles_out.append(
            {
                "key": role.key,
                "label": role.label,
                "fte": fte,
                "existing_fte": held,
                "total_fte": round(held + fte, 2),
                "weight": weights.get(role.key, 1.0),
                "cost_per_wte": _money(per_wte),
                "spend": _money(spend),
                "max_wte": role.max_wte,
                "marginal_cost": _money(per_wte),
                "fits": fits,
                "why_not": why,
                "source": role.source,
                "unconfirmed": role.unconfirmed,
            }
        )
    for key, fte in existing.items():
        if key not in {r.key for r in plannable}:
            role = roles[key]
            roles_out.append(
                {
                    "key": key,
                    "label": role.label,
                    "fte": 0.0,
                    "existing_fte": fte,
                    "total_fte": fte,
                    "weight": 0.0,
                    "cost_per_wte": _money(_per_wte(role, fraction)),
                    "spend": 0.0,
                    "max_wte": role.max_wte,
                    "marginal_cost": _money(_per_wte(role, fraction)),
                    "fits": False,
                    "why_not": "not plannable (see excluded)",
                    "source": role.source,
                    "unconfirmed": role.unconfirmed,
                }
            )
    return {
        "arrs_sum": _money(budget),
        "objective": "priorities" if priorities else "total_fte",
        "step_wte": STEP,
        "on": on.isoformat() if on else None,
        "year_fraction": year_fraction,
        "existing_spend": _money(existing_spend),
        "new_spend": _money(new_spend),
        "spend": _money(existing_spend + new_spend),
        "remainder": _money(remainder),
        "new_fte": round(sum(fte for _, fte, _, _ in mix), 1),
        "total_fte": round(sum(r["total_fte"] for r in roles_out), 2),
        "roles": roles_out,
        "excluded": excluded,
        "solve_seconds": round(time.perf_counter() - started, 4),
    }


def _check_budget(arrs_sum: float) -> Decimal:
    value = float(arrs_sum)
    if ARR_SUMS.refusal(value):
        raise InputError(
            f"the ARR sum must be a sum of money from £0 to £{ARR_SUMS.high:,.0f}",
            fix="check the PCN and year",
        )
    return Decimal(str(value)).quantize(PENNY, rounding=ROUND_DOWN)


def _arrs_role(key: str, roles: dict[str, Role], what: str) -> Role:
    """The year's ARRS role `key` names; an unknown key is the user's error in `what`."""
    if key not in roles:
        raise InputError(
            f"{what} {key!r}, which is not an ARRS role this year",
            fix=f"use one of: {', '.join(roles)}",
        )
    return roles[key]


def _check_existing(existing: dict[str, float], roles: dict[str, Role]) -> dict[str, float]:
    checked = {}
    for key, fte in existing.items():
        role = _arrs_role(key, roles, "staff in post in role")
        IN_POST.check(fte, f"staff in post in role {key!r}")
        if role.max_reimbursement is None:
            raise InputError(
                f"staff in post in role {key!r} cannot be costed: its cap is unknown",
                fix="give the role's maximum reimbursement in your own rules file",
            )
        if role.max_wte is not None and fte > role.max_wte + _TOL:
            raise InputError(
                f"staff in post in role {key!r} ({fte:g} WTE) exceed its cap of "
                f"{role.max_wte:g} WTE",
                fix="reimbursement stops at the cap: enter at most the capped WTE",
            )
        if fte:
            checked[key] = float(fte)
    return checked


def _check_priorities(priorities: dict[str, float] | None, roles: dict[str, Role]) -> dict:
    if not priorities:
        return {key: 1.0 for key in roles}
    for key, weight in priorities.items():
        _arrs_role(key, roles, "priority for")
        WEIGHTS.check(weight, f"the priority of {key!r}", fix=f"e.g. ROLE=2 ({WEIGHTS.words})")
    # Roles without a priority weigh nothing first; leftover money then buys the most FTE.
    return {key: float(priorities.get(key, 0.0)) for key in roles}


def _solve(
    plannable: list[Role],
    weights: dict[str, float],
    existing: dict[str, float],
    available: Decimal,
    fraction: Decimal,
) -> list[int]:
    """Steps of STEP WTE per role: the lexicographic optimum (weighted FTE, FTE, spend)."""
    if not plannable or available <= 0:
        return [0] * len(plannable)
    pennies = float(available * 100)
    cost = np.array([float(_per_wte(r, fraction) * Decimal(str(STEP)) * 100) for r in plannable])
    upper = []
    for role, c in zip(plannable, cost, strict=True):
        affordable = np.floor(pennies / c + _TOL) if c > 0 else 10_000
        if role.max_wte is None:
            upper.append(affordable)
        else:
            room = (role.max_wte - existing.get(role.key, 0.0)) / STEP
            upper.append(min(affordable, np.floor(room + _TOL)))
    bounds = Bounds(np.zeros(len(plannable)), np.maximum(np.array(upper, dtype=float), 0))
    integrality = np.ones(len(plannable))
    constraints = [LinearConstraint(cost[np.newaxis, :], -np.inf, pennies)]
    objectives = [
        np.array([weights.get(r.key, 0.0) * STEP for r in plannable]),
        np.full(len(plannable), STEP),
        cost,
    ]
    x = np.zeros(len(plannable))
    for objective in objectives:
        result = milp(-objective, constraints=constraints, integrality=integrality, bounds=bounds)
        if result.x is None:
            raise OpenPCNError(f"the ARRS planner's solver failed: {result.message}")
        x = np.round(result.x)
        best = float(objective @ x)
        constraints.append(
            LinearConstraint(objective[np.newaxis, :], best - _TOL * max(1.0, abs(best)), np.inf)
        )
    return [int(v) for v in x]
