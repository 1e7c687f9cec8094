"""The web's answer cache keeps answers and refusals once per app and key, and forgets the
least recently used beyond its size or beyond the app's budget of bytes."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from openpcn.exceptions import InputError
from openpcn.web.kit.cache import Cache, approx_size


def request():
    return SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace()))


def counting(result):
    calls = []

    def compute():
        calls.append(1)
        if isinstance(result, Exception):
            raise result
        return result

    return compute, calls


def test_an_answer_is_computed_once_per_key():
    cached, asked = Cache("answers"), request()
    compute, calls = counting({"n": 1})
    assert cached(asked, ("a",), compute) == {"n": 1}
    assert cached(asked, ("a",), compute) == {"n": 1}
    assert len(calls) == 1


def test_a_refusal_is_kept_and_raised_again_without_more_work():
    cached, asked = Cache("refusals"), request()
    compute, calls = counting(InputError("no risk model for that date", fix="pick an earlier date"))
    for _ in range(3):
        with pytest.raises(InputError) as raised:
            cached(asked, ("2100-12-31",), compute)
        assert raised.value.what == "no risk model for that date"
        assert raised.value.fix == "pick an earlier date"
    assert len(calls) == 1


def test_an_unexpected_error_is_not_kept():
    cached, asked = Cache("bugs"), request()
    compute, calls = counting(RuntimeError("bug"))
    for _ in range(2):
        with pytest.raises(RuntimeError):
            cached(asked, ("x",), compute)
    assert len(calls) == 2


def test_the_least_recently_used_answer_is_forgotten_beyond_the_size():
    cached, asked = Cache("small", size=2), request()
    a, a_calls = counting("a")
    cached(asked, ("a",), a)
    cached(asked, ("b",), lambda: "b")
    cached(asked, ("a",), a)  # a is now the most recently used
    cached(asked, ("c",), lambda: "c")  # so b is forgotten
    cached(asked, ("a",), a)
    assert len(a_calls) == 1
    assert [key for _, key in asked.app.state.answer_caches.entries] == [("c",), ("a",)]


def budgeted(budget: int):
    asked = request()
    asked.app.state.cache_budget = budget
    return asked


def test_all_the_caches_of_an_app_share_one_budget_of_bytes():
    asked = budgeted(3 * 1100)
    first, second = Cache("first"), Cache("second")
    for key in ("a", "b"):
        first(asked, (key,), lambda: "x" * 1000)
    second(asked, ("c",), lambda: "x" * 1000)
    second(asked, ("d",), lambda: "x" * 1000)  # over the budget: "a", the oldest, goes
    kept = asked.app.state.answer_caches
    assert [key for _, key in kept.entries] == [("b",), ("c",), ("d",)]
    assert kept.bytes <= kept.budget
    assert kept.bytes == sum(size for _, size in kept.entries.values())


def test_an_answer_bigger_than_the_budget_is_answered_but_not_kept():
    asked = budgeted(1000)
    compute, calls = counting("x" * 5000)
    for _ in range(2):
        assert Cache("big")(asked, ("k",), compute) == "x" * 5000
    assert len(calls) == 2
    assert not asked.app.state.answer_caches.entries


def test_sizes_count_frames_arrays_and_nested_answers_once():
    frame = pd.DataFrame({"n": np.arange(100_000, dtype="int64")})
    assert approx_size(frame) >= 800_000
    assert approx_size(np.zeros(1000)) == 8000
    shared = "y" * 10_000
    assert approx_size({"a": shared, "b": [shared, shared]}) < 2 * 10_000
    assert approx_size({"rows": [{"n": i} for i in range(1000)]}) > 1000 * 64
