"""Rate ratios and their intervals against values worked by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from openpcn.evaluation.outcomes import naive_effect, poisson_effect

# treated: 2, 0, 1 events over 1, 0.5, 0.5 years -> 3 events / 2 years = 1.5 a year
# controls: 1, 0, 0, 1 events over 1 year each  -> 2 events / 4 years = 0.5 a year
Y = np.array([2.0, 0, 1, 1, 0, 0, 1])
YEARS = np.array([1.0, 0.5, 0.5, 1, 1, 1, 1])
TREATED = np.array([True, True, True, False, False, False, False])


def test_rate_ratio_worked_by_hand():
    """Rate ratio = 1.5 / 0.5 = 3. Robust variance of each log rate = sum (y - rate x t)^2 /
    events^2: treated (0.5^2 + 0.75^2 + 0.25^2) / 9 = 0.875 / 9 = 0.097222; controls
    (0.5^2 x 4) / 4 = 0.25; SE of log 3 = sqrt(0.347222) = 0.589256, so the 95% CI is
    3 x exp(-/+ 1.959964 x 0.589256) = 0.9451 to 9.5227."""
    got = naive_effect(Y, YEARS, TREATED)
    se = math.sqrt(0.875 / 9 + 0.25)
    assert got["rate_ratio"] == 3.0
    assert got["ci_low"] == pytest.approx(3 * math.exp(-1.959964 * se), abs=1e-4)
    assert got["ci_high"] == pytest.approx(3 * math.exp(1.959964 * se), abs=1e-4)
    assert got["ci_low"] == pytest.approx(0.9451, abs=1e-4)


def test_the_glm_gives_the_same_answer_as_the_hand_formula():
    """An unadjusted Poisson GLM with robust (HC0) errors is the hand formula above."""
    glm = poisson_effect(Y, YEARS, TREATED)
    hand = naive_effect(Y, YEARS, TREATED)
    for key in ("rate_ratio", "ci_low", "ci_high"):
        assert glm[key] == pytest.approx(hand[key], abs=1e-3)


def test_an_arm_without_events_gives_no_number():
    got = poisson_effect(np.array([0.0, 0, 1, 2]), np.ones(4), np.array([1, 1, 0, 0], bool))
    assert got["rate_ratio"] is None and "no events" in got["model"]
