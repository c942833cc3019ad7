"""Running the control plane's async Kubernetes calls from its synchronous API."""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

__all__ = ["run_sync"]

_T = TypeVar("_T")


def run_sync(factory: Callable[[], Coroutine[Any, Any, _T]]) -> _T:
    """Run a coroutine to completion on a private loop in a helper thread.

    A helper thread works whether or not the caller is inside a running loop, and leaves
    the caller's thread-local event loop (e.g. pytest-asyncio's) untouched.
    """
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="lscsde-controlplane") as pool:
        return pool.submit(lambda: asyncio.run(factory())).result()
