"""parse_quantity agrees with the API server: what it accepts, what it refuses, and the value
it stores (read back in the server's canonical form)."""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal
from typing import Any

import pytest
from kubernetes_asyncio.client import (
    ApiClient,
    CoreV1Api,
    V1Container,
    V1ObjectMeta,
    V1Pod,
    V1PodSpec,
    V1ResourceRequirements,
)
from kubernetes_asyncio.client.exceptions import ApiException

from lscsde_sdk.converters import memory_bytes
from lscsde_sdk.errors import InvalidQuantityError
from lscsde_sdk.quantities import parse_quantity

pytestmark = pytest.mark.integration

ACCEPTED: list[Any] = [
    "8G",
    "8Gi",
    "1.5Gi",
    "1e9",
    "500M",
    "128974848",
    "129e6",
    "123Mi",
    "1E",
    "1E3",
    "1e+3",
    "1.G",
    ".5Ki",
    "1.1Ki",
    "0.9n",
    "1.0000000001",
    "500m",
    "+2k",
    "0",
    1073741824,
    0.5,
]
REFUSED = ["8GB", "8 Gi", "1K", "1gi", "1e", "1e1.5", "1Mi5", "lots", "1E3i"]


def pod(name: str, memory: list[Any]) -> V1Pod:
    """A pod with one container per memory limit (numbers are sent as JSON numbers)."""
    containers = [
        V1Container(
            name=f"c{index}",
            image="busybox:1.36",
            resources=V1ResourceRequirements(limits={"memory": value}),
        )
        for index, value in enumerate(memory)
    ]
    return V1Pod(
        api_version="v1",
        kind="Pod",
        metadata=V1ObjectMeta(name=name),
        spec=V1PodSpec(containers=containers),
    )


async def test_the_server_stores_the_amounts_we_read(admin_api: ApiClient, namespace: str) -> None:
    created = await CoreV1Api(admin_api).create_namespaced_pod(namespace, pod("accepted", ACCEPTED))
    stored = [container.resources.limits["memory"] for container in created.spec.containers]
    for given, canonical in zip(ACCEPTED, stored, strict=True):
        # Pod defaulting rounds resource amounts up to thousandths ("0.9n" is stored as "1m").
        milli = parse_quantity(given).quantize(Decimal("0.001"), rounding=ROUND_CEILING)
        assert parse_quantity(canonical) == milli, (given, canonical)
        assert memory_bytes(canonical) == memory_bytes(given), (given, canonical)


async def test_the_server_refuses_what_we_refuse(admin_api: ApiClient, namespace: str) -> None:
    core = CoreV1Api(admin_api)
    for index, text in enumerate(REFUSED):
        with pytest.raises(InvalidQuantityError):
            parse_quantity(text)
        with pytest.raises(ApiException) as refused:
            await core.create_namespaced_pod(namespace, pod(f"refused-{index}", [text]))
        assert refused.value.status in (400, 422), text


async def test_the_server_reads_a_lone_sign_or_point_as_zero(
    admin_api: ApiClient, namespace: str
) -> None:
    # Outside the documented grammar, accepted by the server's scanner: refused here on purpose.
    lax = [".", "+", "-"]
    created = await CoreV1Api(admin_api).create_namespaced_pod(namespace, pod("lax", lax))
    assert [c.resources.limits["memory"] for c in created.spec.containers] == ["0", "0", "0"]
    for text in lax:
        with pytest.raises(InvalidQuantityError):
            parse_quantity(text)
