"""Hospital activity from a hazard model, and the integrated care team (ICT) referrals.

Each person's yearly rate = base x age curve x eFI hazard ratio (Clegg 2016) x conditions x
deprivation x a gamma-distributed personal frailty (so earlier admissions predict later ones).
In the ICT PCNs, high-risk older people are referred from 2018-07-01, chosen on age, frailty and
prior emergency admissions (so naive comparisons are confounded); after referral their hazards
are multiplied by the planted effects in rates.toml [ict].
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
from scipy.special import expit

from openpcn.synth import parameters
from openpcn.synth.constants import YEAR, day
from openpcn.synth.population import People

KINDS = ("ae", "emergency_admission", "elective_admission")


@dataclass
class Activity:
    person: np.ndarray  # index into People
    kind: np.ndarray  # index into KINDS
    start: np.ndarray  # days
    los: np.ndarray  # days; -1 = null (A&E, or still in hospital at the extract)
    referral_day: np.ndarray  # per person: ICT referral day, -1 = not referred


def _band(age: np.ndarray, bounds: list[int]) -> np.ndarray:
    return np.searchsorted(np.asarray(bounds), age, side="right") - 1


def _poisson(rng: np.random.Generator, rate: np.ndarray, start: np.ndarray, end: np.ndarray):
    """Events of a constant yearly rate over [start, end) per person: (person, day)."""
    span = np.maximum(end - start, 0)
    count = rng.poisson(rate * span / YEAR)
    person = np.repeat(np.arange(len(rate)), count)
    when = start[person] + np.floor(rng.random(len(person)) * span[person]).astype(np.int64)
    return person, when


def ict_pcns(pcn_codes: list[str], seed: int) -> list[str]:
    """The seeded set of PCNs running the ICT scheme (the same for a seed and PCN list)."""
    codes = sorted(set(pcn_codes))
    if not codes:
        return []
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(2**31 - 1,)))
    k = max(1, round(parameters.rates()["ict"]["pcn_share"] * len(codes)))
    return sorted(rng.choice(codes, size=k, replace=False).tolist())


def generate(
    rng: np.random.Generator,
    people: People,
    efi_cat: np.ndarray,
    conditions: np.ndarray,
    in_ict_pcn: bool,
) -> Activity:
    h = parameters.rates()["hospital"]
    ict = parameters.rates()["ict"]
    start, end = people.obs_start, people.obs_end
    mid_age = people.age_at((start + end) // 2).clip(0)
    band = _band(mid_age, h["age_bands"])
    common = np.asarray(h["efi_hr"])[efi_cat] * h["condition_rr"] ** conditions
    decile = np.where(people.imd_decile > 0, people.imd_decile, 5.5)
    common *= h["deprivation_rr"] ** (10 - decile)
    shape = h["heterogeneity_shape"]
    common *= rng.gamma(shape, 1.0 / shape, people.n)
    rate = {
        "ae": h["ae_base"] * np.asarray(h["ae_age"])[band] * common,
        "emergency_admission": h["emergency_base"] * np.asarray(h["emergency_age"])[band] * common,
        "elective_admission": h["elective_base"] * np.asarray(h["elective_age"])[band] * common,
    }
    ict_start = day(date.fromisoformat(ict["start"]))
    split = np.clip(ict_start, start, np.maximum(start, end))

    parts: list[tuple[np.ndarray, np.ndarray, int]] = []
    pre = {k: _poisson(rng, rate[k], start, split) for k in ("ae", "emergency_admission")}
    referral = np.full(people.n, -1, dtype=np.int64)
    if in_ict_pcn:
        referral = _refer(rng, people, efi_cat, pre["emergency_admission"], ict_start, ict)
    after = np.where(referral >= 0, referral, end)
    effect = {"ae": ict["ae_effect"], "emergency_admission": ict["emergency_admission_effect"]}
    for k, (person, when) in pre.items():
        parts.append((person, when, KINDS.index(k)))
        p2, w2 = _poisson(rng, rate[k], split, after)
        p3, w3 = _poisson(rng, rate[k] * effect[k], np.maximum(after, split), end)
        parts += [(p2, w2, KINDS.index(k)), (p3, w3, KINDS.index(k))]
    p, w = _poisson(rng, rate["elective_admission"], start, end)
    parts.append((p, w, KINDS.index("elective_admission")))

    person = np.concatenate([x[0] for x in parts])
    when = np.concatenate([x[1] for x in parts])
    kind = np.concatenate([np.full(len(x[0]), x[2], dtype=np.int64) for x in parts])
    los = _length_of_stay(rng, kind, (when - people.birth_day[person]) / YEAR, h)
    still_in = (los >= 0) & (when + los > end[person])
    los = np.where(still_in, -1, los)
    order = np.lexsort((when, person))
    return Activity(person[order], kind[order], when[order], los[order], referral)


def _refer(rng, people, efi_cat, prior, ict_start, ict) -> np.ndarray:
    """Referral days for the people the ICT picks: older, frailer, recently admitted."""
    person, when = prior
    recent = when >= ict_start - 365
    prior_count = np.bincount(person[recent], minlength=people.n)
    start, end = people.obs_start, people.obs_end
    age = people.age_at(ict_start)
    last = day(date.fromisoformat(ict["last_referral"]))
    eligible = (age >= ict["min_age"]) & (start <= ict_start) & (end > ict_start)
    logit = (
        ict["intercept"]
        + ict["age_per_10"] * (age - 75) / 10
        + ict["frailty"] * efi_cat
        + ict["prior_emergency"] * np.minimum(prior_count, 3)
    )
    chosen = eligible & (rng.random(people.n) < expit(logit))
    if ict["referral_within_observed_life"]:
        # the shipped population: each date falls inside the person's own observed life, so
        # people who die soon are referred early (the date depends on the future death)
        window = np.maximum(np.minimum(end, last) - ict_start, 1)
    else:
        # one window for everyone; a person who has died or left by their date is not referred
        window = np.full(people.n, max(last - ict_start, 1))
    ref = ict_start + np.floor(rng.random(people.n) * window).astype(np.int64)
    return np.where(chosen & (ref < end), ref, -1)


def _length_of_stay(rng, kind: np.ndarray, age: np.ndarray, h) -> np.ndarray:
    n = len(kind)
    mean = h["emergency_los_mean"] * np.clip(0.5 + (age - 40) / 40, 0.4, 2.0)
    emergency = 1 + rng.geometric(1.0 / np.maximum(mean, 1.01)) - 1
    emergency = np.where(rng.random(n) < h["same_day_share"], 0, emergency)
    elective = np.where(rng.random(n) < h["elective_day_case_share"], 0, rng.integers(1, 6, n))
    los = np.where(kind == 1, emergency, elective)
    return np.where(kind == 0, -1, los).astype(np.int64)
