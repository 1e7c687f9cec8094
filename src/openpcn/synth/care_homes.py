"""Care-home residents and synthetic care homes sited near their practice.

Residence rises steeply with age and frailty (Census 2011 shares by age, rates.toml
[care_homes]); each practice's residents fill homes of about `mean_beds` beds at the stated
occupancy, so beds track the practice's population aged 75+. Homes are placed a short
jittered distance from the practice and aligned (EHCH) to the PCN of the nearest practice.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit, logit

from openpcn.synth import parameters
from openpcn.synth.population import People


@dataclass
class Homes:
    number: np.ndarray  # global home numbers (1, 2, ...)
    beds: np.ndarray
    lat: np.ndarray  # NaN = unknown
    lon: np.ndarray
    resident_home: np.ndarray  # per person: index into the homes above, -1 = none


def select_residents(rng: np.random.Generator, people: People) -> None:
    """Mark care-home residents: older and frailer people, at the Census shares by age."""
    shares = parameters.rates()["care_homes"]["resident_share"]
    age = people.age
    base = np.select(
        [age >= 85, age >= 75, age >= 65],
        [shares["85+"], shares["75-84"], shares["65-74"]],
        default=0.0,
    )
    # shift odds by frailty, keeping the mean roughly at the Census share
    p = expit(logit(np.clip(base, 1e-9, 1 - 1e-9)) + 1.2 * people.z - 0.7)
    people.care_home = (base > 0) & (rng.random(people.n) < p)


def site(
    rng: np.random.Generator, people: People, lat: float | None, lon: float | None, first: int
) -> Homes:
    """Homes for one practice's residents, numbered from `first`."""
    c = parameters.rates()["care_homes"]
    residents = np.nonzero(people.care_home)[0]
    total_beds = int(np.ceil(len(residents) / c["occupancy"]))
    count = 0 if len(residents) == 0 else max(1, round(total_beds / c["mean_beds"]))
    if count == 0:
        empty = np.zeros(0)
        return Homes(
            empty.astype(np.int64),
            empty.astype(np.int64),
            empty,
            empty,
            np.full(people.n, -1, dtype=np.int64),
        )
    share = rng.dirichlet(np.full(count, 4.0))
    beds = np.maximum(1, np.floor(share * total_beds).astype(np.int64))
    beds[0] += max(0, total_beds - beds.sum())
    home = np.full(people.n, -1, dtype=np.int64)
    order = rng.permutation(residents)
    slots = np.repeat(np.arange(count), beds)[: len(order)]
    home[order] = slots
    known = lat is not None and lon is not None and not (np.isnan(lat) or np.isnan(lon))
    hlat = lat + rng.normal(0, 0.02, count) if known else np.full(count, np.nan)
    hlon = lon + rng.normal(0, 0.03, count) if known else np.full(count, np.nan)
    return Homes(first + np.arange(count), beds, hlat, hlon, home)


def nearest_pcn(
    lat: np.ndarray,
    lon: np.ndarray,
    p_lat: np.ndarray,
    p_lon: np.ndarray,
    p_pcn: np.ndarray,
    fallback: str,
) -> np.ndarray:
    """PCN of the nearest practice with coordinates (equirectangular distance is enough here)."""
    ok = ~(np.isnan(p_lat) | np.isnan(p_lon))
    out = np.full(len(lat), fallback, dtype=object)
    if not ok.any():
        return out
    dy = lat[:, None] - p_lat[ok][None, :]
    dx = (lon[:, None] - p_lon[ok][None, :]) * np.cos(np.radians(50.7))
    nearest = np.argmin(dx**2 + dy**2, axis=1)
    known = ~(np.isnan(lat) | np.isnan(lon))
    out[known] = p_pcn[ok][nearest[known]]
    return out
