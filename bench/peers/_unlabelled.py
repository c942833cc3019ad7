"""The unlabelled-bindings scenarios' set-up: before every call, the measured user's bindings
carry no ``xlscsde.nhs.uk/username`` label, as when GitOps has just written them.

lscsde-workspace-mgmt 0.1.14 labels such bindings as a side effect of its lookup, so without
this every call after the first would measure the labelled case. The labels are removed
before each call and put back when the peer is done (so the next scenario finds the
namespace as seeded), both as the bench's admin identity, whose requests the audit log
leaves out, and outside the timed part of the call. Uses kubernetes_asyncio only: it runs in
the old library's venv too.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from kubernetes_asyncio.client import ApiClient, CustomObjectsApi

from . import _harness
from ._kubeconfig import api_client

__all__ = ["unlabelled_before_each_call"]

USERNAME_LABEL = "xlscsde.nhs.uk/username"
_GROUP, _VERSION, _PLURAL = "xlscsde.nhs.uk", "v1", "analyticsworkspacebindings"
_IN_FLIGHT = 16


async def _set_label(
    api: CustomObjectsApi, namespace: str, names: Sequence[str], value: str | None
) -> None:
    gate = asyncio.Semaphore(_IN_FLIGHT)

    async def patch(name: str) -> None:
        async with gate:
            # A dict body would be sent as a JSON patch unless the type is forced (a keyword
            # the client takes through **kwargs, which its annotations leave out).
            await api.patch_namespaced_custom_object(  # type: ignore[call-arg]
                _GROUP,
                _VERSION,
                namespace,
                _PLURAL,
                name,
                {"metadata": {"labels": {USERNAME_LABEL: value}}},
                _content_type="application/merge-patch+json",
            )

    await asyncio.gather(*(patch(name) for name in names))


async def _labelled(api: CustomObjectsApi, namespace: str, label: str) -> list[str]:
    """The bindings that carry the user's label (those the peer labelled since the last call)."""
    found: dict[str, Any] = await api.list_namespaced_custom_object(
        _GROUP, _VERSION, namespace, _PLURAL, label_selector=f"{USERNAME_LABEL}={label}"
    )
    return [item["metadata"]["name"] for item in found["items"]]


@asynccontextmanager
async def unlabelled_before_each_call(
    job: _harness.Job, lookup: Callable[[], Awaitable[Sequence[Any]]]
) -> AsyncIterator[_harness.Call]:
    """``lookup`` as a call that reports its own time, taken after the user's bindings
    (``job["bindings"]``, labelled ``job["label"]`` when seeded) have lost their label."""
    namespace, label, bindings = job["namespace"], job["label"], job["bindings"]
    admin: ApiClient
    async with await api_client(job["admin_kubeconfig"]) as admin:
        objects = CustomObjectsApi(admin)

        async def call() -> _harness.Sample:
            await _set_label(objects, namespace, await _labelled(objects, namespace, label), None)
            began = time.perf_counter()
            result = await lookup()
            return _harness.Sample(time.perf_counter() - began, len(result))

        try:
            yield call
        finally:
            await _set_label(objects, namespace, bindings, label)
