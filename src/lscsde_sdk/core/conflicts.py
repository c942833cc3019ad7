"""Repeating a read-modify-write while others keep changing the object.

A write conditional on the version it was computed from fails with 409 Conflict when someone
else wrote in between; the remedy is to read again, recompute and write again.
:func:`retry_on_conflict` is the one loop that does it (client-go's ``RetryOnConflict``),
waiting between tries as a :class:`~lscsde_sdk.core.retry.RetryPolicy` says, and raising
:class:`~lscsde_sdk.errors.ConflictRetriesExhaustedError` when the tries run out.

Each wait is a random fraction (full jitter) of a ceiling that doubles with each conflict, so
writers that collided spread over a widening window instead of colliding again in step; and
the ceiling is never shorter than the conflicting try took. That second rule matters in a
crowd: many writers at once queue at the API server, each try then takes seconds, and a
ceiling of milliseconds would send them all back into the queue together, keeping it full;
spread over as long as a try took, the next round arrives at a rate the server drains.

The default, :data:`CONFLICT_RETRY`, is sized for many writers of one object at once (every
spawn of a class of 200 writes its workspace's status): client-go's defaults (a handful of
tries within about a second) suit a controller racing one or two others, and leave most of
such a crowd failing. Its first ceiling is client-go's 10 ms, so a lone collision costs next
to nothing; it doubles up to 10 s (unless a try took longer). It gives up after 40 tries,
when the object kept changing for minutes (about 5 minutes of waits at most while tries are
quick, 2.5 on average).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Final, TypeVar

from .errors import AlreadyExistsError, ConflictError, ConflictRetriesExhaustedError
from .retry import RetryPolicy

__all__ = ["CONFLICT_RETRY", "retry_on_conflict"]

_T = TypeVar("_T")

#: How a read-modify-write is repeated on conflict unless told otherwise (see the module doc).
CONFLICT_RETRY: Final = RetryPolicy(attempts=40, initial_delay=0.01, multiplier=2.0, max_delay=10.0)

_log = logging.getLogger(__name__)


async def retry_on_conflict(
    attempt: Callable[[], Awaitable[_T]],
    *,
    policy: RetryPolicy = CONFLICT_RETRY,
    what: str = "the object",
    log: logging.Logger | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> _T:
    """``await attempt()``, repeated after each :class:`ConflictError` as ``policy`` says
    (its ``attempts``, backoff and jitter, the ceiling never shorter than the conflicting try
    took; nothing else of it applies). ``attempt`` must read what it changes afresh each
    time.

    An :class:`AlreadyExistsError` is not a conflict between versions and is raised at once,
    as is every other error. When the last try conflicts too,
    :class:`ConflictRetriesExhaustedError` says how many tries were made. ``what`` names the
    object in the debug log line of each repeat.
    """
    loop = asyncio.get_running_loop()
    started = loop.time()
    last: ConflictError | None = None
    for tries in range(1, policy.attempts + 1):
        began = loop.time()
        try:
            return await attempt()
        except AlreadyExistsError:
            raise
        except ConflictError as error:
            last = error
        if tries < policy.attempts:
            (log or _log).debug(
                "%s changed meanwhile (try %d of %d); trying again", what, tries, policy.attempts
            )
            await sleep(policy.backoff(tries, at_least=loop.time() - began))
    assert last is not None  # every try that did not return conflicted
    raise ConflictRetriesExhaustedError(last, policy.attempts, loop.time() - started) from last
