"""Pause Python's automatic garbage collection for one long batch of work, and collect once after.

A sending pass at province scale builds millions of short-lived, acyclic objects (rows, Lines,
message parts). CPython's generational collector traverses every live container again at each
full collection, so the bigger the pass's working set, the more each collection costs: at
1,000,000 tasks it took 20 s of the pass's 105 s of CPU, all of it under the GIL the pass's lanes
share. Reference counting frees those objects anyway; only reference cycles wait for the single
collection at the end, and a pass makes few.

Process-wide, as the collector is: nested and concurrent uses (two passes on two threads) keep it
paused until the last one ends, and it is enabled again only if it was enabled before the first.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_was_enabled = True


@contextmanager
def deferred_collection() -> Iterator[None]:
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            last = _depth == 0
            if last and _was_enabled:
                gc.enable()
        if last:
            gc.collect()
