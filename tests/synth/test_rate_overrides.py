"""The planted ICT effect is a setting: tests and the bench build populations with another true
effect through `parameters.overridden`, never by editing the shipped rates.toml."""

from __future__ import annotations

import pytest

from openpcn.synth import parameters


def test_the_shipped_effects_are_the_ones_the_docs_promise():
    ict = parameters.rates()["ict"]
    assert ict["emergency_admission_effect"] == 0.80
    assert ict["ae_effect"] == 1.00


def test_an_override_holds_inside_the_block_only():
    with parameters.overridden({"ict": {"emergency_admission_effect": 1.0}}):
        ict = parameters.rates()["ict"]
        assert ict["emergency_admission_effect"] == 1.0
        assert ict["ae_effect"] == 1.00  # the rest of the section is unchanged
        assert parameters.rates()["hospital"] == parameters.shipped_rates()["hospital"]
    assert parameters.rates()["ict"]["emergency_admission_effect"] == 0.80


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"ict": {"emergency_admision_effect": 1.0}}, KeyError),  # a typo
        ({"nowhere": {"x": 1.0}}, KeyError),
        ({"ict": {"start": 1.0}}, KeyError),  # a date, not a number
        ({"ict": {"ae_effect": "1.0"}}, TypeError),
    ],
)
def test_only_existing_numbers_can_be_overridden(changes, error):
    with pytest.raises(error), parameters.overridden(changes):
        pass
