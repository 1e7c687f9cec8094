"""Worked examples for the survey statistics, against values computed by hand in comments."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from openpcn.quality.stats import (
    Aggregate,
    Flag,
    aggregate,
    flag,
    funnel_limits,
    suppress_small_denominators,
    weighted_mean,
    wilson_interval,
    z_for,
)

Z95 = 1.959964  # norm.ppf(0.975)
Z998 = 3.090232  # norm.ppf(0.999)


# --- Wilson -----------------------------------------------------------------------------------


def test_wilson_81_of_100():
    # p = 0.81, z² = 3.841459, z²/n = 0.03841459, 1 + z²/n = 1.03841459
    # centre = (0.81 + 0.01920730) / 1.03841459 = 0.82920730 / 1.03841459 = 0.798532
    # half = z·sqrt(0.81·0.19/100 + z²/(4·100²)) / 1.03841459
    #      = 1.959964·sqrt(0.001539 + 0.0000960365) / 1.03841459
    #      = 1.959964·0.0404356 / 1.03841459 = 0.0792524 / 1.03841459 = 0.076321
    # interval = (0.798532 - 0.076321, 0.798532 + 0.076321) = (0.722211, 0.874853)
    lower, upper = wilson_interval(81, 100)
    assert lower == pytest.approx(0.722211, abs=1e-6)
    assert upper == pytest.approx(0.874853, abs=1e-6)


def test_wilson_0_of_10_starts_at_zero_but_is_not_zero_width():
    # s = 0: lower = 0; upper = (z²/n) / (1 + z²/n) = 0.3841459 / 1.3841459 = 0.277533
    assert wilson_interval(0, 10) == (0.0, pytest.approx(0.277533, abs=1e-6))


def test_wilson_10_of_10_ends_at_one():
    # s = n: mirror of 0/10, lower = 1 - 0.277533 = 0.722467, upper = 1
    assert wilson_interval(10, 10) == (pytest.approx(0.722467, abs=1e-6), 1.0)


def test_wilson_accepts_fractional_successes_from_a_percentage():
    # 82.9% of 113 answers = 93.677 "successes"; interval brackets 0.829 and is about ±7 points
    lower, upper = wilson_interval(0.829 * 113, 113)
    assert lower < 0.829 < upper
    assert upper - lower == pytest.approx(0.14, abs=0.01)


@pytest.mark.parametrize(
    ("successes", "n"), [(1, 0), (0, 0), (-1, 10), (11, 10), (1, -5), (math.nan, 10)]
)
def test_wilson_rejects_impossible_counts(successes, n):
    with pytest.raises(ValueError):
        wilson_interval(successes, n)


@pytest.mark.parametrize(
    ("successes", "n", "message"),
    [
        (math.nan, 10, "successes and n must be finite numbers"),
        (5, math.inf, "successes and n must be finite numbers"),
        (0, 0, "n must be positive to form an interval, got 0"),
        (-1, 10, "successes must be between 0 and n (10), got -1"),
        # 11 of 10 would otherwise fail later inside a square root, for the wrong reason
        (11, 10, "successes must be between 0 and n (10), got 11"),
    ],
)
def test_wilson_says_why_counts_are_impossible(successes, n, message):
    with pytest.raises(ValueError) as refused:
        wilson_interval(successes, n)
    assert str(refused.value) == message


@given(
    n=st.integers(min_value=1, max_value=100_000),
    frac=st.floats(min_value=0, max_value=1),
    z=st.floats(min_value=0.1, max_value=5),
)
def test_wilson_contains_the_observed_proportion_and_stays_in_0_1(n, frac, z):
    successes = round(frac * n)
    lower, upper = wilson_interval(successes, n, z)
    assert 0.0 <= lower <= successes / n <= upper <= 1.0


# --- Funnel limits ----------------------------------------------------------------------------


def test_z_for_levels():
    assert z_for(0.95) == pytest.approx(Z95, abs=1e-6)
    assert z_for(0.998) == pytest.approx(Z998, abs=1e-6)


def test_funnel_limits_england_good_overall_for_a_typical_practice():
    # p = 0.829, n = 113: se = sqrt(0.829·0.171/113) = sqrt(0.141759/113) = sqrt(0.00125450)
    #                        = 0.0354190
    # 95%:   1.959964·0.0354190 = 0.0694199 -> (0.759580, 0.898420)
    # 99.8%: 3.090232·0.0354190 = 0.1094529 -> (0.719547, 0.938453)
    limits = funnel_limits(0.829, 113)
    assert set(limits) == {0.95, 0.998}
    assert limits[0.95] == pytest.approx((0.759580, 0.898420), abs=1e-6)
    assert limits[0.998] == pytest.approx((0.719547, 0.938453), abs=1e-6)


def test_funnel_limits_over_an_array_of_denominators_narrow_as_n_grows():
    # n = 100: se = sqrt(0.25/100) = 0.05, 95% = 0.5 ± 0.0979982 -> (0.402002, 0.597998)
    # n = 400: se = 0.025, 95% = 0.5 ± 0.0489991 -> (0.451001, 0.548999)
    lower, upper = funnel_limits(0.5, np.array([100.0, 400.0]), levels=(0.95,))[0.95]
    np.testing.assert_allclose(lower, [0.402002, 0.451001], atol=1e-6)
    np.testing.assert_allclose(upper, [0.597998, 0.548999], atol=1e-6)


def test_funnel_limits_are_clipped_to_0_1_for_small_n():
    # p = 0.95, n = 5: se = sqrt(0.0475/5) = sqrt(0.0095) = 0.0974679
    # 99.8%: 3.090232·0.0974679 = 0.2924037 + 0.0087947 = 0.301198
    # upper = 0.95 + 0.301198 = 1.251198 -> clipped to 1.0
    # lower = 0.95 - 0.301198 = 0.648802 (not clipped)
    lower, upper = funnel_limits(0.95, 5)[0.998]
    assert upper == 1.0
    assert lower == pytest.approx(0.648802, abs=1e-6)
    # and at the other end: p = 0.02, n = 10 -> lower 0.02 - 1.96·0.0442719 < 0 -> 0.0
    assert funnel_limits(0.02, 10)[0.95][0] == 0.0


def test_funnel_limits_at_a_target_of_0_or_1_are_zero_width():
    assert funnel_limits(0.0, 50)[0.95] == (0.0, 0.0)
    assert funnel_limits(1.0, 50)[0.998] == (1.0, 1.0)


@pytest.mark.parametrize("n", [0, -1, math.inf, np.array([10.0, 0.0])])
def test_funnel_limits_reject_non_positive_denominators(n):
    with pytest.raises(ValueError):
        funnel_limits(0.8, n)


@pytest.mark.parametrize("target", [-0.1, 1.2, math.nan])
def test_funnel_limits_reject_targets_outside_0_1(target):
    with pytest.raises(ValueError):
        funnel_limits(target, 100)


# --- Flags ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # limits for p = 0.829, n = 113 (above): 95% (0.759580, 0.898420),
        # 99.8% (0.719547, 0.938453)
        (0.83, Flag("within", None)),
        (0.90, Flag("high", 0.95)),  # above 0.898420, below 0.938453
        (0.95, Flag("high", 0.998)),  # above 0.938453
        (0.75, Flag("low", 0.95)),  # below 0.759580, above 0.719547
        (0.70, Flag("low", 0.998)),  # below 0.719547
    ],
)
def test_flag_names_the_widest_level_breached(value, expected):
    assert flag(value, 113, 0.829) == expected


def test_flag_reads_as_text():
    assert str(flag(0.95, 113, 0.829)) == "high (99.8%)"
    assert str(flag(0.75, 113, 0.829)) == "low (95.0%)"
    assert str(flag(0.83, 113, 0.829)) == "within"


def test_flag_on_a_limit_is_within():
    # p = 0.5, n = 100, 95% upper = 0.5 + 1.959964·0.05 = 0.5979982 (z from scipy, not rounded)
    upper = funnel_limits(0.5, 100)[0.95][1]
    assert flag(upper, 100, 0.5) == Flag("within", None)


def test_flag_rejects_n_zero():
    with pytest.raises(ValueError):
        flag(0.5, 0, 0.5)


# --- Weighting --------------------------------------------------------------------------------

PRACTICES = pd.DataFrame(
    {
        "practice": ["A", "B", "C"],
        "good_overall": [0.80, 0.90, 0.70],
        "responses": [100, 50, 150],
        "list_size": [6000, 12000, 2000],
    }
)


def test_weighted_mean_by_responses():
    # (0.80·100 + 0.90·50 + 0.70·150) / (100 + 50 + 150) = (80 + 45 + 105) / 300 = 230/300
    #   = 0.766667
    assert weighted_mean([0.80, 0.90, 0.70], [100, 50, 150]) == pytest.approx(230 / 300)


def test_weighted_mean_skips_missing_values_with_their_weight():
    # (0.80·100 + 0.70·150) / 250 = 185/250 = 0.74
    assert weighted_mean([0.80, math.nan, 0.70], [100, 50, 150]) == pytest.approx(0.74)


@pytest.mark.parametrize(
    ("values", "weights"),
    [([0.5, 0.6], [1]), ([0.5], [-1]), ([0.5, 0.6], [0, 0]), ([math.nan], [10]), ([], [])],
)
def test_weighted_mean_rejects_bad_weights(values, weights):
    with pytest.raises(ValueError):
        weighted_mean(values, weights)


def test_aggregate_weights_by_responses_when_present():
    result = aggregate(PRACTICES, "good_overall", "responses", "list_size")
    assert result == Aggregate(
        value=pytest.approx(230 / 300), weight=300.0, weighting="responses", units=3, excluded=0
    )


def test_aggregate_falls_back_to_list_size_and_says_so():
    # (0.80·6000 + 0.90·12000 + 0.70·2000) / 20000 = (4800 + 10800 + 1400) / 20000 = 0.85
    no_counts = PRACTICES.drop(columns="responses")
    result = aggregate(no_counts, "good_overall", "responses", "list_size")
    assert result.value == pytest.approx(0.85)
    assert result.weight == 20000.0
    assert result.weighting == "list_size"


def test_aggregate_uses_list_size_for_all_when_any_count_is_missing():
    partial = PRACTICES.assign(responses=[100, None, 150])
    result = aggregate(partial, "good_overall", "responses", "list_size")
    assert result.weighting == "list_size"
    assert result.value == pytest.approx(0.85)


def test_aggregate_leaves_out_suppressed_practices():
    # B suppressed: (0.80·100 + 0.70·150) / 250 = 0.74
    suppressed = PRACTICES.assign(good_overall=[0.80, None, 0.70])
    result = aggregate(suppressed, "good_overall", "responses")
    assert (result.value, result.weight, result.units, result.excluded) == (
        pytest.approx(0.74),
        250.0,
        2,
        1,
    )


def test_aggregate_needs_some_weight():
    with pytest.raises(ValueError, match="cannot weight"):
        aggregate(PRACTICES, "good_overall")
    with pytest.raises(ValueError, match="no practice has a value"):
        aggregate(PRACTICES.assign(good_overall=math.nan), "good_overall", "responses")


# --- Suppression ------------------------------------------------------------------------------


def test_suppression_hides_values_under_10_and_keeps_the_input():
    frame = pd.DataFrame(
        {"practice": ["A", "B", "C", "D"], "n": [9, 10, 150, None], "pct": [0.5, 0.6, 0.7, 0.8]}
    )
    out = suppress_small_denominators(frame, "n")
    assert out["pct"].isna().tolist() == [True, False, False, True]
    assert out["pct"].iloc[1:3].tolist() == [0.6, 0.7]
    assert out["suppressed"].tolist() == [True, False, False, True]
    assert out["n"].iloc[0] == 9  # the denominator itself is kept
    assert frame["pct"].notna().all()  # input unchanged
    assert "suppressed" not in frame.columns


def test_suppression_of_chosen_columns_and_threshold():
    frame = pd.DataFrame({"n": [20, 40], "pct": [0.5, 0.6], "rank": [1, 2]})
    out = suppress_small_denominators(frame, "n", threshold=30, value_cols=["pct"])
    assert out["pct"].isna().tolist() == [True, False]
    assert out["rank"].tolist() == [1, 2]


def test_suppression_names_a_missing_denominator_or_value_column():
    frame = pd.DataFrame({"n": [20], "pct": [0.5]})
    with pytest.raises(ValueError) as no_n:
        suppress_small_denominators(frame, "responses")
    assert str(no_n.value) == "no denominator column 'responses' in the frame"
    with pytest.raises(ValueError) as no_value:
        suppress_small_denominators(frame, "n", value_cols=["pct", "rate"])
    assert str(no_value.value) == "no column(s) ['rate'] in the frame"


def test_a_denominator_that_is_not_a_number_counts_as_small_and_flags_stay_flags():
    # "*" is how a publisher marks a count it withheld: not a number, so treated as small (as a
    # missing one is). A boolean column (a flag, not a value) is left as it is, not masked.
    frame = pd.DataFrame({"n": ["*", 50], "pct": [0.5, 0.6], "branch": [True, False]})
    out = suppress_small_denominators(frame, "n")
    assert out["suppressed"].tolist() == [True, False]
    assert out["pct"].isna().tolist() == [True, False]
    assert out["branch"].tolist() == [True, False]


# --- Edges of each rule (issue 19: each test below fails under a mutation of stats.py) ---------


@pytest.mark.parametrize("level", [0, 1, 1.5])
def test_z_for_refuses_levels_of_0_and_1_and_names_the_level(level):
    # 0 would give z = ppf(0.5) = 0 (no width), 1 would give ppf(1) = inf; both are refused.
    with pytest.raises(ValueError) as exc:
        z_for(level)
    assert str(exc.value) == f"level must be strictly between 0 and 1, got {level}"


def test_z_for_just_inside_0_and_1_is_accepted():
    # level 0.5 -> ppf(0.75) = 0.674490; level 0.999 -> ppf(0.9995) = 3.290527
    assert z_for(0.5) == pytest.approx(0.674490, abs=1e-6)
    assert z_for(0.999) == pytest.approx(3.290527, abs=1e-6)


def test_funnel_limits_give_floats_for_a_scalar_n_and_arrays_for_an_array_n():
    lower, upper = funnel_limits(0.5, 100, levels=(0.95,))[0.95]
    assert type(lower) is float and type(upper) is float
    lower, upper = funnel_limits(0.5, np.array([100.0]), levels=(0.95,))[0.95]
    assert isinstance(lower, np.ndarray) and isinstance(upper, np.ndarray)


def test_funnel_limits_accept_a_denominator_of_one():
    # p = 0.5, n = 1: se = sqrt(0.25/1) = 0.5; 50% level z = 0.674490
    # 0.5 ± 0.674490·0.5 = 0.5 ± 0.337245 -> (0.162755, 0.837245)
    lower, upper = funnel_limits(0.5, 1, levels=(0.5,))[0.5]
    assert (lower, upper) == (pytest.approx(0.162755, abs=1e-6), pytest.approx(0.837245, abs=1e-6))


@pytest.mark.parametrize("n", [0, -1, math.inf, None])
def test_funnel_limits_name_the_denominator_rule(n):
    # None is a practice with no denominator: refused with the same message, not a TypeError.
    with pytest.raises(ValueError) as exc:
        funnel_limits(0.8, n)
    assert str(exc.value) == "every denominator n must be a positive finite number"


def test_funnel_limits_name_the_target_rule():
    with pytest.raises(ValueError) as exc:
        funnel_limits(1.2, 100)
    assert str(exc.value) == "target must be a proportion in [0, 1], got 1.2"


def test_flag_on_a_lower_limit_is_within():
    # p = 0.02, n = 10: se = sqrt(0.0196/10) = 0.0442719; 95% lower = 0.02 - 0.086773 < 0 and
    # 99.8% lower = 0.02 - 0.136809 < 0, both clipped to exactly 0.0. A value of 0 is on them.
    assert flag(0.0, 10, 0.02) == Flag("within", None)


def test_flag_accepts_proportions_of_exactly_0_and_1():
    # p = 0.829, n = 113: 99.8% limits (0.719547, 0.938453), so 0 is low and 1 is high at 99.8%
    assert flag(0.0, 113, 0.829) == Flag("low", 0.998)
    assert flag(1.0, 113, 0.829) == Flag("high", 0.998)


@pytest.mark.parametrize("value", [-0.1, 1.5, math.nan])
def test_flag_refuses_a_value_outside_0_1(value):
    with pytest.raises(ValueError) as exc:
        flag(value, 113, 0.829)
    assert str(exc.value) == f"value must be a proportion in [0, 1], got {value}"


def test_flag_uses_the_levels_it_is_given():
    # p = 0.5, n = 100: se = 0.05. At 50% (z = 0.674490): 0.5 ± 0.0337245 -> (0.466276, 0.533724)
    # 0.55 is above 0.533724, so high at 50%; at the default 95% (upper 0.597998) it is within.
    assert flag(0.55, 100, 0.5, levels=(0.5,)) == Flag("high", 0.5)
    assert flag(0.55, 100, 0.5) == Flag("within", None)


def test_weighted_mean_allows_a_weight_of_zero():
    # (0.5·0 + 0.9·2) / (0 + 2) = 1.8 / 2 = 0.9
    assert weighted_mean([0.5, 0.9], [0, 2]) == pytest.approx(0.9)


def test_weighted_mean_with_a_total_weight_between_0_and_1():
    # (0.4·0.25 + 0.8·0.25) / 0.5 = (0.1 + 0.2) / 0.5 = 0.6
    assert weighted_mean([0.4, 0.8], [0.25, 0.25]) == pytest.approx(0.6)


def test_weighted_mean_treats_a_none_value_as_missing():
    # None (a JSON null) is skipped with its weight, as NaN is: (0.80·100 + 0.70·150) / 250 = 0.74
    assert weighted_mean([0.80, None, 0.70], [100, 50, 150]) == pytest.approx(0.74)


@pytest.mark.parametrize(
    ("values", "weights", "message"),
    [
        ([0.5, 0.6], [1], "values (2) and weights (1) differ in length"),
        # a negative weight is refused even when the total (-1 + 3 = 2) is positive
        ([0.5, 0.6], [-1, 3], "weights must be present and non-negative for every value"),
        ([0.5, 0.6], [math.nan, 3], "weights must be present and non-negative for every value"),
        ([0.5, 0.6], [None, 3], "weights must be present and non-negative for every value"),
        ([0.5, 0.6], [0, 0], "the total weight is zero: there is nothing to average"),
    ],
)
def test_weighted_mean_names_what_is_wrong(values, weights, message):
    with pytest.raises(ValueError) as exc:
        weighted_mean(values, weights)
    assert str(exc.value) == message


def test_aggregate_names_a_missing_value_column():
    with pytest.raises(ValueError) as exc:
        aggregate(PRACTICES, "good_access", "responses")
    assert str(exc.value) == "no column 'good_access' in the frame"


def test_aggregate_weights_by_list_size_only_when_every_valued_practice_has_one():
    # no responses column; B has no list size, so list weighting is refused...
    gap = PRACTICES.drop(columns="responses").assign(list_size=[6000, None, 2000])
    with pytest.raises(ValueError) as exc:
        aggregate(gap, "good_overall", "responses", "list_size")
    assert str(exc.value) == (
        "cannot weight 'good_overall': give a responses or list-size column "
        "with a value for every practice that has a result"
    )
    # ...and a list-size column that is not in the frame is the same refusal
    with pytest.raises(ValueError) as exc:
        aggregate(PRACTICES.drop(columns=["responses", "list_size"]), "good_overall", None, "x")
    assert str(exc.value).startswith("cannot weight 'good_overall'")
    # ...but if B has no value either, A and C both have a list size and it is used:
    # (0.80·6000 + 0.70·2000) / 8000 = (4800 + 1400) / 8000 = 0.775
    result = aggregate(
        gap.assign(good_overall=[0.80, None, 0.70]), "good_overall", None, "list_size"
    )
    assert (result.value, result.weighting, result.excluded) == (
        pytest.approx(0.775),
        "list_size",
        1,
    )


def test_suppression_with_a_nullable_integer_denominator_counts_a_missing_one_as_small():
    # pandas' nullable Int64 (what a CSV of counts with gaps often loads as): 9 < 10 small,
    # 10 kept, <NA> missing so small. The flag column is plain bool, as for float denominators.
    frame = pd.DataFrame({"n": pd.array([9, 10, None], dtype="Int64"), "pct": [0.5, 0.6, 0.7]})
    out = suppress_small_denominators(frame, "n")
    assert out["suppressed"].dtype == bool
    assert out["suppressed"].tolist() == [True, False, True]
    assert out["pct"].isna().tolist() == [True, False, True]
