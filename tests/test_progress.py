"""Progress reports reach whoever watches, scaled to the part of the work they are in, and
cost nothing when nobody watches."""

from __future__ import annotations

import threading

from openpcn.progress import part, report, watched


def test_reports_without_a_watcher_go_nowhere():
    report("nobody is watching", 1, 2)  # no error, no effect


def test_a_watcher_hears_the_fraction_done_and_the_step():
    heard = []
    with watched(lambda fraction, step: heard.append((fraction, step))):
        report("reading", 1, 4)
        report("counting", 3, 4)
    report("after the block", 1, 1)
    assert heard == [(0.25, "reading"), (0.75, "counting")]


def test_parts_share_the_bar_between_them():
    heard = []
    with watched(lambda fraction, step: heard.append(round(fraction, 3))):
        for index in range(4):
            with part(index, 4):
                report("a date", 1, 2)  # half of each quarter
                with part(1, 2):
                    report("inside", 0, 1)  # the start of that quarter's second half
    assert heard == [0.125, 0.125, 0.375, 0.375, 0.625, 0.625, 0.875, 0.875]


def test_fractions_stay_between_nought_and_one():
    heard = []
    with watched(lambda fraction, step: heard.append(fraction)):
        report("too far", 5, 4)
        report("before the start", -1, 4)
        report("nothing to do", 0, 0)
    assert heard == [1.0, 0.0, 0.0]


def test_another_thread_is_not_watched():
    heard = []
    with watched(lambda fraction, step: heard.append(step)):
        other = threading.Thread(target=report, args=("elsewhere",))
        other.start()
        other.join()
    assert heard == []
