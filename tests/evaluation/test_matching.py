"""Nearest-neighbour matching on small hand-made scores, and no overlap as the user's error."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from openpcn.evaluation.matching import cem, nearest_neighbour, run_matching
from openpcn.exceptions import UserError


def test_nearest_unused_control_within_the_caliper_largest_score_first():
    """Treated 0.9 takes the control 0.85 first; treated 0.8 then gets 0.7 (0.85 is used);
    treated 0.1 has nobody within 0.2 (0.5 is 0.4 away) and stays unmatched."""
    score = np.array([0.8, 0.9, 0.1, 0.85, 0.7, 0.5])
    treated = np.array([True, True, True, False, False, False])
    quarter = np.array(["2019Q1"] * 6)
    person = np.array(list("abcdef"))
    pairs = nearest_neighbour(score, treated, quarter, person, width=0.2, ratio=1)
    assert sorted(map(tuple, pairs.to_numpy())) == [(0, 4), (1, 3)]


def test_matching_is_exact_on_the_quarter_and_uses_a_person_once():
    """The same control person in two quarters is matched once only."""
    score = np.array([0.5, 0.5, 0.5, 0.5])
    treated = np.array([True, True, False, False])
    quarter = np.array(["2019Q1", "2019Q2", "2019Q1", "2019Q2"])
    person = np.array(["t1", "t2", "c", "c"])
    pairs = nearest_neighbour(score, treated, quarter, person, width=1, ratio=1)
    assert pairs.to_numpy().tolist() == [[0, 2]]


def test_one_to_two_matching_takes_two_controls_each():
    score = np.array([0.5, 0.48, 0.52, 0.9])
    treated = np.array([True, False, False, False])
    pairs = nearest_neighbour(
        score, treated, np.array(["q"] * 4), np.array(list("abcd")), width=0.1, ratio=2
    )
    assert sorted(pairs["control_row"]) == [1, 2]


def _frame(treated_ages, control_ages):
    n_t, n_c = len(treated_ages), len(control_ages)
    return pd.DataFrame(
        {
            "patient_id": [f"p{k}" for k in range(n_t + n_c)],
            "treated": [True] * n_t + [False] * n_c,
            "quarter": "2019Q1",
            "age": list(treated_ages) + list(control_ages),
            "male": [0, 1] * ((n_t + n_c) // 2) + [0] * ((n_t + n_c) % 2),
        }
    )


def test_no_overlap_is_the_users_error_not_a_number():
    frame = _frame(range(95, 105), range(65, 85))
    with pytest.raises(UserError) as caught:
        run_matching("psm", frame, ["age", "male"], caliper=0.2, ratio=1, seed=1)
    assert "do not overlap" in caught.value.what


def test_cem_weights_make_each_stratum_look_like_the_treated():
    """Age bands <75, 75-84, 85+. Stratum <75: 1 treated, 2 controls; 85+: 1 treated,
    1 control; the treated 80-year-old has no control and is dropped. Matched totals:
    M_T = 2, M_C = 3. Control weights: (1/2) x (3/2) = 0.75 and (1/1) x (3/2) = 1.5."""
    frame = _frame([70, 80, 90], [66, 72, 88])
    sets = cem(frame, ["age"]).sets.sort_values("row")
    assert sets["row"].tolist() == [0, 2, 3, 4, 5]
    weights = dict(zip(sets["row"], sets["weight"], strict=True))
    assert weights == {0: 1.0, 2: 1.0, 3: 0.75, 4: 0.75, 5: 1.5}
