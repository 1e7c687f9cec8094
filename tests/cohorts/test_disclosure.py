import pytest
from hypothesis import given
from hypothesis import strategies as st

from openpcn.cohorts.disclosure import disclose, disclose_counts, label, total_of


@pytest.mark.parametrize(
    ("count", "shown"),
    [(0, 0), (1, None), (7, None), (8, 10), (12, 10), (13, 15), (15, 15), (1002, 1000)],
)
def test_counts_of_one_to_seven_are_redacted_and_the_rest_rounded_to_five(count, shown):
    assert disclose(count) == shown


def test_totals_are_recomputed_from_what_is_shown_not_from_the_true_counts():
    shown = disclose_counts({"F 85-89": 6, "M 85-89": 23, "F 90+": 12})
    assert shown == {"F 85-89": None, "M 85-89": 25, "F 90+": 10}
    assert total_of(shown.values()) == 35  # not disclose(41) = 40, which would reveal the 6


def test_redacted_values_read_as_redacted():
    assert label(None) == "[REDACTED]" and label(1000) == "1,000"


def test_a_negative_count_is_a_programming_error():
    with pytest.raises(ValueError):
        disclose(-1)


@given(st.integers(min_value=0, max_value=10**7))
def test_a_disclosed_count_is_zero_redacted_or_a_multiple_of_five_within_two(count):
    shown = disclose(count)
    if count == 0:
        assert shown == 0
    elif count <= 7:
        assert shown is None
    else:
        assert shown % 5 == 0 and abs(shown - count) <= 2


def test_a_negative_count_is_refused_with_a_message():
    with pytest.raises(ValueError) as exc:
        disclose(-1)
    assert str(exc.value) == "a count cannot be negative"
