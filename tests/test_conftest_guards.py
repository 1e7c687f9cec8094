"""tests/conftest.py's environment guard and Hypothesis profiles (issue 19: skips that should be
failures). `needs(available, what, fix)` lets a test go on when the tool is there; when it is
not, a developer's machine skips the test but a CI run (CI=true, 1 or yes) fails it, naming what
is missing, so a set-up step that failed quietly cannot leave `make test` green."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest
from hypothesis import settings
from tests.conftest import hypothesis_profile

Needs = Callable[[bool, str, str], None]


@pytest.mark.parametrize("value", ["true", "TRUE", "True", "1", "yes", "Yes", " true "])
def test_in_ci_a_missing_tool_fails_and_names_itself_and_the_fix(
    needs: Needs, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.fail.Exception) as failed:
        needs(False, "pdftotext", "apt-get install -y poppler-utils")
    assert str(failed.value) == "pdftotext is missing in CI: apt-get install -y poppler-utils"


def set_ci(monkeypatch: pytest.MonkeyPatch, value: str | None) -> None:
    """CI set to `value`, or unset for None."""
    if value is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", value)


@pytest.mark.parametrize("value", [None, "", "false", "0", "no", "FALSE"])
def test_off_ci_a_missing_tool_skips(
    needs: Needs, monkeypatch: pytest.MonkeyPatch, value: str | None
) -> None:
    set_ci(monkeypatch, value)
    with pytest.raises(pytest.skip.Exception) as skipped:
        needs(False, "Node.js", "apt-get install -y nodejs npm")
    assert str(skipped.value) == "Node.js is missing: apt-get install -y nodejs npm"


@pytest.mark.parametrize("value", [None, "true"])
def test_a_tool_that_is_there_neither_skips_nor_fails(
    needs: Needs, monkeypatch: pytest.MonkeyPatch, value: str | None
) -> None:
    set_ci(monkeypatch, value)
    assert needs(True, "Chromium", "apt-get install -y chromium") is None


def test_the_hypothesis_profiles_ci_draws_the_same_examples_every_run() -> None:
    ci, dev = settings.get_profile("ci"), settings.get_profile("dev")
    assert (ci.derandomize, ci.print_blob) == (True, True)
    assert dev.derandomize is False
    # CI never fails on time (a shared, noisy machine); dev keeps the default 200 ms deadline.
    assert ci.deadline is None
    assert dev.deadline == settings.get_profile("default").deadline


@pytest.mark.parametrize(
    ("environ", "profile"),
    [
        ({}, "dev"),
        ({"CI": "true"}, "ci"),
        ({"CI": "1"}, "ci"),
        ({"CI": "false"}, "dev"),  # Hypothesis alone would load its own "ci" for any CI value
        ({"CI": "true", "HYPOTHESIS_PROFILE": "dev"}, "dev"),  # to replay a failure locally
        ({"HYPOTHESIS_PROFILE": "ci"}, "ci"),
    ],
)
def test_the_profile_is_ci_in_ci_unless_one_is_named(environ: dict[str, str], profile: str) -> None:
    assert hypothesis_profile(environ) == profile


def test_this_run_loaded_the_profile_its_environment_asks_for() -> None:
    assert settings.get_current_profile_name() == hypothesis_profile(os.environ)
