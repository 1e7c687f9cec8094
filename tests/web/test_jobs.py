"""Slow answers are worked out as jobs: the page answers at once with a progress page that
polls its job and opens the answer when it is ready; the API answers 202 with the job to
poll; viewers of the same answer share one job; each account has a limit; refusals and
failures reach the viewer.

These tests use their own app over the session's warehouse with `job_wait=0` (never wait) and
one job per account, and hold the work behind a gate so each state can be looked at.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from openpcn.config import Settings
from openpcn.exceptions import InputError
from openpcn.progress import report
from openpcn.store import appdb
from openpcn.web.app import create_app
from openpcn.web.auth import Forbidden
from openpcn.web.kit.jobs import Board, board_of, cancel_event
from openpcn.web.routes.cohorts import answers

from .conftest import login

DAYS = (f"2019-10-{day:02d}" for day in itertools.count(1))  # a new date: nothing kept for it
POLL = re.compile(r'hx-get="(/jobs/[^"]+)"')


class Gate:
    """Stands in for the cohort summary: reports a step, waits to be let through, then
    answers (the real summary), refuses or fails."""

    def __init__(self, real: Callable[..., Any]) -> None:
        self.real, self.open, self.calls = real, threading.Event(), 0
        self.outcome: Exception | None = None

    def __call__(self, con: Any, ics: str, day: Any, year: Any = None) -> dict[str, Any]:
        self.calls += 1
        report("Counting every cohort in every PCN", 1, 2)
        assert self.open.wait(30), "the test never opened the gate"
        if self.outcome is not None:
            raise self.outcome
        return self.real(con, ics, day, year)


@pytest.fixture(scope="module")
def jobs_app(
    warehouse_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FastAPI]:
    settings = dataclasses.replace(warehouse_settings, job_wait=0.0, jobs_per_user=1)
    url = f"sqlite:///{tmp_path_factory.mktemp('jobs-appdb') / 'app.db'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OPENPCN_INSECURE_COOKIES", "1")
        application = create_app(settings, appdb_url=url)
    yield application
    application.state.appdb.dispose()


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[Gate]:
    held = Gate(answers.summary)
    monkeypatch.setattr(answers, "summary", held)
    yield held
    held.open.set()  # never leave a worker waiting


counter = itertools.count(1)


def analyst(app: FastAPI) -> tuple[TestClient, str]:
    """A logged-in ics_analyst of its own (its own job limit), and its bearer token."""
    username, password = f"jobs-analyst-{next(counter)}", "a-long-test-password"
    appdb.add_user(app.state.appdb, username, password, "ics_analyst")
    client = TestClient(app)
    assert login(client, username, password).status_code == 303
    return client, appdb.create_token(app.state.appdb, username, "jobs")


def job_of(page: str) -> str:
    """The id of the job a progress page polls."""
    return POLL.search(page).group(1).split("/")[2].split("?")[0]


def finish(app: FastAPI, job_id: str) -> None:
    job = board_of(app.state)._by_id[job_id]  # the board's own record: to wait on the job
    assert job.finished.wait(60), "the job did not finish"


def test_a_slow_page_answers_at_once_with_progress_then_opens_itself(jobs_app, gate):
    client, _ = analyst(jobs_app)
    url = f"/ics/11J/cohorts?date={next(DAYS)}"
    first = client.get(url)
    assert first.status_code == 202
    assert "Working it out" in first.text
    assert '<meta http-equiv="refresh" content="3">' in first.text  # without scripts
    assert "<progress" in first.text
    poll = POLL.search(first.text).group(1).replace("&amp;", "&")
    assert poll.endswith("?next=%2Fics%2F11J%2Fcohorts%3Fdate%3D" + url.rsplit("=", 1)[1])

    running = client.get(poll, headers={"HX-Request": "true"})
    assert running.status_code == 200
    assert "Counting every cohort in every PCN: 50% done" in running.text
    assert 'hx-trigger="load delay:1s"' in running.text  # it keeps polling

    gate.open.set()
    finish(jobs_app, job_of(f'hx-get="{poll}"'))
    done = client.get(poll, headers={"HX-Request": "true"})
    assert done.headers["HX-Redirect"] == url
    assert client.get(poll, follow_redirects=False).headers["location"] == url  # no htmx
    page = client.get(url)
    assert page.status_code == 200
    assert "Case-finding" in page.text and gate.calls == 1


def test_an_htmx_fragment_stands_in_for_itself_and_polls_its_own_url(jobs_app, gate):
    client, _ = analyst(jobs_app)
    url = f"/ics/11J/cohorts?date={next(DAYS)}"
    fragment = client.get(url, headers={"HX-Request": "true"})
    assert fragment.status_code == 202
    assert "<html" not in fragment.text
    assert f'hx-get="{url}"' in fragment.text
    assert 'hx-swap="outerHTML"' in fragment.text


def test_the_api_answers_202_with_the_job_to_poll_and_only_its_askers_may_read_it(jobs_app, gate):
    _, token = analyst(jobs_app)
    _, stranger = analyst(jobs_app)
    api = TestClient(jobs_app)
    url = f"/api/v1/ics/11J/cohorts?date={next(DAYS)}"
    first = api.get(url, headers={"Authorization": f"Bearer {token}"})
    assert first.status_code == 202
    body = first.json()
    assert first.headers["location"] == body["poll"] == f"/api/v1/jobs/{body['job']['id']}"
    assert first.headers["retry-after"] == "1"
    assert body["retry"] == url and body["job"]["state"] in ("waiting", "running")

    status = api.get(body["poll"], headers={"Authorization": f"Bearer {token}"}).json()
    assert status["label"] == (
        f"Case-finding counts for 11J on {int(url[-2:])} October 2019 (2022/23 definitions)"
    )
    assert status["percent"] == 50
    assert api.get(body["poll"], headers={"Authorization": f"Bearer {stranger}"}).status_code == 404

    gate.open.set()
    finish(jobs_app, body["job"]["id"])
    done = api.get(body["poll"], headers={"Authorization": f"Bearer {token}"}).json()
    assert done["state"] == "done" and done["percent"] == 100
    again = api.get(url, headers={"Authorization": f"Bearer {token}"})
    assert again.status_code == 200 and again.json()["ics"] == "11J"


def test_viewers_of_the_same_answer_share_one_job(jobs_app, gate):
    (one, _), (two, _) = analyst(jobs_app), analyst(jobs_app)
    url = f"/ics/11J/cohorts?date={next(DAYS)}"
    first, second = one.get(url), two.get(url)
    assert first.status_code == second.status_code == 202
    assert POLL.search(first.text).group(1) == POLL.search(second.text).group(1)
    gate.open.set()
    finish(jobs_app, job_of(first.text))
    assert one.get(url).status_code == two.get(url).status_code == 200
    assert gate.calls == 1


def test_an_account_over_its_limit_is_told_to_wait(jobs_app, gate):
    client, _ = analyst(jobs_app)
    first = client.get(f"/ics/11J/cohorts?date={next(DAYS)}")
    assert first.status_code == 202
    busy = client.get(f"/ics/11J/cohorts?date={next(DAYS)}")
    assert busy.status_code == 429
    assert busy.headers["retry-after"] == "5"
    assert "Too much at once" in busy.text
    assert "you already have 1 slow answers being worked out" in busy.text
    gate.open.set()
    finish(jobs_app, job_of(first.text))
    assert client.get(f"/ics/11J/cohorts?date={next(DAYS)}").status_code in (200, 202)


def test_a_refusal_from_the_job_is_what_the_page_shows(jobs_app, gate):
    client, _ = analyst(jobs_app)
    gate.outcome = InputError("no cohorts for that date", fix="pick another date")
    url = f"/ics/11J/cohorts?date={next(DAYS)}"
    first = client.get(url)
    gate.open.set()
    finish(jobs_app, job_of(first.text))
    for _ in range(2):  # kept: asking again costs nothing
        refused = client.get(url)
        assert refused.status_code == 422
        assert "no cohorts for that date" in refused.text
    assert gate.calls == 1


def test_a_failed_job_gives_a_reference_and_asking_again_starts_afresh(jobs_app, gate, caplog):
    client, _ = analyst(jobs_app)
    gate.outcome = RuntimeError("patient 1234567890 broke it")
    url = f"/ics/11J/cohorts?date={next(DAYS)}"
    poll = POLL.search(client.get(url).text).group(1).replace("&amp;", "&")
    gate.open.set()
    finish(jobs_app, job_of(f'hx-get="{poll}"'))
    failed = client.get(poll, headers={"HX-Request": "true"})
    assert "This could not be worked out" in failed.text
    reference = re.search(r"reference <code>([0-9a-f]+)</code>", failed.text).group(1)
    assert reference in caplog.text and "1234567890" not in caplog.text
    gate.outcome = None
    again = POLL.search(client.get(url).text).group(1).replace("&amp;", "&")
    assert again != poll  # a new job
    finish(jobs_app, job_of(f'hx-get="{again}"'))
    assert client.get(url).status_code == 200
    assert gate.calls == 2


def test_the_owner_may_cancel_a_cancellable_job_whose_work_sees_the_event():
    """Board.cancel sets the event the work reads with cancel_event(); the work answers early
    and the job ends done. Others who joined the job may read it but not cancel it, and a job
    that was not started as cancellable cannot be cancelled (its work sees no event)."""
    board = Board(workers=1, per_user=2, wait=0)
    started, seen = threading.Event(), []

    def work() -> str:
        event = cancel_event()
        seen.append(event)
        started.set()
        assert event is not None and event.wait(30), "never cancelled"
        return "the best so far"

    job = board.start(("cancel", 1), "A long solve", "owner", work, cancellable=True)
    assert started.wait(10)
    job.viewers.add("joined")
    assert job.as_dict("owner")["cancellable"] and not job.as_dict("joined")["cancellable"]
    assert board.cancel(job.id, "stranger") is None  # as for an unknown id
    with pytest.raises(Forbidden):
        board.cancel(job.id, "joined")
    assert board.cancel(job.id, "owner") is job
    assert job.finished.wait(10) and job.state == "done"
    status = job.as_dict("owner")
    assert status["cancelled"] and not status["cancellable"]

    plain = board.start(
        ("cancel", 2), "Not cancellable", "owner", lambda: seen.append(cancel_event())
    )
    assert plain.finished.wait(10) and seen[-1] is None and cancel_event() is None
    with pytest.raises(Forbidden):
        board.cancel(plain.id, "owner")


def test_the_api_cancels_a_job_for_its_owner_only(jobs_app):
    _, token = analyst(jobs_app)
    _, stranger = analyst(jobs_app)
    board = board_of(jobs_app.state)
    gate, owner = threading.Event(), appdb.user_for_token(jobs_app.state.appdb, token).username
    job = board.start(
        ("api-cancel",), "A long solve", owner, lambda: gate.wait(30), cancellable=True
    )
    api = TestClient(jobs_app)
    url = f"/api/v1/jobs/{job.id}/cancel"
    assert api.post(url, headers={"Authorization": f"Bearer {stranger}"}).status_code == 404
    done = api.post(url, headers={"Authorization": f"Bearer {token}"})
    assert done.status_code == 200 and done.json()["cancelled"] is True
    assert job.cancelled.is_set()
    gate.set()
    assert job.finished.wait(10)
