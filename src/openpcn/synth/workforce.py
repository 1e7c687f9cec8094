"""Synthetic staff in post per practice and per PCN (ARRS roles), with FTE and age band.

Calibrated to GP Workforce September 2019: about 0.55 GP FTE per 1,000 patients and about 20%
of GPs aged 55+ (rates.toml [workforce]); staff ids are pseudonymous.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from openpcn.synth import parameters
from openpcn.synth.constants import YEAR, day

ROLES = ("gp", "nurse", "direct_patient_care", "admin")


def practice_staff(rng: np.random.Generator, list_size: float) -> dict[str, np.ndarray]:
    """Role, FTE, age band and start day for one practice's staff."""
    w = parameters.rates()["workforce"]
    roles, ftes, bands, starts = [], [], [], []
    for role in ROLES:
        target = list_size / 1000 * w["per_1000"][role] * rng.lognormal(0, 0.15)
        heads = max(1, round(target / w["mean_fte"][role]))
        fte = np.clip(rng.normal(w["mean_fte"][role], 0.2, heads), 0.1, 1.0)
        fte = np.round(fte * target / fte.sum(), 2).clip(0.05, 1.0)
        shares = w["gp_age_shares"] if role == "gp" else w["staff_age_shares"]
        band = rng.choice(len(shares), size=heads, p=np.asarray(shares) / sum(shares))
        roles += [role] * heads
        ftes.append(fte)
        bands.append(band)
        starts.append(day(date(2019, 9, 30)) - np.floor(rng.exponential(8, heads) * YEAR))
    return {
        "role": np.array(roles, dtype=object),
        "fte": np.concatenate(ftes),
        "age_band": np.array(w["age_bands"], dtype=object)[np.concatenate(bands)],
        "start": np.concatenate(starts).astype(np.int64),
    }


def pcn_staff(rng: np.random.Generator, pcn_list_size: float) -> dict[str, np.ndarray]:
    """ARRS 2019/20: one clinical pharmacist and one link worker (two each above 100k)."""
    w = parameters.rates()["workforce"]
    per_role = 2 if pcn_list_size > 100_000 else 1
    roles = [r for r in w["pcn_roles"] for _ in range(per_role)]
    k = len(roles)
    band = rng.choice(len(w["staff_age_shares"]), size=k, p=np.asarray(w["staff_age_shares"]))
    start = day(date(2019, 7, 1)) + rng.integers(0, 240, k)
    return {
        "role": np.array(roles, dtype=object),
        "fte": np.round(rng.uniform(0.6, 1.0, k), 2),
        "age_band": np.array(w["age_bands"], dtype=object)[band],
        "start": start.astype(np.int64),
    }
