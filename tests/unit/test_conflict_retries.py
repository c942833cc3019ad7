"""retry_on_conflict: the one loop that repeats a read-modify-write on 409 Conflict."""

from __future__ import annotations

import asyncio
import random

import pytest

from lscsde_sdk.core.conflicts import CONFLICT_RETRY, retry_on_conflict
from lscsde_sdk.core.retry import RetryPolicy
from lscsde_sdk.errors import (
    AlreadyExistsError,
    ConflictError,
    ConflictRetriesExhaustedError,
    NotFoundError,
)


def conflict(number: int = 0) -> ConflictError:
    return ConflictError(409, "Conflict", f"the object has been modified ({number})")


class Waits:
    """Records the waits instead of waiting."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


async def test_a_conflict_is_tried_again_after_a_wait_within_the_policy() -> None:
    waits = Waits()
    tries: list[int] = []

    async def attempt() -> str:
        tries.append(len(tries) + 1)
        if len(tries) < 4:
            raise conflict(len(tries))
        return "written"

    policy = RetryPolicy(attempts=10, initial_delay=1.0, multiplier=2.0, max_delay=3.0)
    assert await retry_on_conflict(attempt, policy=policy, sleep=waits) == "written"
    assert tries == [1, 2, 3, 4]
    # Each wait a random fraction of its ceiling (the tries took less than that).
    assert len(waits.seconds) == 3
    assert all(0 <= wait <= ceiling for wait, ceiling in zip(waits.seconds, [1, 2, 3], strict=True))


async def test_running_out_raises_a_conflict_error_saying_how_many_tries() -> None:
    waits = Waits()
    policy = RetryPolicy(attempts=5, initial_delay=0.0)
    count = 0

    async def attempt() -> None:
        nonlocal count
        count += 1
        raise conflict(count)

    with pytest.raises(ConflictRetriesExhaustedError) as caught:
        await retry_on_conflict(attempt, policy=policy, sleep=waits)
    error = caught.value
    assert isinstance(error, ConflictError) and error.status == 409
    assert error.attempts == 5 == count and len(waits.seconds) == 4
    assert error.last.message == "the object has been modified (5)"
    assert error.__cause__ is error.last
    assert str(error).startswith("409 Conflict: gave up after 5 tries in ")
    assert str(error).endswith("the object kept changing: the object has been modified (5)")


@pytest.mark.parametrize(
    "failure",
    [
        AlreadyExistsError(409, "AlreadyExists", "exists"),
        NotFoundError(404, "NotFound", "gone"),
        ValueError("a bug"),
    ],
    ids=lambda error: type(error).__name__,
)
async def test_anything_but_a_conflict_is_raised_at_once(failure: Exception) -> None:
    waits = Waits()

    async def attempt() -> None:
        raise failure

    with pytest.raises(type(failure)) as caught:
        await retry_on_conflict(attempt, sleep=waits)
    assert caught.value is failure and waits.seconds == []


async def test_the_wait_is_never_shorter_than_the_conflicting_try_took() -> None:
    # A crowd queueing at the server makes each try slow; milliseconds of backoff would send
    # it back into the queue together.
    waits = Waits()
    policy = RetryPolicy(attempts=2, initial_delay=0.001, max_delay=0.001, jitter=0.0)

    async def slow_attempt() -> None:
        await asyncio.sleep(0.05)
        raise conflict()

    with pytest.raises(ConflictRetriesExhaustedError):
        await retry_on_conflict(slow_attempt, policy=policy, sleep=waits)
    assert waits.seconds[0] >= 0.05


def test_the_backoff_floor_raises_the_ceiling_beyond_max_delay() -> None:
    policy = RetryPolicy(initial_delay=0.01, max_delay=1.0, jitter=1.0)
    rng = random.Random(7)
    waits = [policy.backoff(30, rng, at_least=4.0) for _ in range(200)]
    assert max(waits) <= 4.0 and max(waits) > 1.0
    assert policy.backoff(1, random.Random(1), at_least=0.0) <= 0.01


def test_the_default_gives_a_crowd_minutes_before_giving_up() -> None:
    ceilings = [
        min(CONFLICT_RETRY.initial_delay * CONFLICT_RETRY.multiplier**n, CONFLICT_RETRY.max_delay)
        for n in range(CONFLICT_RETRY.attempts - 1)
    ]
    assert ceilings[0] == 0.01  # a lone collision costs next to nothing
    assert 240 <= sum(ceilings) <= 360  # about 5 minutes of waits at most while tries are quick
    assert CONFLICT_RETRY.jitter == 1.0  # full jitter
