"""Seeding straight into etcd, for seeds too large to create one request at a time.

Creating 110,000 objects through the API takes minutes on two cores (admission, schema and
CEL validation, one etcd write each). Here each object is written as kube-apiserver stores
a custom resource: its JSON under ``/registry/<group>/<plural>/<namespace>/<name>``, keys
in order, with the metadata the server would have added (uid, creation time, generation,
``managedFields`` of the create and of the status update), and no resourceVersion (etcd's
revision is the version). Writes go through etcd's JSON gateway in transactions of many
puts. The API server's watch cache takes them in as it takes any change, and a list
answered after that (a consistent read waits for the cache to catch up) returns them.

The manifests are the standard seed's (:mod:`bench.seed`), which the API validates when
that seed is created, so nothing invalid is written here.
"""

from __future__ import annotations

import asyncio
import base64
import json
import random
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from typing import Any, TextIO

import aiohttp

from .cluster import RawApi
from .seed import (
    GROUP_PATH,
    SeededData,
    SeedPlan,
    bindings,
    workspace_manifest,
    workspace_name,
    workspace_status,
)

__all__ = ["etcd_key", "managed_fields", "seed_through_etcd", "stored_object", "wait_until_served"]

REGISTRY = "/registry"
GROUP = "xlscsde.nhs.uk"
MANAGER = "bench-seed"
# etcd's limits: 128 operations per transaction (--max-txn-ops) and 1.5 MiB a request.
_PUTS_PER_TXN = 100
_TXN_BYTES = 1 << 20
_IN_FLIGHT = 4
_SERVED_WITHIN = 600.0  # seconds for the server's cache to take in the seed


def etcd_key(plural: str, namespace: str, name: str) -> str:
    return f"{REGISTRY}/{GROUP}/{plural}/{namespace}/{name}"


def _fields(value: Any) -> dict[str, Any]:
    """The ``fieldsV1`` of a value: a map's keys (``f:key``), ``.`` for the map itself;
    a list or a scalar is one field (these CRDs' lists are all atomic)."""
    if not isinstance(value, Mapping):
        return {}
    return {".": {}, **{f"f:{key}": _fields(item) for key, item in value.items()}}


def managed_fields(manifest: Mapping[str, Any], created: str) -> list[dict[str, Any]]:
    """The ``managedFields`` the API server records for creating ``manifest`` and, when it
    has a ``status``, for then updating the status subresource."""
    metadata = {
        f"f:{key}": _fields(manifest["metadata"][key])
        for key in ("annotations", "labels")
        if key in manifest["metadata"]
    }
    entry = {
        "apiVersion": manifest["apiVersion"],
        "fieldsType": "FieldsV1",
        "manager": MANAGER,
        "operation": "Update",
        "time": created,
    }
    entries = [{**entry, "fieldsV1": {"f:metadata": metadata, "f:spec": _fields(manifest["spec"])}}]
    if "status" in manifest:
        entries.append(
            {
                **entry,
                "fieldsV1": {"f:status": _fields(manifest["status"])},
                "subresource": "status",
            }
        )
    return entries


def stored_object(manifest: Mapping[str, Any], namespace: str, *, uid: str, created: str) -> bytes:
    """``manifest`` as kube-apiserver stores it in etcd."""
    metadata = {
        **manifest["metadata"],
        "namespace": namespace,
        "uid": uid,
        "creationTimestamp": created,
        "generation": 1,
        "managedFields": managed_fields(manifest, created),
    }
    stored = {**manifest, "metadata": metadata}
    return json.dumps(stored, separators=(",", ":"), sort_keys=True).encode() + b"\n"


def _objects(plan: SeedPlan, namespace: str, today: date) -> Iterator[tuple[str, bytes]]:
    rng = random.Random(20250107)  # the same uids every run
    created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def uid() -> str:
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    for index in range(plan.workspaces):
        manifest = {**workspace_manifest(index, today), **workspace_status(index)}
        key = etcd_key("analyticsworkspaces", namespace, workspace_name(index))
        yield key, stored_object(manifest, namespace, uid=uid(), created=created)
    for manifest in bindings(plan, today):
        key = etcd_key("analyticsworkspacebindings", namespace, manifest["metadata"]["name"])
        yield key, stored_object(manifest, namespace, uid=uid(), created=created)


def _transactions(objects: Iterator[tuple[str, bytes]]) -> Iterator[tuple[int, dict[str, Any]]]:
    puts: list[dict[str, Any]] = []
    size = 0
    for key, value in objects:
        put = {
            "request_put": {
                "key": base64.b64encode(key.encode()).decode(),
                "value": base64.b64encode(value).decode(),
            }
        }
        puts.append(put)
        size += len(put["request_put"]["value"]) + len(put["request_put"]["key"])
        if len(puts) == _PUTS_PER_TXN or size >= _TXN_BYTES:
            yield len(puts), {"success": puts}
            puts, size = [], 0
    if puts:
        yield len(puts), {"success": puts}


async def wait_until_served(api: RawApi, namespace: str, revision: int) -> None:
    """Return once the API server's watch cache of both kinds holds etcd ``revision``.

    Until it does, a list that wants the latest data is answered from etcd instead, which
    for 100,000 objects can take longer than the server's own request timeout."""
    async with asyncio.timeout(_SERVED_WITHIN):
        for plural in ("analyticsworkspaces", "analyticsworkspacebindings"):
            path = (
                f"{GROUP_PATH.format(namespace=namespace)}/{plural}?limit=1"
                f"&resourceVersion={revision}&resourceVersionMatch=NotOlderThan"
            )
            while True:
                try:
                    await api.request("GET", path)
                    break
                except RuntimeError:  # 504 "Too large resource version": not there yet
                    await asyncio.sleep(1)


async def seed_through_etcd(
    etcd_url: str,
    api: RawApi,
    namespace: str,
    plan: SeedPlan,
    *,
    stream: TextIO | None = None,
) -> SeededData:
    """Write the plan's workspaces (with status) and bindings into ``namespace`` (which
    must exist) straight into etcd at ``etcd_url``; return once ``api``'s server serves
    them from its cache."""
    stream = stream or sys.stderr
    started = time.monotonic()
    written = 0
    print(
        f"seed: {plan.workspaces:,} workspaces and {plan.objects - plan.workspaces:,} bindings "
        f"into namespace {namespace!r}, straight into etcd",
        file=stream,
        flush=True,
    )
    transactions = _transactions(_objects(plan, namespace, date.today()))
    revision = 0
    async with aiohttp.ClientSession() as session:

        async def drain() -> None:
            nonlocal written, revision
            for count, body in transactions:  # shared: each is taken by one drainer
                async with session.post(f"{etcd_url}/v3/kv/txn", json=body) as response:
                    answer = await response.read()
                    done = json.loads(answer) if response.status == 200 else {}
                    if not done.get("succeeded"):
                        raise RuntimeError(f"etcd txn: HTTP {response.status}: {answer[:300]!r}")
                written += count
                revision = max(revision, int(done["header"]["revision"]))

        async with asyncio.TaskGroup() as group:
            for _ in range(_IN_FLIGHT):
                group.create_task(drain())
    await wait_until_served(api, namespace, revision)
    elapsed = time.monotonic() - started
    print(
        f"seed: {written:,}/{plan.objects:,} objects written and served "
        f"({written / elapsed:,.0f}/s)",
        file=stream,
        flush=True,
    )
    return SeededData.seeded(namespace, plan, elapsed)
