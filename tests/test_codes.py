"""Each identifier kind accepts the published shape and refuses near misses."""

import pytest

from openpcn import codes


@pytest.mark.parametrize(
    ("code", "good", "bad"),
    [
        (
            codes.PRACTICE_CODE,
            ["J81002", "Y01234", "U02749"],
            ["j81002", "J8100", "J810022", "81002"],
        ),
        (codes.PCN_CODE, ["U02749", "U42510"], ["J81002", "u02749", "U0274", "UU2749"]),
        (codes.COMMISSIONER_CODE, ["11J", "99N", "QVV"], ["11j", "11", "11JX"]),
        (codes.POSTCODE, ["BH9 2XF", "BH15 1AE", "W1A 1AA"], ["BH92XF", "bh9 2xf", "BH9  2XF"]),
        (codes.PSEUDONYM, ["p0123456789abcdef", "abc_12-x"], ["abc", "has space", "x" * 65]),
        (codes.NHS_NUMBER_LIKE, ["9434765919", "943 476 5919"], ["94347659", "943-476-5919"]),
    ],
)
def test_a_code_matches_its_published_shape_in_full(code, good, bad):
    assert all(code.is_valid(v) for v in good)
    assert not any(code.is_valid(v) for v in bad)
    assert code.fullmatch(good[0]) and not code.fullmatch(bad[0])


def test_every_code_shows_an_example_that_it_accepts_or_describes():
    for code in (codes.PRACTICE_CODE, codes.PCN_CODE, codes.COMMISSIONER_CODE, codes.POSTCODE):
        assert code.is_valid(code.example.split(" (")[0]), code.name


def test_a_value_that_is_not_a_string_is_not_a_code():
    assert not codes.PRACTICE_CODE.is_valid(None)
    assert not codes.PCN_CODE.is_valid(2749)
