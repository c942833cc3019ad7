"""PersistentVolumeClaimClient against a real kube-apiserver."""

from __future__ import annotations

import asyncio

import pytest
from kubernetes_asyncio.client import (
    ApiClient,
    CoreV1Api,
    V1Container,
    V1ObjectMeta,
    V1Pod,
    V1PodSpec,
)

from lscsde_sdk.clients import Transport
from lscsde_sdk.storage import PersistentVolumeClaimClient

pytestmark = pytest.mark.integration

ENV = ("DEFAULT_STORAGE_CLASS", "DEFAULT_STORAGE_ACCESS_MODES", "DEFAULT_STORAGE_CAPACITY")


@pytest.fixture
def no_storage_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def pod(namespace: str, name: str = "jupyter-joe") -> V1Pod:
    return V1Pod(
        api_version="v1",
        kind="Pod",
        metadata=V1ObjectMeta(name=name, namespace=namespace),
        spec=V1PodSpec(containers=[V1Container(name="notebook", image="busybox:1.36")]),
    )


async def test_get_missing_claim_is_none(admin_api: ApiClient, namespace: str) -> None:
    assert await PersistentVolumeClaimClient(admin_api).get("nothing", namespace) is None


async def test_create_with_defaults(
    admin_api: ApiClient, namespace: str, no_storage_env: pytest.MonkeyPatch
) -> None:
    client = PersistentVolumeClaimClient(admin_api)
    claim = await client.create_if_not_exists("home", namespace, labels={"app": "jupyter"})
    assert claim.metadata.uid
    assert claim.spec.storage_class_name == "jupyter-default"
    assert claim.spec.access_modes == ["ReadWriteMany"]
    assert claim.spec.resources.requests == {"storage": "1Gi"}
    assert claim.metadata.labels == {"app": "jupyter"}
    fetched = await client.get("home", namespace)
    assert fetched is not None and fetched.metadata.uid == claim.metadata.uid


async def test_environment_defaults_are_read_per_call(
    admin_api: ApiClient, namespace: str, no_storage_env: pytest.MonkeyPatch
) -> None:
    client = PersistentVolumeClaimClient(admin_api)  # built before the settings change
    no_storage_env.setenv("DEFAULT_STORAGE_CLASS", "fast-ssd")
    no_storage_env.setenv("DEFAULT_STORAGE_ACCESS_MODES", "ReadWriteOnce,ReadOnlyMany")
    no_storage_env.setenv("DEFAULT_STORAGE_CAPACITY", "5Gi")
    claim = await client.create_if_not_exists("from-env", namespace)
    assert claim.spec.storage_class_name == "fast-ssd"
    assert claim.spec.access_modes == ["ReadWriteOnce", "ReadOnlyMany"]
    assert claim.spec.resources.requests == {"storage": "5Gi"}


async def test_arguments_override_the_defaults(
    admin_api: ApiClient, namespace: str, no_storage_env: pytest.MonkeyPatch
) -> None:
    no_storage_env.setenv("DEFAULT_STORAGE_CLASS", "fast-ssd")
    claim = await PersistentVolumeClaimClient(admin_api).create_if_not_exists(
        "explicit",
        namespace,
        storage_class_name="azurefile-csi",
        access_modes=["ReadWriteOnce"],
        storage_requested="20Gi",
    )
    assert claim.spec.storage_class_name == "azurefile-csi"
    assert claim.spec.access_modes == ["ReadWriteOnce"]
    assert claim.spec.resources.requests == {"storage": "20Gi"}


async def test_an_existing_claim_is_returned_untouched(
    admin_api: ApiClient, namespace: str
) -> None:
    client = PersistentVolumeClaimClient(admin_api)
    first = await client.create_if_not_exists("kept", namespace, "slow", None, None, "2Gi")
    again = await client.create_if_not_exists("kept", namespace, "fast", {"x": "y"}, None, "9Gi")
    assert again.metadata.uid == first.metadata.uid
    assert again.metadata.resource_version == first.metadata.resource_version
    assert again.spec.storage_class_name == "slow"
    assert again.spec.resources.requests == {"storage": "2Gi"}
    assert not again.metadata.labels


async def test_concurrent_creates_return_the_same_claim(
    admin_api: ApiClient, namespace: str
) -> None:
    client = PersistentVolumeClaimClient(admin_api)
    claims = await asyncio.gather(
        *(client.create_if_not_exists("raced", namespace) for _ in range(5))
    )
    assert len({claim.metadata.uid for claim in claims}) == 1


async def test_mount_creates_the_claim_and_the_pod_is_accepted(
    admin_api: ApiClient, namespace: str, no_storage_env: pytest.MonkeyPatch
) -> None:
    transport = Transport(admin_api)
    client = PersistentVolumeClaimClient(transport)
    target = pod(namespace)

    result = await client.mount(target, "joe-home", namespace, "managed-csi", "")
    assert result is target
    # Mounting the same claim again (a respawn) adds nothing.
    async with transport.counting() as counter:
        await client.mount(target, "joe-home", namespace, "managed-csi", "", read_only=True)
    assert counter.by_method == {"GET": 1}

    claim = await client.get("joe-home", namespace)
    assert claim is not None and claim.spec.storage_class_name == "managed-csi"
    assert target.spec is not None
    assert [(v.name, v.persistent_volume_claim.claim_name) for v in target.spec.volumes] == [
        ("joe-home", "joe-home")
    ]
    mounts = target.spec.containers[0].volume_mounts
    assert [(m.name, m.mount_path, m.read_only) for m in mounts] == [
        ("joe-home", "/mnt/joe-home", True)
    ]
    created = await CoreV1Api(admin_api).create_namespaced_pod(namespace, target)
    assert created.spec.volumes[0].persistent_volume_claim.claim_name == "joe-home"


async def test_claims_whose_names_are_not_volume_names_still_mount(
    admin_api: ApiClient, namespace: str
) -> None:
    client = PersistentVolumeClaimClient(admin_api)
    target = pod(namespace, "jupyter-dots")
    await client.mount(target, "outcomes.reference.data", namespace, None, "/data/reference")
    created = await CoreV1Api(admin_api).create_namespaced_pod(namespace, target)
    (volume,) = created.spec.volumes
    assert volume.persistent_volume_claim.claim_name == "outcomes.reference.data"
    assert created.spec.containers[0].volume_mounts[0].name == volume.name
