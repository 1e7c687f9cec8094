"""A study definition is data: it survives its JSON form unchanged, and a bad field is refused
with an error that names it."""

from __future__ import annotations

import datetime as dt

import pytest

from openpcn.evaluation.definition import (
    COVARIATE_WORDS,
    DEFAULT_COVARIATES,
    DEFAULT_OUTCOMES,
    OUTCOME_WORDS,
    Intervention,
    StudyDefinition,
)
from openpcn.exceptions import InputError


def test_a_definition_round_trips_through_json():
    d = StudyDefinition(
        name="care homes",
        ics="11J",
        intervention=Intervention(
            "file", people=(("p1", dt.date(2019, 1, 2)), ("p2", dt.date(2019, 3, 4)))
        ),
        controls="all",
        followup_months=6,
        prior_months=24,
        description="trial",
        min_age=70,
    )
    assert StudyDefinition.from_json(d.to_json()) == d


def test_defaults_cover_every_named_covariate_and_outcome():
    d = StudyDefinition.from_json(
        {"name": "ict", "intervention": {"kind": "event", "code": "OPENPCN-ICT-REFERRAL"}}
    )
    assert d.ics == "11J" and d.controls == "other-pcns"
    assert d.covariates == DEFAULT_COVARIATES == tuple(COVARIATE_WORDS)
    assert d.outcomes == DEFAULT_OUTCOMES == tuple(OUTCOME_WORDS)
    assert d.min_age is None  # the youngest treated person's age, decided when run


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"controls": "neighbours"}, "controls"),
        ({"followup_months": 0}, "followup_months"),
        ({"prior_months": "12"}, "prior_months"),
        ({"covariates": ["age", "shoe size"]}, "covariates"),
        ({"outcomes": ["happiness"]}, "outcomes"),
        ({"intervention": {"kind": "rumour"}}, "intervention.kind"),
        ({"intervention": {"kind": "event"}}, "intervention.code"),
        (
            {"intervention": {"kind": "file", "people": [["p1", "31/12/2019"]]}},
            "intervention.people",
        ),
        ({"name": ""}, "name"),
    ],
)
def test_a_bad_field_is_named(change, field):
    data = {"name": "ict", "intervention": {"kind": "event", "code": "X"}} | change
    with pytest.raises(InputError) as caught:
        StudyDefinition.from_json(data)
    assert caught.value.where.column == field
    assert caught.value.fix
