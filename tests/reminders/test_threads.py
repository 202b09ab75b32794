"""Work beside the calling thread: both run to the end, and the side's error reaches the caller."""

from __future__ import annotations

import threading

import pytest

from obligations.reminders.threads import side_by_side


def test_every_job_runs_on_a_thread_of_its_own():
    ran: dict[str, str] = {}
    side_by_side(
        lambda: ran.setdefault("here", threading.current_thread().name),
        lambda: ran.setdefault("e-mail", threading.current_thread().name),
        lambda: ran.setdefault("robots", threading.current_thread().name),
    )
    assert ran == {
        "here": threading.current_thread().name,
        "e-mail": "reminders-side-1",
        "robots": "reminders-side-2",
    }


def test_one_job_runs_here():
    ran = []
    side_by_side(lambda: ran.append(threading.current_thread().name))
    assert ran == [threading.current_thread().name]


def test_an_error_beside_is_raised_after_this_side_finished():
    finished = []

    def fail() -> None:
        raise RuntimeError("企业微信接口异常")

    with pytest.raises(RuntimeError, match="企业微信接口异常"):
        side_by_side(lambda: finished.append("e-mail"), fail)
    assert finished == ["e-mail"]


def test_this_sides_error_waits_for_the_other_side():
    started, finished = threading.Event(), threading.Event()

    def fail() -> None:
        started.wait(5)  # the other side is under way
        raise ValueError("邮件服务器异常")

    def slow() -> None:
        started.set()
        finished.wait(0.2)
        finished.set()

    with pytest.raises(ValueError, match="邮件服务器异常"):
        side_by_side(fail, slow)
    assert finished.is_set()
