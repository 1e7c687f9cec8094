"""General practice appointments, April 2019 to March 2020, month by month as Dorset's were.

Each month's appointments per person are NHS Dorset CCG's (Appointments in General Practice,
targets/appointments_dorset.csv: the month's count over the 11J list), spread over a practice's
people by relative rates (age, sex, conditions; rates.toml [appointments]) divided by the
Dorset-wide mean of those rates, so an older list has more per 1,000 and the ICS has Dorset's.
Each month's mix by mode, staff role and status is that month's in the file, mapped to the
`appointments` table's categories as rates.toml [appointments] documents.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from openpcn.synth import parameters, targets
from openpcn.synth.constants import day
from openpcn.synth.population import People


@dataclass
class Appointments:
    person: np.ndarray
    when: np.ndarray
    mode: np.ndarray  # index into rates [appointments].modes
    role: np.ndarray
    status: np.ndarray


def relative_rate(people: People, conditions: np.ndarray) -> np.ndarray:
    """Each person's appointment rate relative to the Dorset list's mean (rates.toml)."""
    a = parameters.rates()["appointments"]
    band = np.searchsorted(np.asarray(a["age_bands"]), people.age, side="right") - 1
    rate = np.asarray(a["age_curve"])[band]
    rate = rate * np.where(people.male, 1.0, a["female_rr"]) * a["condition_rr"] ** conditions
    return rate / a["mean_relative_rate"]


def month_mix(row: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mode, role, status) shares of one month, in the order rates.toml [appointments] names."""
    a = parameters.rates()["appointments"]
    video, online = a["video_online_split"]
    mode = np.array(
        [
            row["mode_face_to_face"] + row["mode_home_visit"],
            row["mode_telephone"],
            row["mode_video_online"] * video,
            row["mode_video_online"] * online,
        ],
        dtype=float,
    )
    other = np.asarray(a["other_staff_shares"], dtype=float)
    role = np.concatenate(
        [[row["hcp_gp"]], row["hcp_other_practice_staff"] * other / other.sum()]
    ).astype(float)
    booked = np.array([row["status_attended"], row["status_dna"]], dtype=float)
    cancelled = a["cancelled_share"]
    status = np.concatenate([booked / booked.sum() * (1 - cancelled), [cancelled]])
    return mode / mode.sum(), role / role.sum(), status


def generate(rng: np.random.Generator, people: People, conditions: np.ndarray) -> Appointments:
    """Appointments of each month of targets/appointments_dorset.csv, with that month's mix."""
    months = targets.appointments()
    rel = relative_rate(people, conditions)
    start, end = people.obs_start, people.obs_end
    parts: list[tuple[np.ndarray, ...]] = []
    for _, row in months.iterrows():
        first = day(row["month"].date())
        last = day((row["month"] + pd.offsets.MonthEnd(0)).date())
        days = last - first + 1
        lo = np.maximum(start, first)
        span = np.maximum(np.minimum(end, last) - lo + 1, 0)
        per_person = row["appointments"] / row["list_size"]
        count = rng.poisson(per_person * rel * span / days)
        person = np.repeat(np.arange(people.n), count)
        k = len(person)
        when = lo[person] + np.floor(rng.random(k) * span[person]).astype(np.int64)
        mode_p, role_p, status_p = month_mix(row)
        parts.append(
            (
                person,
                when,
                rng.choice(len(mode_p), size=k, p=mode_p),
                rng.choice(len(role_p), size=k, p=role_p),
                rng.choice(len(status_p), size=k, p=status_p),
            )
        )
    person, when, mode, role, status = (np.concatenate(x) for x in zip(*parts, strict=True))
    order = np.lexsort((when, person))
    return Appointments(person[order], when[order], mode[order], role[order], status[order])
