"""Pausing CPython's cyclic garbage collector while a page of objects is built."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collection_paused() -> Iterator[None]:
    """Run the block with automatic collection off, then restore it as it was.

    Validating a page allocates thousands of containers that all survive; each allocation
    burst triggers collections that walk ever larger generations and find nothing to free.
    The switch is process-wide, so no thread collects for the milliseconds the block takes;
    cycles made meanwhile are collected by the next collection after it, nothing leaks. A
    caller who turned collection off keeps it off."""
    was_enabled = gc.isenabled()
    if was_enabled:
        gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
