"""Automatic garbage collection is paused for a sending pass and comes back after it, with the
pass's reference cycles collected; overlapping passes keep it paused until the last one ends."""

from __future__ import annotations

import gc
import threading
import weakref

import pytest

from obligations.gc_deferred import deferred_collection


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


@pytest.fixture(autouse=True)
def collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def a_cycle() -> weakref.ref:
    first, second = Node(), Node()
    first.other, second.other = second, first
    return weakref.ref(first)


def test_paused_inside_and_cycles_collected_after():
    with deferred_collection():
        assert not gc.isenabled()
        ref = a_cycle()
        assert ref() is not None  # only a collection frees a cycle, and none runs
    assert gc.isenabled()
    assert ref() is None


def test_nested_and_overlapping_uses_end_with_the_last():
    entered, leave = threading.Event(), threading.Event()
    states = []

    def other_pass():
        with deferred_collection():
            entered.set()
            leave.wait(10)

    thread = threading.Thread(target=other_pass)
    with deferred_collection():
        thread.start()
        assert entered.wait(10)
        with deferred_collection():
            pass
        states.append(gc.isenabled())  # the inner one ended: still paused
    states.append(gc.isenabled())  # this one ended, the thread's is still on
    leave.set()
    thread.join(10)

    assert states == [False, False]
    assert gc.isenabled()


def test_a_collector_switched_off_before_stays_off():
    gc.disable()
    with deferred_collection():
        pass
    assert not gc.isenabled()


def test_an_error_inside_still_brings_collection_back():
    with pytest.raises(RuntimeError), deferred_collection():
        raise RuntimeError("发送失败")
    assert gc.isenabled()
