"""Coded events (SNOMED CT, codes.csv): diagnoses, eFI deficits, blood pressures, QRISK scores,
medication reviews, social prescribing, care plans, lower-GI referrals with FIT, bowel
screening non-response and integrated care team referrals.

The generators name each concept by one code; `EventRows.add` then writes every record as a
code drawn from the concept's mix (code_mix.csv) with `code_rng`, a stream of its own, so the
mix never changes who has what, when, or any value."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.special import expit

from openpcn.synth import parameters
from openpcn.synth.conditions import Morbidity
from openpcn.synth.constants import YEAR
from openpcn.synth.medicines import Prescribing
from openpcn.synth.population import People

SYSTOLIC = "271649006"
DIASTOLIC = "271650006"
QRISK = "718087004"
SMR = "1239511000000100"
SOCIAL_PRESCRIBING = "871731000000106"
CARE_PLAN = "734163000"
LOWER_GI_2WW = "276401000000108"
FIT = "1049361000000101"
#: stand-in for "No response to bowel cancer screening programme invitation", whose SNOMED CT id
#: was not found in a public source (see codelists.toml, openpcn-bowel-screening-non-response)
BOWEL_SCREEN_NO_RESPONSE = "384241000000100"
ICT_REFERRAL = "OPENPCN-ICT-REFERRAL"
SEVERE_FRAILTY = "925861000000102"  # NHS Digital SEVFRAIL_COD


@dataclass(frozen=True)
class CodeMix:
    """Per concept (a vocabulary index): the indices it is written as, and cumulative shares."""

    codes: dict[int, np.ndarray]
    cumulative: dict[int, np.ndarray]

    @classmethod
    def load(cls, vocabulary: list[str]) -> CodeMix:
        mix = parameters.code_mix()
        codes, cumulative = {}, {}
        for concept, rows in mix.groupby("concept_code", sort=False):
            total = rows["share"].sum()
            if not np.isclose(total, 1.0) or (rows["share"] <= 0).any():
                raise ValueError(f"code_mix.csv: the shares of {concept} must be > 0 and sum to 1")
            key = vocabulary.index(concept)
            codes[key] = np.array([vocabulary.index(c) for c in rows["code"]], dtype=np.int64)
            cumulative[key] = np.cumsum(rows["share"].to_numpy(float)) / total
        return cls(codes, cumulative)

    def draw(self, code: np.ndarray, u: np.ndarray) -> np.ndarray:
        """`code` (concept indices) with each record of a mixed concept drawn by its uniform `u`."""
        out = code.copy()
        for concept, choices in self.codes.items():
            hit = code == concept
            if hit.any():
                pick = np.searchsorted(self.cumulative[concept], u[hit], side="right")
                out[hit] = choices[np.minimum(pick, len(choices) - 1)]
        return out


@dataclass
class EventRows:
    """Columns of the events rows built so far; codes are indices into `vocabulary`.

    `add` takes the concept's code and writes a code drawn from its mix (code_mix.csv) with
    `code_rng`, which nothing else draws from; without a `code_rng` every concept keeps its code.
    """

    vocabulary: list[str]
    code_rng: np.random.Generator | None = None
    mix: CodeMix | None = None
    person: list[np.ndarray] = field(default_factory=list)
    when: list[np.ndarray] = field(default_factory=list)
    code: list[np.ndarray] = field(default_factory=list)
    value: list[np.ndarray] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.code_rng is not None and self.mix is None:
            self.mix = CodeMix.load(self.vocabulary)

    def uniforms(self, n: int) -> np.ndarray | None:
        """Draws for `n` records' codes (shared by readings written in pairs)."""
        return None if self.code_rng is None else self.code_rng.random(n)

    def add(self, person, when, code: str | np.ndarray, value=None, draw=None) -> None:
        person = np.asarray(person, dtype=np.int64)
        n = len(person)
        if isinstance(code, str):
            code = np.full(n, self.vocabulary.index(code), dtype=np.int64)
        code = np.asarray(code, dtype=np.int64)
        if self.mix is not None:
            u = self.uniforms(n) if draw is None else draw
            code = self.mix.draw(code, u)
        self.person.append(person)
        self.when.append(np.asarray(when, dtype=np.int64))
        self.code.append(code)
        self.value.append(np.full(n, np.nan) if value is None else np.asarray(value, float))

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        return tuple(np.concatenate(x) for x in (self.person, self.when, self.code, self.value))


def vocabulary() -> list[str]:
    return parameters.codes()["code"].tolist()


def _uniform_days(rng, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    span = np.maximum(end - start, 1)
    return start + np.floor(rng.random(len(start)) * span).astype(np.int64)


def generate(
    rng: np.random.Generator,
    people: People,
    m: Morbidity,
    rx: Prescribing,
    referral_day: np.ndarray,
    code_rng: np.random.Generator | None = None,
) -> EventRows:
    """Every coded event; `code_rng` draws the written codes from code_mix.csv (None: one each)."""
    r = parameters.rates()["events"]
    rows = EventRows(vocabulary(), code_rng)
    start, end = people.obs_start, people.obs_end
    age = people.age
    n = people.n

    # diagnoses and coded deficits: dated when first recorded (never after the record ends)
    cond_codes = parameters.conditions()["snomed_code"].tolist()
    idx = np.array([rows.vocabulary.index(c) for c in cond_codes])
    i, j = np.nonzero(m.has)
    rows.add(i, np.minimum(m.onset[i, j], end[i]), idx[j])
    coded = parameters.deficits().dropna(subset=["snomed_code"])
    memory = m.deficit_names.index("memory_cognitive_problems")
    deficit_codes = coded["snomed_code"].tolist()
    deficit_codes[memory] = "386807006"  # memory impairment without a dementia diagnosis
    idx = np.array([rows.vocabulary.index(c) for c in deficit_codes])
    i, j = np.nonzero(m.deficit)
    rows.add(i, np.minimum(m.deficit_onset[i, j], end[i]), idx[j])

    _blood_pressure(rng, rows, people, m, r)
    _qrisk(rng, rows, people, m, r)

    # structured medication reviews: 65+ on 5+ repeats, more often in care homes
    p_smr = np.where(people.care_home, 0.35, r["smr_share_65"])
    smr = (age >= 65) & (rx.repeat_count >= 5) & (rng.random(n) < p_smr)
    recent = np.maximum(start, end - int(2 * YEAR))
    rows.add(np.nonzero(smr)[0], _uniform_days(rng, recent, end)[smr], SMR)

    # social prescribing: adults, more with depression or living alone
    boost = 1 + 2 * m.column("depression") + 2 * m.deficit_column("social_vulnerability")
    sp = (age >= 18) & (rng.random(n) < r["social_prescribing_share"] * boost)
    rows.add(np.nonzero(sp)[0], _uniform_days(rng, start, end)[sp], SOCIAL_PRESCRIBING)

    # personalised care and support plans for part of the care-home residents
    cp_share = parameters.rates()["care_homes"]["care_plan_share"]
    cp = people.care_home & (rng.random(n) < cp_share)
    rows.add(np.nonzero(cp)[0], _uniform_days(rng, start, end)[cp], CARE_PLAN)

    _lower_gi(rng, rows, people, r)

    # bowel screening non-response: invited 60-74s, more often in deprived areas
    eligible = (people.age_at(end) >= 60) & (people.age_at(start) <= 74)
    p = np.clip(r["bowel_screen_non_response"] * (1 + 0.3 * people.depr), 0, 1)
    nr = eligible & (rng.random(n) < p)
    rows.add(np.nonzero(nr)[0], _uniform_days(rng, start, end)[nr], BOWEL_SCREEN_NO_RESPONSE)

    referred = referral_day >= 0
    rows.add(np.nonzero(referred)[0], referral_day[referred], ICT_REFERRAL)
    return rows


def coded_frailty(rng, rows: EventRows, people: People, efi_cat: np.ndarray) -> None:
    """Severe frailty coded for a share of the people 65+ whose eFI is severe, dated in the
    last two years of their record: the diagnosis SMR-01B reads (from 2023/24 the eFI alone
    no longer counts). `rng` is a stream of its own, so nothing else generated changes."""
    share = parameters.rates()["events"]["coded_severe_frailty_share"]
    severe = (efi_cat == 3) & (people.age >= 65) & (rng.random(people.n) < share)
    recent = np.maximum(people.obs_start, people.obs_end - int(2 * YEAR))
    days = _uniform_days(rng, recent, people.obs_end)
    rows.add(np.nonzero(severe)[0], days[severe], SEVERE_FRAILTY)


def _blood_pressure(rng, rows: EventRows, people: People, m: Morbidity, r) -> None:
    """Readings for adults; raised readings also occur in people without a diagnosis."""
    n = people.n
    age = people.age
    hyp = m.column("hypertension")
    watched = hyp | m.column("diabetes") | m.column("ckd") | m.column("chd")
    watched |= m.column("stroke_tia")
    share = np.where(age >= 40, r["bp_recorded_share_40"], r["bp_recorded_share_18"])
    recorded = (age >= 18) & (watched | (rng.random(n) < share))
    count = np.where(recorded, 1 + rng.poisson(np.where(watched, 2.0, 0.3)), 0)
    person = np.repeat(np.arange(n), count)
    when = _uniform_days(rng, people.obs_start[person], people.obs_end[person])
    level = 118 + 0.45 * np.maximum(age - 25, 0) + 10 * hyp + 3 * people.z
    level += rng.normal(0, 10, n)
    sbp = np.round(level[person] + rng.normal(0, 8, len(person)))
    dbp = np.round(0.4 * sbp + 25 + rng.normal(0, 6, len(person)))
    pair = rows.uniforms(len(person))  # one draw per reading: matching systolic/diastolic codes
    rows.add(person, when, SYSTOLIC, sbp, draw=pair)
    rows.add(person, when, DIASTOLIC, dbp, draw=pair)


def _qrisk(rng, rows: EventRows, people: People, m: Morbidity, r) -> None:
    """QRISK2 scores for part of the 40-74s without CVD; some at 20% or more."""
    age = people.age
    cvd = m.column("chd") | m.column("stroke_tia") | m.column("pad")
    scored = (age >= 40) & (age < 75) & ~cvd & (rng.random(people.n) < r["qrisk_share"])
    logit = (
        -2.9
        + 0.75 * (age - 60) / 10 * 1.2
        + 0.5 * people.male
        + 0.7 * m.column("diabetes")
        + 0.5 * m.column("hypertension")
        + 0.3 * people.z
        + 0.2 * people.depr
    )
    value = np.round(100 * expit(logit + rng.normal(0, 0.3, people.n)), 1)
    who = np.nonzero(scored)[0]
    rows.add(who, _uniform_days(rng, people.obs_start, people.obs_end)[who], QRISK, value[who])


def _lower_gi(rng, rows: EventRows, people: People, r) -> None:
    """Urgent lower-GI referrals for adults 40+, part of them with a FIT result first."""
    age = people.age
    rate = np.where(age >= 40, r["lower_gi_referral_per_year"] * np.exp((age - 60) / 25), 0)
    span = np.maximum(people.obs_end - people.obs_start, 0)
    count = rng.poisson(rate * span / YEAR)
    person = np.repeat(np.arange(people.n), count)
    when = _uniform_days(rng, people.obs_start[person], people.obs_end[person])
    rows.add(person, when, LOWER_GI_2WW)
    fit = rng.random(len(person)) < r["fit_share"]
    fit_value = np.round(np.exp(rng.normal(1.5, 1.6, len(person))), 1)
    fit_day = np.maximum(when - rng.integers(1, 15, len(person)), people.obs_start[person])
    rows.add(person[fit], fit_day[fit], FIT, fit_value[fit])
