"""Balance measures against values worked by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from openpcn.evaluation.diagnostics import (
    balance,
    pooled_sd,
    smd,
    variance_ratio,
    weighted_mean_var,
)


def test_smd_and_variance_ratio_worked_by_hand():
    """treated x = 1, 2, 3: mean 2, variance ((1)^2 + 0 + 1^2) / 2 = 1.
    controls x = 0, 0, 1, 3: mean 1, variance (1 + 1 + 0 + 4) / 3 = 2.
    pooled SD = sqrt((1 + 2) / 2) = sqrt(1.5) = 1.224745; SMD = (2 - 1) / 1.224745 = 0.816497.
    variance ratio = 1 / 2 = 0.5."""
    mt, vt = weighted_mean_var(np.array([1, 2, 3]))
    mc, vc = weighted_mean_var(np.array([0, 0, 1, 3]))
    assert (mt, vt, mc, vc) == (2.0, 1.0, 1.0, 2.0)
    assert pooled_sd(vt, vc) == pytest.approx(math.sqrt(1.5))
    assert smd(mt, mc, pooled_sd(vt, vc)) == pytest.approx(0.816497, abs=1e-6)
    assert variance_ratio(vt, vc) == 0.5


def test_weights_count_like_repeated_people_in_the_mean():
    """Weights 1 and 3 on x = 0 and 4: mean (0 + 12) / 4 = 3, as if 4 were there three times;
    reliability-weighted variance = (1 x 9 + 3 x 1) / (4 - (1 + 9) / 4) = 12 / 1.5 = 8."""
    mean, var = weighted_mean_var(np.array([0.0, 4.0]), np.array([1.0, 3.0]))
    assert mean == 3.0
    assert var == pytest.approx(8.0)


def test_balance_uses_the_before_matching_sd_after_matching_too():
    """Before: treated 1, 2, 3 and controls 0, 0, 1, 3 (SMD 0.816497, as above). After:
    controls 2 and 3 are kept (mean 2.5, variance 0.5): SMD (2 - 2.5) / 1.224745 = -0.408248
    on the before-matching SD, and variance ratio 1 / 0.5 = 2."""
    before = pd.DataFrame({"treated": [1, 1, 1, 0, 0, 0, 0], "x": [1, 2, 3, 0, 0, 1, 3]})
    before["treated"] = before["treated"].astype(bool)
    after = pd.DataFrame(
        {"treated": [True, True, True, False, False], "x": [1, 2, 3, 2, 3], "weight": 1.0}
    )
    (row,) = balance(before, after, ["x"])
    assert row["smd_before"] == pytest.approx(0.8165, abs=1e-4)
    assert row["smd_after"] == pytest.approx(-0.4082, abs=1e-4)
    assert row["variance_ratio_after"] == pytest.approx(1 / 0.5)  # var 1 over var 0.5
