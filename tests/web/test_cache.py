"""The web's answer cache keeps answers and refusals once per app and key, and forgets the
least recently used beyond its size."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from openpcn.exceptions import InputError
from openpcn.web.kit.cache import Cache


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
    assert list(asked.app.state.answer_caches["small"]) == [("c",), ("a",)]
