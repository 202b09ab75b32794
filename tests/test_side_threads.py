"""Work beside the calling thread: jobs run to the end, items come in order, and an error reaches
the caller."""

from __future__ import annotations

import threading

import pytest

from obligations import side_threads
from obligations.side_threads import side_by_side


def test_every_job_runs_on_a_thread_of_its_own():
    ran: dict[str, str] = {}
    side_by_side(
        lambda: ran.setdefault("here", threading.current_thread().name),
        lambda: ran.setdefault("e-mail", threading.current_thread().name),
        lambda: ran.setdefault("robots", threading.current_thread().name),
    )
    assert ran == {
        "here": threading.current_thread().name,
        "e-mail": "side-1",
        "robots": "side-2",
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


@pytest.fixture
def fan_out(monkeypatch):
    """As on PostgreSQL outside a transaction (these jobs never touch the database)."""
    monkeypatch.setattr(side_threads, "can_fan_out", lambda: True)


def test_prefetched_items_are_made_ahead_on_a_thread_of_their_own(fan_out):
    made_on = []

    def produce():
        for n in range(5):
            made_on.append(threading.current_thread().name)
            yield n

    assert list(side_threads.prefetched(produce, name="ledger-rows")) == [0, 1, 2, 3, 4]
    assert made_on == ["ledger-rows"] * 5


def test_prefetched_in_turn_where_the_database_cannot_fan_out(monkeypatch):
    monkeypatch.setattr(side_threads, "can_fan_out", lambda: False)
    made_on = []

    def produce():
        made_on.append(threading.current_thread().name)
        yield "only"

    assert list(side_threads.prefetched(produce)) == ["only"]
    assert made_on == [threading.current_thread().name]


def test_prefetched_error_comes_where_its_item_would_have(fan_out):
    def produce():
        yield 1
        yield 2
        raise OSError("数据库连接中断")

    got = []
    with pytest.raises(OSError, match="数据库连接中断"):
        for item in side_threads.prefetched(produce):
            got.append(item)
    assert got == [1, 2]


def test_a_caller_that_stops_early_stops_the_producer(fan_out):
    made, closed = [], threading.Event()

    def produce():
        try:
            for n in range(10_000):
                made.append(n)
                yield n
        finally:
            closed.set()

    items = side_threads.prefetched(produce, depth=2)
    assert next(items) == 0
    items.close()  # waits for the producer
    assert closed.is_set()
    assert len(made) <= 1 + 2 + 1  # the item taken, the queue's two, the one being offered


def test_beside_runs_now_on_its_own_thread_and_hands_back_its_value(fan_out):
    started = threading.Event()

    def job() -> str:
        started.set()
        return threading.current_thread().name

    scores = side_threads.Beside(job, name="ledger-scores")
    assert started.wait(5)  # under way before anyone asks
    assert scores.result() == "ledger-scores"


def test_beside_runs_when_asked_where_the_database_cannot_fan_out(monkeypatch):
    monkeypatch.setattr(side_threads, "can_fan_out", lambda: False)
    ran = []
    scores = side_threads.Beside(lambda: ran.append(threading.current_thread().name) or 42)
    assert ran == []
    assert scores.result() == 42
    assert scores.result() == 42  # once
    assert ran == [threading.current_thread().name]


@pytest.mark.parametrize("can", [True, False])
def test_beside_raises_its_error_to_whoever_asks(monkeypatch, can):
    monkeypatch.setattr(side_threads, "can_fan_out", lambda: can)

    def fail() -> None:
        raise ValueError("考核得分计算失败")

    scores = side_threads.Beside(fail)
    scores.wait()
    with pytest.raises(ValueError, match="考核得分计算失败"):
        scores.result()
