"""Who is on a practice's list: age, sex, deprivation, ethnicity, registration and frailty.

Age and sex follow England's mid-2019 structure, tilted per practice (Dorset older, rural
older, deprived younger); everyone carries a latent frailty `z` that later drives conditions,
eFI deficits, care-home residence, deaths and hospital use, so they cluster as in real records.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from openpcn.synth import parameters
from openpcn.synth.constants import END_DAY, START_DAY, YEAR


@dataclass
class People:
    """One practice's synthetic list as parallel numpy arrays (index = person)."""

    n: int
    age: np.ndarray  # exact age in years at the extract date (if alive)
    male: np.ndarray  # bool
    birth_day: np.ndarray  # days since 1970 of the first day of the birth month
    imd_decile: np.ndarray  # 1..10, 0 = unknown
    depr: np.ndarray  # deprivation position: +1 decile 1 .. -1 decile 10, 0 unknown
    ethnicity: np.ndarray  # index into ETHNICITY_GROUPS
    z: np.ndarray  # latent frailty, standard normal
    reg_day: np.ndarray
    dereg_day: np.ndarray  # -1 = still registered
    death_day: np.ndarray  # -1 = alive at the extract date
    care_home: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))

    @property
    def obs_start(self) -> np.ndarray:
        """First day the person's record is observed in the history window."""
        return np.maximum(np.maximum(self.reg_day, self.birth_day), START_DAY)

    @property
    def obs_end(self) -> np.ndarray:
        """Last day observed: death, leaving, or the extract date."""
        end = np.full(self.n, END_DAY, dtype=np.int64)
        end = np.where(self.death_day >= 0, np.minimum(end, self.death_day), end)
        return np.where(self.dereg_day >= 0, np.minimum(end, self.dereg_day), end)

    def age_at(self, days: np.ndarray | int) -> np.ndarray:
        return (np.asarray(days) - self.birth_day) / YEAR


ETHNICITY_GROUPS = [*parameters.rates()["ethnicity"]["groups"], "Unknown"]


def age_weights(rurality: str | None, imd_score: float | None) -> tuple[np.ndarray, np.ndarray]:
    """Band probabilities for a practice: England's shape with the documented tilts."""
    bands = parameters.age_sex()
    p = parameters.rates()["population"]
    mid = (bands["age_from"].to_numpy() + bands["age_to"].to_numpy() + 1) / 2
    tilt = p["dorset_tilt"] + (p["rural_tilt"] if rurality == "Rural" else 0.0)
    if imd_score is not None and not math.isnan(imd_score):
        tilt += p["imd_tilt_per_10"] * (imd_score - 20.0) / 10.0
    w = bands["persons_thousands"].to_numpy(float) * np.exp(tilt * (mid - 40.0) / 40.0)
    return w / w.sum(), bands["male_share"].to_numpy(float)


def deciles_from_scores(scores: np.ndarray) -> np.ndarray:
    """IMD 2019 score -> national decile (1 = most deprived) with the documented cut-points."""
    cuts = np.asarray(parameters.rates()["deprivation"]["cut_points"])
    return (10 - np.searchsorted(cuts, scores, side="right")).astype(np.int64)


def generate(
    rng: np.random.Generator, n: int, rurality: str | None, imd_score: float | None
) -> People:
    """Draw one practice's people (vectorised; deaths and care homes come later)."""
    rates = parameters.rates()
    bands = parameters.age_sex()
    weights, male_share = age_weights(rurality, imd_score)
    band = rng.choice(len(weights), size=n, p=weights)
    lo = bands["age_from"].to_numpy(float)[band]
    hi = bands["age_to"].to_numpy(float)[band] + 1
    age = lo + rng.random(n) * (hi - lo)
    male = rng.random(n) < male_share[band]
    birth = END_DAY - np.floor(age * YEAR).astype(np.int64)
    birth_day = _first_of_month(birth)
    age = (END_DAY - birth_day) / YEAR

    known_imd = imd_score is not None and not math.isnan(imd_score)
    if known_imd:
        spread = rates["deprivation"]["spread"]
        scores = imd_score * np.exp(rng.normal(-(spread**2) / 2, spread, n))
        decile = deciles_from_scores(scores)
        depr = (5.5 - decile) / 4.5
    else:
        decile = np.zeros(n, dtype=np.int64)
        depr = np.zeros(n)

    ethnicity = _ethnicity(rng, n, rurality, imd_score if known_imd else 20.0)
    # latent frailty: deprived people a little frailer (assumption)
    z = rng.standard_normal(n) + 0.15 * depr
    reg_day, dereg_day = _registration(rng, age, birth_day)
    return People(
        n=n,
        age=age,
        male=male,
        birth_day=birth_day,
        imd_decile=decile,
        depr=depr,
        ethnicity=ethnicity,
        z=z,
        reg_day=reg_day,
        dereg_day=dereg_day,
        death_day=np.full(n, -1, dtype=np.int64),
        care_home=np.zeros(n, dtype=bool),
    )


def _first_of_month(days: np.ndarray) -> np.ndarray:
    as_dates = days.astype("datetime64[D]").astype("datetime64[M]").astype("datetime64[D]")
    return as_dates.astype(np.int64)


def _ethnicity(rng: np.random.Generator, n: int, rurality: str | None, imd: float) -> np.ndarray:
    e = parameters.rates()["ethnicity"]
    shares = np.asarray(e["shares"], float)
    odds = 1.0
    if rurality != "Rural":
        odds *= e["urban_odds"]
    odds *= e["imd_odds_per_10"] ** ((imd - 20.0) / 10.0)
    shares = np.concatenate([shares[:1], shares[1:] * odds])
    shares = shares / shares.sum()
    group = rng.choice(len(shares), size=n, p=shares)
    unknown = rng.random(n) < e["unknown_share"]
    return np.where(unknown, len(shares), group)


def _registration(
    rng: np.random.Generator, age: np.ndarray, birth_day: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Registration before or during the window; some people leave during it."""
    r = parameters.rates()["registration"]
    n = len(age)
    born_in_window = birth_day >= START_DAY
    joined = (rng.random(n) < r["joined_in_window"]) & ~born_in_window
    window = END_DAY - START_DAY
    join_day = START_DAY + np.floor(rng.random(n) * window).astype(np.int64)
    # before the window: some time since birth (at most 30 years before the window)
    earliest = np.maximum(birth_day, START_DAY - int(30 * YEAR))
    before = earliest + np.floor(rng.random(n) * np.maximum(START_DAY - earliest, 1)).astype(
        np.int64
    )
    reg = np.where(born_in_window, birth_day + 14, np.where(joined, join_day, before))
    reg = np.minimum(reg, END_DAY)
    leave_rate = r["left_per_year"] * np.where((age >= 18) & (age < 35), 2.0, 1.0)
    t = rng.exponential(1.0 / leave_rate) * YEAR
    leave = np.maximum(reg, START_DAY) + np.floor(t).astype(np.int64)
    dereg = np.where(leave < END_DAY, leave, -1)
    return reg.astype(np.int64), dereg.astype(np.int64)
