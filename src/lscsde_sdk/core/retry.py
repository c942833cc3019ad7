"""When and how long to wait before repeating a request, and how long a request may take.

:class:`RetryPolicy` is the one policy every request goes through (see
:class:`lscsde_sdk.core.transport.Transport`): bounded exponential backoff with full jitter,
``Retry-After`` honoured, and a fixed set of failures worth repeating. :class:`Timeouts` bounds
each attempt.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

__all__ = [
    "DEFAULT_RETRY",
    "DEFAULT_TIMEOUTS",
    "NO_RETRY",
    "WATCH_SILENCE_LIMIT",
    "RetryPolicy",
    "Timeouts",
]


@dataclass(frozen=True)
class RetryPolicy:
    """How a failed request is repeated.

    ``attempts`` counts every try, the first included (1: never repeat). The wait before try
    ``n + 1`` is a random fraction (``jitter``: 1.0 means anywhere from 0) of
    ``min(initial_delay * multiplier**(n - 1), max_delay)``; a server's ``Retry-After`` (429 or
    503) is waited for instead, up to ``max_retry_after`` (a longer one ends the retries).
    ``statuses`` are the HTTP statuses worth repeating, except in an answer that says the
    request itself is invalid (:class:`~lscsde_sdk.errors.InvalidError`); connection failures
    and timeouts always are (see :class:`~lscsde_sdk.core.transport.Transport` for what is
    repeated when the request may already have taken effect).
    """

    attempts: int = 4
    initial_delay: float = 0.2
    multiplier: float = 2.0
    max_delay: float = 5.0
    jitter: float = 1.0
    max_retry_after: float = 30.0
    statuses: frozenset[int] = field(default=frozenset({429, 500, 503, 504}))

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError(f"attempts must be at least 1, got {self.attempts}")
        if not 0.0 <= self.jitter <= 1.0:
            raise ValueError(f"jitter must be between 0 and 1, got {self.jitter}")
        if min(self.initial_delay, self.max_delay, self.max_retry_after) < 0:
            raise ValueError("delays cannot be negative")

    def backoff(
        self, attempt: int, rng: random.Random | None = None, *, at_least: float = 0.0
    ) -> float:
        """Seconds to wait after failed try number ``attempt`` (1-based); ``at_least`` raises
        the ceiling the random fraction is taken of (beyond ``max_delay`` too)."""
        ceiling = min(self.initial_delay * self.multiplier ** (attempt - 1), self.max_delay)
        spread = (rng or random).random() * self.jitter
        return max(ceiling, at_least) * (1.0 - spread)


#: Repeat nothing.
NO_RETRY = RetryPolicy(attempts=1)
#: What clients use unless told otherwise: up to 4 tries within a few seconds, which a user
#: waiting for the JupyterHub spawn page can afford.
DEFAULT_RETRY = RetryPolicy()

#: The longest silence of a watch before it counts as stalled, in seconds. kube-apiserver
#: sends a watch that asks for bookmarks (as this SDK's do) one every minute, and one 2 s
#: before the watch's own end; 15 s more allow for a busy server.
WATCH_SILENCE_LIMIT = 75.0


@dataclass(frozen=True)
class Timeouts:
    """Bounds on one attempt of a request, in seconds.

    ``connect``: to establish the connection; ``total``: for the whole answer of an ordinary
    request; ``read``: the longest silence while a streamed answer (a watch) is read
    (:data:`WATCH_SILENCE_LIMIT`: longer than the server's bookmark interval).
    """

    connect: float = 5.0
    total: float = 20.0
    read: float = WATCH_SILENCE_LIMIT

    def __post_init__(self) -> None:
        if min(self.connect, self.total, self.read) <= 0:
            raise ValueError("timeouts must be positive")


DEFAULT_TIMEOUTS = Timeouts()
