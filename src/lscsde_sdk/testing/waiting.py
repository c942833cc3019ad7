"""Waiting in tests for a condition that something in the background makes true: an
informer's store, RBAC's authorizer cache, a process exiting, the API server's watch cache."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import TypeVar

__all__ = ["eventually"]

_T = TypeVar("_T")


async def eventually(
    check: Callable[[], _T | Awaitable[_T]],
    *,
    within: float = 30.0,
    interval: float = 0.05,
    ignoring: tuple[type[Exception], ...] = (),
) -> _T:
    """Call ``check`` (plain or async) until it returns a true value, and return that value.

    For conditions nothing signals: wait for an event, a resourceVersion or a log line
    instead wherever there is one. An exception of a type in ``ignoring`` counts as "not
    yet" (e.g. ``NotFoundError`` while a cache catches up); any other propagates. After
    ``within`` seconds an ``AssertionError`` names the check and what it last returned or
    raised.
    """
    last: object = None
    deadline = asyncio.timeout(within)
    try:
        async with deadline:
            while True:
                try:
                    result = check()
                    value = await result if inspect.isawaitable(result) else result
                except ignoring as error:
                    last = error
                else:
                    if value:
                        return value
                    last = value
                await asyncio.sleep(interval)
    except TimeoutError:
        if not deadline.expired():  # raised by the check itself
            raise
        name = getattr(check, "__qualname__", repr(check))
        raise AssertionError(
            f"{name} did not hold within {within}s; it last gave {last!r}"
        ) from None
