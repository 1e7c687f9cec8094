"""General practice appointments in the last 12 months of the window, by mode, role and status.

About 5 per person-year, rising with age, conditions and for women; mode, role and status
shares from Appointments in General Practice 2019 (rates.toml [appointments]).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from openpcn.synth import parameters
from openpcn.synth.constants import YEAR, day
from openpcn.synth.population import People


@dataclass
class Appointments:
    person: np.ndarray
    when: np.ndarray
    mode: np.ndarray  # index into rates [appointments].modes
    role: np.ndarray
    status: np.ndarray


def generate(rng: np.random.Generator, people: People, conditions: np.ndarray) -> Appointments:
    a = parameters.rates()["appointments"]
    first = day(date.fromisoformat(a["window_start"]))
    start = np.maximum(people.obs_start, first)
    end = people.obs_end
    span = np.maximum(end - start, 0)
    band = np.searchsorted(np.asarray(a["age_bands"]), people.age, side="right") - 1
    rate = a["per_person_year"] * np.asarray(a["age_curve"])[band]
    rate = rate * np.where(people.male, 1.0, a["female_rr"]) * a["condition_rr"] ** conditions
    count = rng.poisson(rate * span / YEAR)
    person = np.repeat(np.arange(people.n), count)
    k = len(person)
    when = start[person] + np.floor(rng.random(k) * span[person]).astype(np.int64)
    mode = rng.choice(len(a["modes"]), size=k, p=_norm(a["mode_shares"]))
    role = rng.choice(len(a["roles"]), size=k, p=_norm(a["role_shares"]))
    status = rng.choice(len(a["statuses"]), size=k, p=_norm(a["status_shares"]))
    order = np.lexsort((when, person))
    return Appointments(person[order], when[order], mode[order], role[order], status[order])


def _norm(shares: list[float]) -> np.ndarray:
    p = np.asarray(shares, dtype=float)
    return p / p.sum()
