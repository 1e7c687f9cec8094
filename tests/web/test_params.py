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


DATED = [
    "/api/v1/pcns?ics=11J",  # orgs
    "/api/v1/ics/11J/workforce",  # workforce
    "/api/v1/pcns/U42510/cohorts",  # cohorts
    "/api/v1/ics/11J/quality",  # quality
]


@pytest.mark.parametrize("url", DATED)
@pytest.mark.parametrize("date", ["1899-12-31", "2101-01-01", "0001-01-01", "9999-12-31"])
def test_every_capability_refuses_the_same_dates_before_any_work(
    anonymous: TestClient, analyst: dict[str, str], url: str, date: str
) -> None:
    got = anonymous.get(f"{url}{'&' if '?' in url else '?'}date={date}", headers=analyst)
    assert got.status_code == 422, got.text
    body = got.json()
    assert body["errors"][0]["loc"] == ["query", "date"]
    assert "from 1900-01-01 to 2100-12-31" in body["fix"]


@pytest.mark.parametrize("date", ["1900-01-01", "2100-12-31"])
def test_the_ends_of_the_date_range_are_answered(
    anonymous: TestClient, analyst: dict[str, str], date: str
) -> None:
    assert anonymous.get(f"/api/v1/pcns?ics=11J&date={date}", headers=analyst).status_code == 200


@pytest.mark.parametrize(
    ("url", "says", "back"),
    [
        ("/ics/11J?date=2019-13-40", "The date is not a real date", "/ics/11J"),
        ("/ics/11J?date=2101-01-01&x=1", "The date is too large or too late", "/ics/11J?x=1"),
        ("/ics/11J/workforce?date=1899-12-31", "The date is too small", "/ics/11J/workforce"),
    ],
)
def test_a_bad_value_on_a_page_is_named_in_plain_words_with_the_fix_and_a_way_back(
    client_as, url: str, says: str, back: str
) -> None:  # type: ignore[no-untyped-def]
    page = client_as("ics_analyst").get(url)
    assert page.status_code == 400
    assert "query.date" not in page.text and "Input should be" not in page.text
    assert says in page.text
    assert "Write a date as YYYY-MM-DD, from 1900-01-01 to 2100-12-31" in page.text
    assert f'href="{back}" id="refusal-back"' in page.text
    assert 'class="nhsuk-header"' in page.text
