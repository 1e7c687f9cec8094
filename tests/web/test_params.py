"""Path parameters follow `openpcn.codes`, read case-blind: a malformed code (a practice code
on a PCN path, a four-character ICS) is a 422 problem before any handler runs; a well-formed
code that names nothing is still a 404."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from openpcn import codes
from openpcn.web.kit.params import case_blind

PROBLEM = "application/problem+json"


@pytest.mark.parametrize(
    ("code", "good", "bad"),
    [
        (codes.PCN_CODE, ["U42510", "u42510"], ["J81019", "X12345", "U4251", "U425100"]),
        (codes.PRACTICE_CODE, ["J81019", "j81019"], ["81019", "JJ1019", "J8101"]),
        (codes.COMMISSIONER_CODE, ["11J", "11j", "QVV"], ["11", "11JJ", "1-J"]),
    ],
)
def test_case_blind_patterns_accept_either_case_and_nothing_else(code, good, bad) -> None:
    pattern = re.compile(case_blind(code))
    assert all(pattern.fullmatch(value) for value in good)
    assert not any(pattern.fullmatch(value) for value in bad)
    assert all(pattern.fullmatch(value.upper()) for value in good)


@pytest.fixture(scope="module")
def analyst(token_for) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"Authorization": f"Bearer {token_for('ics_analyst')}"}


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/pcns/J81019/funding",
        "/api/v1/pcns/X12345/cohorts",
        "/api/v1/pcns/X12345/arrs-plan",
        "/api/v1/ics/11JJ/cohorts",
        "/api/v1/ics/1/funding",
        "/api/v1/pcns?ics=11JJ",
    ],
)
def test_a_malformed_code_is_a_422_problem(
    anonymous: TestClient, analyst: dict[str, str], url: str
) -> None:
    got = anonymous.get(url, headers=analyst)
    assert got.status_code == 422
    assert got.headers["content-type"].startswith(PROBLEM)
    assert got.json()["errors"][0]["loc"][0] in ("path", "query")


def test_codes_on_paths_are_case_blind(anonymous: TestClient, analyst: dict[str, str]) -> None:
    lower = anonymous.get("/api/v1/pcns/u42510/funding", headers=analyst)
    assert lower.status_code == 200 and lower.json()["pcn_code"] == "U42510"
    assert anonymous.get("/api/v1/pcns/U99999/funding", headers=analyst).status_code == 404
