"""Deaths during the window: a Gompertz hazard by age, raised by sex, frailty and care homes."""

from __future__ import annotations

import numpy as np

from openpcn.synth import parameters
from openpcn.synth.constants import END_DAY, START_DAY, YEAR
from openpcn.synth.population import People


def apply(rng: np.random.Generator, people: People, efi_cat: np.ndarray) -> None:
    """Set `people.death_day` (-1 stays alive); deaths only fall inside the observed window."""
    m = parameters.rates()["mortality"]
    mid_age = people.age_at((START_DAY + END_DAY) // 2).clip(0)
    rate = np.exp(m["a"] + m["b"] * mid_age)
    rate *= np.where(people.male, m["male_hr"], 1.0)
    rate *= np.asarray(m["efi_hr"])[efi_cat]
    rate *= np.where(people.care_home, m["care_home_hr"], 1.0)
    start = people.obs_start
    t = np.floor(rng.exponential(1.0, people.n) / rate * YEAR).astype(np.int64)
    day = start + t
    end = people.obs_end
    dies = (day < end) & (start <= END_DAY)
    people.death_day = np.where(dies, day, -1)
