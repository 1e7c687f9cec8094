"""The ARRS planner: the mix of additional roles a PCN's ARR sum pays for, by mixed-integer LP.

Model (docs/workforce.md): one integer variable per plannable role, the number of 0.5 WTE
steps of new posts. 0.5 WTE (two and a half days a week) is the smallest post planned: ARRS
posts are recruited as whole or half-time posts, and a 0.1 WTE post (half a day a week) is a
post no one can fill; whole posts only would leave up to one post's cost unspent. A step costs
0.5 x what one WTE can claim: the sum over the months from the planning date (or the role's own
start) to the year's end of the cap in force that month / 12, x the reimbursement rate
(`Role.cost_per_wte`; caps that rise mid-year are dated rows in the rules). Staff in post are
costed the same way and count against the money and the role's WTE limit. Each role draws on
one budget: the ARR sum, or (the 2024/25 ARRS GP) the ring-fenced GP sum.
The objective is the one a PCN would choose, lexicographic, as small MILPs (HiGHS through
scipy.optimize.milp): 1. the most weighted roles with at least 1 WTE (cover the roles wanted),
2. among those, the most weight covered, 3. then the rest of the money in proportion to the
weights (max sum of weight x log(WTE), piecewise linear: spend per role ends up proportional to
its weight, within caps and WTE limits), 4. the most FTE (unweighted roles take what the
weighted roles cannot use), 5. the most money spent (least lost). Each role's result says why it
got what it got (`why`). Every number given is checked against its range first (WEIGHTS,
IN_POST, ARR_SUMS): a solver fed 1e308 fails, and Decimal cannot quantize 1e30 WTE to the penny.
"""

from __future__ import annotations

import calendar
import math
import time
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from itertools import pairwise
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from openpcn.exceptions import InputError, OpenPCNError
from openpcn.funding.rules import Role

STEP = 0.5  # WTE per planning step: the smallest post planned (see the module doc)
COVER = 1.0  # WTE a weighted role needs before any role gets more (stage 1)
PENNY = Decimal("0.01")
_TOL = 1e-6
BUDGET_LABELS = {"arrs": "ARR sum", "gp": "ring-fenced GP sum"}


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


def _day(value: date) -> str:
    """1 Oct 2022: the way the reasons say a date."""
    return f"{value.day} {value:%b %Y}"


def year_fraction(on: date, end: date) -> float:
    """The part of a financial year left from `on` to `end`, in months / 12 (Jul-Mar = 0.75);
    the month `on` falls in counts by its days left."""
    if on > end:
        return 0.0
    days = calendar.monthrange(on.year, on.month)[1]
    months = (end.year - on.year) * 12 + end.month - on.month + (days - on.day + 1) / days
    return min(1.0, months / 12)


@dataclass(frozen=True)
class _Costing:
    """How a post is costed: by months from `on` to `end` (the rules' dated caps, London or
    not), or, without an end, as cap x rate x `fraction` (hand-made roles in tests)."""

    on: date | None
    end: date | None
    fraction: Decimal
    london: bool

    def per_wte(self, role: Role) -> Decimal:
        assert role.max_reimbursement is not None
        if self.end is not None:
            start = self.on or role.from_date
            return Decimal(str(round(role.cost_per_wte(start, self.end, self.london), 6)))
        cap = role.cap_on(role.from_date, self.london) or 0.0
        rate = Decimal(str(cap)) * Decimal(str(role.reimbursement_rate))
        return rate * self.fraction

    def late_start(self, role: Role) -> date | None:
        """The role's start when it falls after the planning date (costed from then)."""
        if self.on is not None and role.from_date > self.on:
            return role.from_date
        return None


def plan(
    arrs_sum: float,
    roles: dict[str, Role],
    *,
    priorities: dict[str, float] | None = None,
    existing: dict[str, float] | None = None,
    on: date | None = None,
    end: date | None = None,
    year_fraction: float = 1.0,
    london: bool = False,
    ringfence: float | None = None,
) -> dict[str, Any]:
    """Choose new WTE per eligible role within the ARR sum; JSON-ready result (module doc).

    With `end` (the year's last day) each post is costed by months from `on` (or the role's
    own later start) to `end` at the cap in force each month, London caps when `london`; a role
    starting after `end` is excluded. Without `end`, `on` decides eligibility (a role counts
    from its from_date) and `year_fraction` scales every post's cost (2019/20: 0.75).
    `ringfence` is the ring-fenced GP sum (roles with budget "gp"); None excludes those roles.
    """
    started = time.perf_counter()
    if not 0 < year_fraction <= 1:
        raise InputError("the part of the year to plan must be more than 0 and at most 1", fix="")
    budgets = {"arrs": _check_budget(arrs_sum)}
    if ringfence is not None:
        budgets["gp"] = _check_budget(ringfence)
    costing = _Costing(on, end, Decimal(str(year_fraction)), london)
    existing = _check_existing(existing or {}, roles)
    weights = _check_priorities(priorities, roles)

    excluded: list[dict[str, Any]] = []
    plannable: list[Role] = []
    for role in roles.values():
        last = end if end is not None else on
        if last is not None and role.from_date > last:
            reason = f"not eligible until {role.from_date.isoformat()}"
        elif role.max_reimbursement is None:
            reason = "maximum reimbursement unknown (UNCONFIRMED): give it in your own rules file"
        elif role.budget not in budgets:
            reason = f"paid only from the {BUDGET_LABELS.get(role.budget, role.budget)}: none given"
        else:
            plannable.append(role)
            continue
        excluded.append({"key": role.key, "label": role.label, "reason": reason})

    per_wte = {r.key: costing.per_wte(r) for r in plannable}
    existing_spend = {key: Decimal(0) for key in budgets}
    for key, fte in existing.items():
        role = roles[key]
        cost = per_wte[key] if key in per_wte else costing.per_wte(role)
        budget = role.budget if role.budget in budgets else "arrs"
        existing_spend[budget] += (Decimal(str(fte)) * cost).quantize(PENNY, ROUND_HALF_UP)
    for key, money in budgets.items():
        if existing_spend[key] > money:
            over = existing_spend[key] - money
            raise InputError(
                f"plan over budget: existing staff cost £{_money(existing_spend[key]):,.2f} a "
                f"year against the {BUDGET_LABELS[key]} of £{_money(money):,.2f} "
                f"(£{_money(over):,.2f} over)",
                fix="check the staff in post (FTE per role) and the year's ARR sum",
            )
    available = {key: budgets[key] - existing_spend[key] for key in budgets}

    # Each role's spend is rounded half up to the penny once and the remainder is what is left,
    # so the figures reconcile; if rounding ever lifts a spend over its money, solve again
    # with that much less.
    slack = {key: Decimal(0) for key in budgets}
    for _ in range(3):
        steps = _solve(
            plannable,
            weights,
            existing,
            {k: available[k] - slack[k] for k in budgets},
            per_wte,
            roles,
        )
        spends = {r.key: (n * Decimal(str(STEP)) * per_wte[r.key]).quantize(PENNY, ROUND_HALF_UP)
                  for r, n in zip(plannable, steps, strict=True)}  # fmt: skip
        new_spend = {key: Decimal(0) for key in budgets}
        for role in plannable:
            new_spend[role.budget] += spends[role.key]
        over = {k: new_spend[k] - available[k] for k in budgets if new_spend[k] > available[k]}
        if not over:
            break
        for key, amount in over.items():
            slack[key] += amount
    remainder = {key: available[key] - new_spend[key] for key in budgets}
    fte = {r.key: round(n * STEP, 1) for r, n in zip(plannable, steps, strict=True)}
    roles_out = [
        _role_out(r, fte, existing, weights, per_wte, spends, remainder, roles, costing, priorities)
        for r in plannable
    ]
    for key, held in existing.items():
        if key not in fte:
            role = roles[key]
            roles_out.append(
                _row(role, 0.0, held, 0.0, costing.per_wte(role), Decimal(0), False,
                     "not plannable (see excluded)", "not plannable (see excluded)")
            )  # fmt: skip
    total_existing = sum(existing_spend.values(), Decimal(0))
    total_new = sum(new_spend.values(), Decimal(0))
    return {
        "arrs_sum": _money(budgets["arrs"]),
        "ringfence": _money(budgets["gp"]) if "gp" in budgets else None,
        "budgets": [
            {
                "key": key,
                "label": BUDGET_LABELS[key],
                "sum": _money(budgets[key]),
                "existing_spend": _money(existing_spend[key]),
                "new_spend": _money(new_spend[key]),
                "remainder": _money(remainder[key]),
            }
            for key in budgets
        ],
        "objective": "priorities" if priorities else "balanced",
        "step_wte": STEP,
        "on": on.isoformat() if on else None,
        "london": london,
        "year_fraction": _fraction(on, end, year_fraction),
        "existing_spend": _money(total_existing),
        "new_spend": _money(total_new),
        "spend": _money(total_existing + total_new),
        "remainder": _money(sum(remainder.values(), Decimal(0))),
        "new_fte": round(sum(fte.values()), 1),
        "total_fte": round(sum(r["total_fte"] for r in roles_out), 2),
        "roles": roles_out,
        "excluded": excluded,
        "solve_seconds": round(time.perf_counter() - started, 4),
    }


def _fraction(on: date | None, end: date | None, given: float) -> float:
    if on is not None and end is not None:
        return round(year_fraction(on, end), 4)
    return given


def _limit(role: Role, roles: dict[str, Role]) -> tuple[float | None, list[str]]:
    """The WTE limit that binds the role and the roles that share it (the role itself first)."""
    if role.shares_limit_with and role.shares_limit_with in roles:
        lead = roles[role.shares_limit_with]
        return lead.max_wte, [role.key, lead.key]
    sharers = [r.key for r in roles.values() if r.shares_limit_with == role.key]
    return role.max_wte, [role.key, *sharers]


def _role_out(
    role: Role,
    fte: dict[str, float],
    existing: dict[str, float],
    weights: dict[str, float],
    per_wte: dict[str, Decimal],
    spends: dict[str, Decimal],
    remainder: dict[str, Decimal],
    roles: dict[str, Role],
    costing: _Costing,
    priorities: dict[str, float] | None,
) -> dict[str, Any]:
    """One role's row, with why it got what it got."""
    held = existing.get(role.key, 0.0)
    limit, group = _limit(role, roles)
    used = sum(fte.get(k, 0.0) + existing.get(k, 0.0) for k in group)
    step_cost = per_wte[role.key] * Decimal(str(STEP))
    money_left = remainder[role.budget]
    weight = weights.get(role.key, 0.0)
    if limit is not None and limit - used < STEP - _TOL:
        shared = (
            f", shared with {', '.join(roles[k].label for k in group[1:])}" if group[1:] else ""
        )
        why = f"at its WTE limit ({limit:g} WTE{shared})"
        fits, why_not = False, f"one more post would pass the cap of {limit:g} WTE"
    elif step_cost > money_left:
        short = _money(step_cost - money_left)
        why = f"{BUDGET_LABELS[role.budget]} spent (the next {STEP:g} WTE is £{short:,.2f} short)"
        fits, why_not = False, f"£{short:,.2f} more than the money left"
    elif priorities and weight == 0:
        why, fits, why_not = "not weighted", True, None
    else:
        why = "balanced against the other weighted roles"
        fits, why_not = True, None
    if priorities and weight == 0 and fte[role.key] == 0 and not why.startswith("at its"):
        why = "not weighted"
    elif priorities and weight == 0:
        why = f"not weighted: took money the weighted roles could not use; {why}"
    late = costing.late_start(role)
    if late is not None and costing.end is not None:
        months = year_fraction(late, costing.end) * 12
        why = f"not eligible until {_day(late)} (costed for {months:g} months); {why}"
    return _row(role, fte[role.key], held, weight, per_wte[role.key], spends[role.key], fits,
                why_not, why)  # fmt: skip


def _row(
    role: Role,
    fte: float,
    held: float,
    weight: float,
    per_wte: Decimal,
    spend: Decimal,
    fits: bool,
    why_not: str | None,
    why: str,
) -> dict[str, Any]:
    return {
        "key": role.key,
        "label": role.label,
        "fte": fte,
        "existing_fte": held,
        "total_fte": round(held + fte, 2),
        "weight": weight,
        "cost_per_wte": _money(per_wte),
        "spend": _money(spend),
        "max_wte": role.max_wte,
        "marginal_cost": _money(per_wte * Decimal(str(STEP))),
        "budget": role.budget,
        "fits": fits,
        "why_not": why_not,
        "why": why,
        "source": role.source,
        "unconfirmed": role.unconfirmed,
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


def _segments(upper: int) -> list[int]:
    """Breakpoints (in steps) of the piecewise-linear log: every step up to 20, then growing
    by a quarter, so that a large ARR sum needs tens of segments, not thousands."""
    points, k = [0], 1
    while k < upper:
        points.append(k)
        k = k + 1 if k < 20 else max(k + 1, int(k * 1.25))
    points.append(upper)
    return points


def _solve(
    plannable: list[Role],
    weights: dict[str, float],
    existing: dict[str, float],
    available: dict[str, Decimal],
    per_wte: dict[str, Decimal],
    roles: dict[str, Role],
) -> list[int]:
    """Steps of STEP WTE per role: the lexicographic optimum (see the module doc)."""
    n = len(plannable)
    if not n:
        return []
    index = {r.key: i for i, r in enumerate(plannable)}
    cost = np.array([float(per_wte[r.key] * Decimal(str(STEP)) * 100) for r in plannable])
    pennies = {k: max(0.0, float(v * 100)) for k, v in available.items()}
    upper = []
    for role, c in zip(plannable, cost, strict=True):
        affordable = np.floor(pennies[role.budget] / c + _TOL) if c > 0 else 10_000
        limit, group = _limit(role, roles)
        if limit is not None:
            room = (limit - sum(existing.get(k, 0.0) for k in group)) / STEP
            affordable = min(affordable, np.floor(room + _TOL))
        upper.append(max(0, int(affordable)))
    weighted = [i for i, r in enumerate(plannable) if weights.get(r.key, 0.0) > 0]
    segs = {i: _segments(upper[i]) for i in weighted if upper[i] > 0}
    n_y = len(weighted)
    seg_cols = [(i, a, b) for i, pts in segs.items() for a, b in pairwise(pts)]
    size = n + n_y + len(seg_cols)

    def row(entries: dict[int, float]) -> np.ndarray:
        out = np.zeros(size)
        for col, value in entries.items():
            out[col] += value
        return out

    rows, lows, highs = [], [], []
    for budget in pennies:
        rows.append(row({i: cost[i] for i, r in enumerate(plannable) if r.budget == budget}))
        lows.append(-np.inf)
        highs.append(pennies[budget])
    done: set[str] = set()
    for role in plannable:  # a limit two roles share (advanced practitioners and ACP nurses)
        limit, group = _limit(role, roles)
        inside = [k for k in group if k in index]
        if limit is not None and len(inside) > 1 and group[-1] not in done:
            done.add(group[-1])
            room = (limit - sum(existing.get(k, 0.0) for k in group)) / STEP
            rows.append(row({index[k]: 1.0 for k in inside}))
            lows.append(-np.inf)
            highs.append(np.floor(room + _TOL))
    y_upper = []
    for j, i in enumerate(weighted):  # y = 1 only when the role holds COVER WTE (or its limit)
        role = plannable[i]
        limit, _ = _limit(role, roles)
        target = min(COVER, limit) if limit is not None else COVER
        need = max(0.0, target - existing.get(role.key, 0.0))
        rows.append(row({i: STEP, n + j: -need}))
        lows.append(0.0)
        highs.append(np.inf)
        y_upper.append(1.0 if need <= STEP * upper[i] + _TOL else 0.0)
    for i, _pts in segs.items():  # x = the sum of its segments
        entries = {i: 1.0}
        for c, (owner, _a, _b) in enumerate(seg_cols):
            if owner == i:
                entries[n + n_y + c] = -1.0
        rows.append(row(entries))
        lows.append(0.0)
        highs.append(0.0)
    lower = np.zeros(size)
    top = np.concatenate(
        [np.array(upper, dtype=float), np.array(y_upper), [b - a for _, a, b in seg_cols]]
    )
    integrality = np.concatenate([np.ones(n + n_y), np.zeros(len(seg_cols))])
    bounds = Bounds(lower, top)
    constraints = [LinearConstraint(np.array(rows), lows, highs)]

    def log_value(i: int, steps: float) -> float:
        wte = existing.get(plannable[i].key, 0.0) + steps * STEP
        return math.log(wte + STEP)

    fair = np.zeros(size)
    for c, (i, a, b) in enumerate(seg_cols):
        w = weights[plannable[i].key]
        fair[n + n_y + c] = w * (log_value(i, b) - log_value(i, a)) / (b - a)
    objectives = [
        row({n + j: 1.0 for j in range(n_y)}),
        row({n + j: weights[plannable[i].key] for j, i in enumerate(weighted)}),
        fair,
        row(dict.fromkeys(range(n), STEP)),
        row({i: cost[i] / 100 for i in range(n)}),
    ]
    x = np.zeros(size)
    for objective in objectives:
        if not objective.any():
            continue
        result = milp(-objective, constraints=constraints, integrality=integrality, bounds=bounds)
        if result.x is None:
            raise OpenPCNError(f"the ARRS planner's solver failed: {result.message}")
        x = result.x
        best = float(objective @ x)
        constraints.append(
            LinearConstraint(objective[np.newaxis, :], best - _TOL * max(1.0, abs(best)), np.inf)
        )
    return [round(float(v)) for v in x[:n]]
