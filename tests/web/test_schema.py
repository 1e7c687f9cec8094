"""Property-based API testing with schemathesis: every operation in /openapi.json, called with
generated valid and invalid inputs as an admin with a bearer token, never answers with a 5xx.

The examples are bounded (10 per operation and mode, derandomised so a failure repeats) and
only read-only operations (GET) are called, so the shared app database is not changed.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

EXAMPLES = 10
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)


@pytest.fixture(scope="module")
def schema(app: Any) -> Any:
    """Loaded once: schemathesis starts the app's lifespan on the first load and keeps it."""
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def test_schema_lists_the_api_operations(schema: Any) -> None:
    labels = {result.ok().label for result in schema.get_all_operations()}
    for expected in ("GET /api/v1/pcns", "GET /api/v1/pcns/{code}", "GET /api/v1/orgs/check"):
        assert expected in labels


def test_no_api_operation_answers_with_a_server_error(schema: Any, token_for: Any) -> None:
    headers = {"Authorization": f"Bearer {token_for('admin')}"}
    failures: list[str] = []
    last: list[str] = []  # the request being made, for the report
    called = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.method.upper() != "GET":
            continue
        for mode in MODES:
            last.clear()

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def call(case: Any) -> None:
                nonlocal called
                called += 1
                last[:] = [f"{case.formatted_path} query={case.query!r}"]
                response = case.call(headers=headers)
                case.validate_response(response, checks=[not_a_server_error])

            try:
                call()
            except Unsatisfiable:
                continue  # nothing to make invalid (an operation without parameters)
            except (Exception, BaseExceptionGroup) as error:  # collected, reported together
                summary = "\n      ".join(str(error).strip().splitlines()[:12])
                failures.append(
                    f"{operation.label} ({mode.value}): {type(error).__name__}\n"
                    f"      {summary}\n      last request: {last[0] if last else '?'}"
                )
    assert called > 0, "no GET operation was found in /openapi.json"
    assert not failures, "server errors:\n" + "\n".join(failures)


EXTREMES = ["1e16", "1e30", "1e308", "-1", "nan", "inf", "-inf"]
WIDENED = [
    ("GET /api/v1/pcns/{code}/arrs-plan", {"code": "U42510"}, query)
    for value in EXTREMES
    for query in (
        {"priority": [f"clinical_pharmacist:{value}"]},
        {"existing": [f"social_prescribing_link_worker:{value}"]},
        {"priority": [f"pharmacy_technician:{value}", "clinical_pharmacist:100"]},
    )
] + [
    (label, path, {"date": date})
    for label, path in (
        ("GET /api/v1/pcns", {}),
        ("GET /api/v1/ics/{ics}/workforce", {"ics": "11J"}),
        ("GET /api/v1/pcns/{code}/cohorts", {"code": "U42510"}),
    )
    for date in ("0001-01-01", "1899-12-31", "2101-01-01", "9999-12-31")
]


def test_widened_numbers_and_dates_are_refused_not_crashed_on(schema: Any, token_for: Any) -> None:
    """The extremes a schemathesis run with widened numeric ranges sends, sent on purpose:
    the ARRS planner's weights and WTE (strings in the schema, so never generated as numbers)
    and dates beyond the one range. Each is a client error, never a 5xx."""
    headers = {"Authorization": f"Bearer {token_for('admin')}"}
    operations = {r.ok().label: r.ok() for r in schema.get_all_operations()}
    for label, path, query in WIDENED:
        case = operations[label].Case(path_parameters=path, query=query)
        response = case.call(headers=headers)
        case.validate_response(response, checks=[not_a_server_error])
        assert response.status_code == 422, (label, query, response.text)
    tiny = operations["GET /api/v1/pcns/{code}/arrs-plan"].Case(
        path_parameters={"code": "U42510"}, query={"priority": ["clinical_pharmacist:1e-320"]}
    )
    assert tiny.call(headers=headers).status_code == 200  # in range, however small
