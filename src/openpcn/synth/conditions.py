"""Long-term conditions and eFI deficits, clustered through one shared latent frailty.

Each condition's log-odds = intercept + age slope + sex + deprivation + loading x frailty; the
intercept is solved so that, on England's 2019 age-sex structure, prevalence equals the QOF
2018/19 England figure in conditions.csv. Where a practice's own 2018/19 register is published
(targets/practice_registers.csv), the intercept is shifted for that practice so its expected
register on 2019-03-31 (QOF's definition: on the list, old enough, first recorded on or before
the day) is the published rate of QOF's denominator; `match_registers` then makes the count
exact once deaths and the list are known. The age, sex, deprivation and frailty terms are kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
from scipy.optimize import brentq
from scipy.special import expit

from openpcn.synth import parameters
from openpcn.synth.constants import QOF_DAY, YEAR
from openpcn.synth.population import People
from openpcn.synth.targets import Register

ONSET_YEARS = 15  # a condition is first recorded up to this many years before the record ends

# eFI cut-points on the score (deficits / 36): fit, mild, moderate, severe (Clegg et al 2016)
EFI_CUTS = (0.12, 0.24, 0.36)
EFI_DEFICITS = 36
EFI_CATEGORIES = ("fit", "mild", "moderate", "severe")


@dataclass
class Morbidity:
    """Which conditions and deficits each person has, with the date first recorded."""

    names: list[str]  # condition names (columns of `has`)
    has: np.ndarray  # bool (n, conditions)
    onset: np.ndarray  # int days (n, conditions), meaningful where `has`
    deficit_names: list[str]  # coded deficits (columns of `deficit`)
    deficit: np.ndarray  # bool (n, deficits)  (polypharmacy excluded)
    deficit_onset: np.ndarray
    from_conditions: dict[str, list[str]]  # deficit -> the conditions that are that deficit
    chance: np.ndarray | None = None  # float32 (n, conditions): each person's drawn probability

    @property
    def count(self) -> np.ndarray:
        return self.has.sum(axis=1)

    def column(self, name: str) -> np.ndarray:
        return self.has[:, self.names.index(name)]

    def deficit_column(self, name: str) -> np.ndarray:
        return self.deficit[:, self.deficit_names.index(name)]

    def take(self, keep: np.ndarray) -> Morbidity:
        """The people at indices `keep`."""
        return Morbidity(
            self.names,
            self.has[keep],
            self.onset[keep],
            self.deficit_names,
            self.deficit[keep],
            self.deficit_onset[keep],
            self.from_conditions,
            None if self.chance is None else self.chance[keep],
        )


def efi_category(deficits: np.ndarray) -> np.ndarray:
    """0 fit, 1 mild, 2 moderate, 3 severe from a count of the 36 deficits."""
    score = np.asarray(deficits) / EFI_DEFICITS
    return np.searchsorted(np.asarray(EFI_CUTS) + 1e-9, score, side="left").astype(np.int64)


def _england_grid() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Ages, sexes, frailty nodes and weights integrating over England's mid-2019 structure."""
    bands = parameters.age_sex()
    nodes, wz = np.polynomial.hermite_e.hermegauss(15)
    wz = wz / wz.sum()
    ages, males, zs, ws = [], [], [], []
    for _, b in bands.iterrows():
        sub = b["age_from"] + (np.arange(5) + 0.5) * (b["age_to"] + 1 - b["age_from"]) / 5
        for male, share in ((True, b["male_share"]), (False, 1 - b["male_share"])):
            for a in sub:
                ages.append(np.full(len(nodes), a))
                males.append(np.full(len(nodes), male))
                zs.append(nodes)
                ws.append(b["persons_thousands"] / 5 * share * wz)
    return (np.concatenate(ages), np.concatenate(males), np.concatenate(zs), np.concatenate(ws))


@cache
def condition_intercepts() -> dict[str, float]:
    """Solve each intercept so England-structure prevalence equals the QOF figure."""
    age, male, z, w = _england_grid()
    out = {}
    for _, c in parameters.conditions().iterrows():
        eligible = age >= c["min_age"]
        denom = w[age >= c["register_min_age"]].sum()
        slope = c["age_slope"] * (age - 60) / 10 + c["male"] * male + c["frailty"] * z
        target = c["prevalence_pct"] / 100

        def gap(a: float, slope: np.ndarray = slope, eligible: np.ndarray = eligible) -> float:
            return float((w * eligible * expit(a + slope)).sum() / denom - target)  # noqa: B023

        out[c["condition"]] = brentq(gap, -30, 10)
    return out


@cache
def deficit_intercepts() -> dict[str, float]:
    """Intercepts of the non-diagnosis deficits, matching their share among people 65+."""
    age, _, z, w = _england_grid()
    old = age >= 65
    out = {}
    for _, d in parameters.deficits().dropna(subset=["prevalence_65"]).iterrows():
        slope = d["age_slope"] * (age - 75) / 10 + d["frailty"] * z

        def gap(a: float, slope: np.ndarray = slope, target: float = d["prevalence_65"]) -> float:
            return float((w * old * expit(a + slope)).sum() / w[old].sum() - target)

        out[d["deficit"]] = brentq(gap, -30, 10)
    return out


def _onset(rng: np.random.Generator, people: People, min_age: float, years: float) -> np.ndarray:
    """First-recorded date: up to `years` before the extract, never before `min_age`."""
    end = people.obs_end
    earliest = np.maximum(people.birth_day + int(min_age * YEAR), end - int(years * YEAR))
    span = np.maximum(end - earliest, 1)
    return earliest + np.floor(rng.random(people.n) * span).astype(np.int64)


def _recorded_by(people: People, min_age: float, day: int) -> np.ndarray:
    """Chance that `_onset` falls on or before `day` (before deaths are drawn)."""
    end = people.obs_end
    earliest = np.maximum(people.birth_day + int(min_age * YEAR), end - int(ONSET_YEARS * YEAR))
    span = np.maximum(end - earliest, 1)
    return np.clip((day - earliest + 1) / span, 0.0, 1.0)


def practice_shift(
    people: People, odds: np.ndarray, eligible: np.ndarray, min_age: float, target: Register
) -> float:
    """Log-odds shift making the expected register on QOF's day the published rate."""
    den = people.on_list(QOF_DAY) & (people.years_on(QOF_DAY) >= target.min_age)
    if not den.any():
        return 0.0
    weight = (_recorded_by(people, min_age, QOF_DAY) * eligible)[den]
    want = target.rate * den.sum()
    if want <= 0:
        return -30.0
    odds = odds[den]

    def gap(shift: float) -> float:
        return float((weight * expit(odds + shift)).sum() - want)

    if gap(20.0) <= 0:
        return 20.0
    return brentq(gap, -30.0, 20.0)


def generate(
    rng: np.random.Generator, people: People, registers: dict[str, Register] | None = None
) -> Morbidity:
    """Draw conditions (calibrated to `registers` where given), then the non-diagnosis deficits."""
    table = parameters.conditions()
    intercepts = condition_intercepts()
    registers = registers or {}
    age = people.age
    names = table["condition"].tolist()
    has = np.zeros((people.n, len(names)), dtype=bool)
    onset = np.zeros((people.n, len(names)), dtype=np.int64)
    chance = np.zeros((people.n, len(names)), dtype=np.float32)
    for j, c in enumerate(table.itertuples(index=False)):
        logit = (
            intercepts[c.condition]
            + c.age_slope * (age - 60) / 10
            + c.male * people.male
            + c.deprivation * people.depr
            + c.frailty * people.z
        )
        eligible = age >= c.min_age
        if c.condition in registers:
            logit = logit + practice_shift(
                people, logit, eligible, c.min_age, registers[c.condition]
            )
        p = expit(logit) * eligible
        chance[:, j] = p
        has[:, j] = rng.random(people.n) < p
        onset[:, j] = _onset(rng, people, c.min_age, ONSET_YEARS)

    deficits = parameters.deficits()
    coded = deficits[deficits["snomed_code"].notna()]
    deficit_names = coded["deficit"].tolist()
    deficit = np.zeros((people.n, len(deficit_names)), dtype=bool)
    deficit_onset = np.zeros_like(deficit, dtype=np.int64)
    d_intercepts = deficit_intercepts()
    tuning = parameters.rates()["efi"]
    by_deficit = table.dropna(subset=["efi_deficit"]).groupby("efi_deficit")["condition"]
    from_conditions = {k: list(v) for k, v in by_deficit}
    for j, d in enumerate(coded.itertuples(index=False)):
        present = np.zeros(people.n, dtype=bool)
        if d.deficit in d_intercepts:
            logit = (
                d_intercepts[d.deficit]
                + tuning["deficit_shift"]
                + d.age_slope * (age - 75) / 10
                + d.frailty * tuning["deficit_frailty_scale"] * people.z
            )
            present = (rng.random(people.n) < expit(logit)) & (age >= 18)
        deficit[:, j] = present
        deficit_onset[:, j] = _onset(rng, people, 18, 8)
    return Morbidity(
        names, has, onset, deficit_names, deficit, deficit_onset, from_conditions, chance
    )


def register_on(people: People, m: Morbidity, name: str, target: Register, day: int) -> tuple:
    """(in the register, in the denominator) on `day` by the shared register definition."""
    den = people.on_list(day) & (people.years_on(day) >= target.min_age)
    j = m.names.index(name)
    return den & m.has[:, j] & (m.onset[:, j] <= day), den


def match_registers(
    rng: np.random.Generator, people: People, m: Morbidity, registers: dict[str, Register]
) -> None:
    """Make each register on QOF's day round(published rate x denominator), in place.

    The expected count is already right; chance leaves it a few people off. First-recorded
    dates are moved across the day (a diagnosis recorded just before or just after it); only if
    that is not enough are conditions added to people drawn by their own probability.
    """
    day = QOF_DAY
    end = people.obs_end
    min_ages = parameters.conditions().set_index("condition")["min_age"]
    for name, target in registers.items():
        if name not in m.names:
            continue
        j = m.names.index(name)
        old_enough = people.birth_day + int(min_ages[name] * YEAR) <= day
        on_day, den = register_on(people, m, name, target, day)
        want = round(target.rate * den.sum())
        gap = want - int(on_day.sum())
        if gap < 0:
            pool = np.nonzero(on_day)[0]
            move = rng.choice(pool, size=-gap, replace=False)
            later = end[move] - day
            m.onset[move, j] = day + 1 + np.floor(rng.random(len(move)) * later).astype(np.int64)
        elif gap > 0:
            pool = np.nonzero(den & old_enough & m.has[:, j] & (m.onset[:, j] > day))[0]
            move = rng.choice(pool, size=min(gap, len(pool)), replace=False)
            m.onset[move, j] = _earlier(rng, people, move, min_ages[name], day)
            short = gap - len(move)
            if short > 0:
                pool = np.nonzero(den & old_enough & ~m.has[:, j])[0]
                p = m.chance[pool, j].astype(float) if m.chance is not None else None
                if p is not None and p.sum() > 0 and (p > 0).sum() >= short:
                    add = rng.choice(pool, size=short, replace=False, p=p / p.sum())
                else:
                    add = rng.choice(pool, size=min(short, len(pool)), replace=False)
                m.has[add, j] = True
                m.onset[add, j] = _earlier(rng, people, add, min_ages[name], day)


def _earlier(
    rng: np.random.Generator, people: People, who: np.ndarray, min_age: float, day: int
) -> np.ndarray:
    """First-recorded dates on or before `day`, after the person reached `min_age`."""
    earliest = np.maximum(people.birth_day[who] + int(min_age * YEAR), day - int(5 * YEAR))
    span = np.maximum(day - earliest + 1, 1)
    return earliest + np.floor(rng.random(len(who)) * span).astype(np.int64)


def deficit_counts(m: Morbidity, poly: np.ndarray) -> np.ndarray:
    """Number of the 36 eFI deficits present: coded ones, diagnoses, and polypharmacy."""
    total = np.zeros(m.has.shape[0], dtype=np.int64)
    for j, name in enumerate(m.deficit_names):
        present = m.deficit[:, j].copy()
        for cond in m.from_conditions.get(name, []):
            present |= m.column(cond)
        total += present
    return total + poly.astype(np.int64)
