"""PersistentVolumeClaimClient against a real kube-apiserver."""

from __future__ import annotations

import asyncio
import logging

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
from lscsde_sdk.labels import workspace_label_value
from lscsde_sdk.storage import PersistentVolumeClaimClient
from lscsde_workspace_mgmt.pvclient import (
    PersistentVolumeClaimClient as OldPersistentVolumeClaimClient,
)

pytestmark = pytest.mark.integration

ENV = ("DEFAULT_STORAGE_CLASS", "DEFAULT_STORAGE_ACCESS_MODES", "DEFAULT_STORAGE_CAPACITY")
MANAGED = {"app.kubernetes.io/managed-by": "lscsde-sdk"}


@pytest.fixture
def no_storage_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def pod(namespace: str, name: str = "jupyter-joe", labels: dict[str, str] | None = None) -> V1Pod:
    return V1Pod(
        api_version="v1",
        kind="Pod",
        metadata=V1ObjectMeta(name=name, namespace=namespace, labels=labels),
        spec=V1PodSpec(containers=[V1Container(name="notebook", image="busybox:1.36")]),
    )


async def test_get_missing_claim_is_none(admin_api: ApiClient, namespace: str) -> None:
    assert await PersistentVolumeClaimClient(admin_api).get(namespace, "nothing") is None


async def test_create_with_defaults(
    admin_api: ApiClient, namespace: str, no_storage_env: pytest.MonkeyPatch
) -> None:
    client = PersistentVolumeClaimClient(admin_api)
    claim = await client.create_if_not_exists(namespace, "home", labels={"app": "jupyter"})
    assert claim.metadata.uid
    # No class anywhere: the claim names none, so the cluster's default class provisions it.
    assert claim.spec.storage_class_name is None
    assert claim.spec.access_modes == ["ReadWriteMany"]
    assert claim.spec.resources.requests == {"storage": "1Gi"}
    assert claim.metadata.labels == {"app": "jupyter", **MANAGED}
    fetched = await client.get(namespace, "home")
    assert fetched is not None and fetched.metadata.uid == claim.metadata.uid
    assert fetched.spec.storage_class_name is None


async def test_an_empty_storage_class_means_the_cluster_default(
    admin_api: ApiClient, namespace: str, no_storage_env: pytest.MonkeyPatch
) -> None:
    no_storage_env.setenv("DEFAULT_STORAGE_CLASS", "")
    claim = await PersistentVolumeClaimClient(admin_api).create_if_not_exists(
        namespace, "empty-class", storage_class_name=""
    )
    raw = await CoreV1Api(admin_api).read_namespaced_persistent_volume_claim(
        "empty-class", namespace
    )
    # Left out, not "": an empty string would ask for a volume of no class instead.
    assert claim.spec.storage_class_name is None and raw.spec.storage_class_name is None


async def test_environment_defaults_are_read_per_call(
    admin_api: ApiClient, namespace: str, no_storage_env: pytest.MonkeyPatch
) -> None:
    client = PersistentVolumeClaimClient(admin_api)  # built before the settings change
    no_storage_env.setenv("DEFAULT_STORAGE_CLASS", "fast-ssd")
    no_storage_env.setenv("DEFAULT_STORAGE_ACCESS_MODES", "ReadWriteOnce,ReadOnlyMany")
    no_storage_env.setenv("DEFAULT_STORAGE_CAPACITY", "5Gi")
    claim = await client.create_if_not_exists(namespace, "from-env")
    assert claim.spec.storage_class_name == "fast-ssd"
    assert claim.spec.access_modes == ["ReadWriteOnce", "ReadOnlyMany"]
    assert claim.spec.resources.requests == {"storage": "5Gi"}


async def test_arguments_override_the_defaults(
    admin_api: ApiClient, namespace: str, no_storage_env: pytest.MonkeyPatch
) -> None:
    no_storage_env.setenv("DEFAULT_STORAGE_CLASS", "fast-ssd")
    claim = await PersistentVolumeClaimClient(admin_api).create_if_not_exists(
        namespace,
        "explicit",
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
    first = await client.create_if_not_exists(
        namespace, "kept", storage_class_name="slow", storage_requested="2Gi"
    )
    again = await client.create_if_not_exists(
        namespace, "kept", storage_class_name="fast", labels={"x": "y"}, storage_requested="9Gi"
    )
    assert again.metadata.uid == first.metadata.uid
    assert again.metadata.resource_version == first.metadata.resource_version
    assert again.spec.storage_class_name == "slow"
    assert again.spec.resources.requests == {"storage": "2Gi"}
    assert again.metadata.labels == MANAGED  # not relabelled


async def test_concurrent_creates_return_the_same_claim(
    admin_api: ApiClient, namespace: str
) -> None:
    client = PersistentVolumeClaimClient(admin_api)
    claims = await asyncio.gather(
        *(client.create_if_not_exists(namespace, "raced") for _ in range(5))
    )
    assert len({claim.metadata.uid for claim in claims}) == 1


async def test_mount_creates_the_claim_and_the_pod_is_accepted(
    admin_api: ApiClient, namespace: str, no_storage_env: pytest.MonkeyPatch
) -> None:
    transport = Transport(admin_api)
    client = PersistentVolumeClaimClient(transport)
    target = pod(namespace)

    result = await client.mount(target, namespace, "joe-home", storage_class_name="managed-csi")
    assert result is target
    # Mounting the same claim again (a respawn) adds nothing.
    async with transport.counting() as counter:
        await client.mount(
            target, namespace, "joe-home", storage_class_name="managed-csi", read_only=True
        )
    assert counter.by_method == {"GET": 1}

    claim = await client.get(namespace, "joe-home")
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
    await client.mount(target, namespace, "outcomes.reference.data", mount_path="/data/reference")
    created = await CoreV1Api(admin_api).create_namespaced_pod(namespace, target)
    (volume,) = created.spec.volumes
    assert volume.persistent_volume_claim.claim_name == "outcomes.reference.data"
    assert created.spec.containers[0].volume_mounts[0].name == volume.name


async def test_claims_created_for_a_workspace_are_labelled_with_it(
    admin_api: ApiClient, namespace: str
) -> None:
    client = PersistentVolumeClaimClient(admin_api)
    await client.create_if_not_exists(namespace, "outcomes-home", workspace="cancer-outcomes")
    # mount() takes the workspace from the pod's "workspace" label...
    labelled = pod(namespace, "jupyter-labelled", {"workspace": "cancer-outcomes"})
    await client.mount(labelled, namespace, "outcomes-scratch", mount_path="/scratch")
    # ...unless it is given...
    await client.mount(labelled, namespace, "shared-data", mount_path="/data", workspace="other")
    # ...and a claim mounted into a pod of no workspace is only marked as the SDK's.
    await client.mount(pod(namespace, "jupyter-plain"), namespace, "plain")

    core = CoreV1Api(admin_api)
    selected = await core.list_namespaced_persistent_volume_claim(
        namespace, label_selector="xlscsde.nhs.uk/workspace=cancer-outcomes"
    )
    assert sorted(c.metadata.name for c in selected.items) == ["outcomes-home", "outcomes-scratch"]
    for claim in selected.items:
        assert claim.metadata.labels == {"xlscsde.nhs.uk/workspace": "cancer-outcomes", **MANAGED}
    shared = await client.get(namespace, "shared-data")
    assert shared is not None
    assert shared.metadata.labels == {"xlscsde.nhs.uk/workspace": "other", **MANAGED}
    plain = await client.get(namespace, "plain")
    assert plain is not None and plain.metadata.labels == MANAGED
    managed = await core.list_namespaced_persistent_volume_claim(
        namespace, label_selector="app.kubernetes.io/managed-by=lscsde-sdk"
    )
    assert len(managed.items) == 4


async def test_a_long_workspace_name_gets_a_label_safe_value(
    admin_api: ApiClient, namespace: str
) -> None:
    long_name = "outcomes." + "x" * 200  # a valid object name, too long for a label value
    claim = await PersistentVolumeClaimClient(admin_api).create_if_not_exists(
        namespace, "long", workspace=long_name
    )
    assert claim.metadata.labels["xlscsde.nhs.uk/workspace"] == workspace_label_value(long_name)


async def test_a_subclass_with_the_old_signature_still_labels_its_claims(
    admin_api: ApiClient, namespace: str, no_storage_env: pytest.MonkeyPatch
) -> None:
    # lscsde_workspace_mgmt's client keeps the old create_if_not_exists/mount parameters;
    # mount() hands it the labels positionally.
    compat = OldPersistentVolumeClaimClient(admin_api, logging.getLogger("test"))
    target = pod(namespace, "jupyter-old", {"workspace": "cancer-outcomes"})
    await compat.mount(target, "old-home", namespace, None, "")
    claim = await compat.get("old-home", namespace)
    assert claim is not None
    assert claim.metadata.labels == {"xlscsde.nhs.uk/workspace": "cancer-outcomes", **MANAGED}
    assert claim.spec.storage_class_name is None
