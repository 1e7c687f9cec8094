"""Prescriptions consistent with each person's conditions and deficits (prescribing.csv).

Older multimorbid people accumulate 10+ repeat medicines; NSAIDs in over-65s and
anticoagulant + antiplatelet combinations are only partly covered by a PPI, so the high-risk
groups the SMR specification looks for exist.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from openpcn.synth import parameters
from openpcn.synth.conditions import Morbidity
from openpcn.synth.population import People


@dataclass
class Prescribing:
    drugs: list[str]
    on: np.ndarray  # bool (n, drugs)
    repeat: np.ndarray  # bool (n, drugs): on as a repeat template

    def take(self, keep: np.ndarray) -> Prescribing:
        """The people at indices `keep`."""
        return Prescribing(self.drugs, self.on[keep], self.repeat[keep])

    @property
    def repeat_count(self) -> np.ndarray:
        return self.repeat.sum(axis=1)

    def group(self, name: str) -> np.ndarray:
        table = parameters.medicines()
        cols = [self.drugs.index(d) for d in table.loc[table["group"] == name, "drug"]]
        return self.on[:, cols].any(axis=1)


def generate(
    rng: np.random.Generator, people: People, morbidity: Morbidity, frail: np.ndarray
) -> Prescribing:
    meds = parameters.medicines()
    rules = parameters.table("prescribing.csv")
    drugs = meds["drug"].tolist()
    index = {d: j for j, d in enumerate(drugs)}
    on = np.zeros((people.n, len(drugs)), dtype=bool)
    repeat = np.zeros_like(on)
    triggers = _triggers(people, morbidity, frail)
    for rule in rules.itertuples(index=False):
        who = triggers[rule.trigger]
        hit = who & (rng.random(people.n) < rule.probability)
        j = index[rule.drug]
        on[:, j] |= hit
        if bool(rule.repeat):
            repeat[:, j] |= hit
    _gastro_protection(rng, people, on, repeat, meds, index)
    return Prescribing(drugs, on, repeat)


def _triggers(people: People, m: Morbidity, frail: np.ndarray) -> dict[str, np.ndarray]:
    out = {name: m.has[:, j] for j, name in enumerate(m.names)}
    for j, name in enumerate(m.deficit_names):
        out[name] = m.deficit[:, j] | out.get(name, np.zeros(people.n, bool))
    out["adult"] = people.age >= 18
    out["older"] = people.age >= 65
    out["frail"] = frail
    return out


def _gastro_protection(rng, people, on, repeat, meds, index) -> None:
    """Give a PPI to part of each high-risk group; the rest stay unprotected."""
    r = parameters.rates()["medicines"]

    def group(name: str) -> np.ndarray:
        return on[:, [index[d] for d in meds.loc[meds["group"] == name, "drug"]]].any(axis=1)

    ppi = index["omeprazole"]
    nsaid_old = group("nsaid") & (people.age >= 65)
    both = group("anticoagulant") & group("antiplatelet")
    give = (nsaid_old & (rng.random(people.n) < r["ppi_with_nsaid_65"])) | (
        both & (rng.random(people.n) < r["ppi_with_anticoagulant_antiplatelet"])
    )
    on[:, ppi] |= give
    repeat[:, ppi] |= give
    # without a PPI means without any PPI: the rest of the groups lose background PPIs
    risky = (nsaid_old | both) & ~give
    for d in meds.loc[meds["group"] == "ppi", "drug"]:
        on[risky, index[d]] = False
        repeat[risky, index[d]] = False
