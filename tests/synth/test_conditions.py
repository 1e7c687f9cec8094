"""eFI calibration: people aged 65+ alive at the extract are about 50/35/12/3."""

from __future__ import annotations

import numpy as np
import pytest

from openpcn.synth import conditions
from openpcn.synth.build import practice_list
from openpcn.synth.targets import PracticeTargets


def test_efi_category_cut_points():
    assert conditions.efi_category(np.array([0, 4, 5, 8, 9, 12, 13, 20])).tolist() == [
        0,
        0,
        1,
        1,
        2,
        2,
        3,
        3,
    ]


def test_intercepts_reproduce_qof_prevalence_on_england_structure():
    intercepts = conditions.condition_intercepts()
    assert set(intercepts) >= {"hypertension", "diabetes", "dementia"}
    assert intercepts["hypertension"] > intercepts["dementia"]


def test_efi_distribution_of_people_65_plus_is_near_facts():
    cats = []
    for k in range(2):
        rng = np.random.default_rng(k)
        # the list as the build keeps it: drawn, lived through its deaths, kept on the day
        p, _, _, cat = practice_list(rng, 20000, ["Urban", "Rural"][k], 15.0, PracticeTargets())
        cats.append(cat[(p.age >= 65) & (p.death_day < 0) & (p.dereg_day < 0)])
    share = np.bincount(np.concatenate(cats), minlength=4) / sum(map(len, cats))
    assert share == pytest.approx([0.50, 0.35, 0.12, 0.03], abs=0.05)
