"""Mounting claims into V1Pods (no server involved) and the storage defaults."""

from __future__ import annotations

import pytest
from kubernetes_asyncio.client import (
    V1Container,
    V1EmptyDirVolumeSource,
    V1ObjectMeta,
    V1Pod,
    V1PodSpec,
    V1Volume,
    V1VolumeMount,
)

from lscsde_sdk.errors import InvalidParameterError
from lscsde_sdk.storage import (
    claim_labels,
    default_access_modes,
    default_capacity,
    default_storage_class,
    mount_claim,
    volume_name_for_claim,
)


def pod() -> V1Pod:
    return V1Pod(
        metadata=V1ObjectMeta(name="jupyter-joe", namespace="jupyterhub"),
        spec=V1PodSpec(
            containers=[V1Container(name="notebook"), V1Container(name="sidecar")],
        ),
    )


def test_mount_adds_a_volume_and_a_mount_in_the_first_container() -> None:
    target = pod()
    result = mount_claim(target, "outcomes-home", "/home/jovyan/outcomes", read_only=True)
    assert result is target
    assert target.spec is not None and target.spec.volumes is not None
    (volume,) = target.spec.volumes
    assert volume.name == "outcomes-home"
    assert volume.persistent_volume_claim.claim_name == "outcomes-home"
    (mount,) = target.spec.containers[0].volume_mounts
    assert (mount.name, mount.mount_path, mount.read_only) == (
        "outcomes-home",
        "/home/jovyan/outcomes",
        True,
    )
    assert target.spec.containers[1].volume_mounts is None


def test_mounting_twice_does_not_duplicate() -> None:
    target = pod()
    mount_claim(target, "outcomes-home", "/home/jovyan/outcomes")
    mount_claim(target, "outcomes-home", "/home/jovyan/outcomes", read_only=True)
    assert target.spec is not None
    assert len(target.spec.volumes) == 1
    (mount,) = target.spec.containers[0].volume_mounts
    assert mount.read_only is True


def test_one_claim_at_two_paths_shares_the_volume() -> None:
    target = pod()
    mount_claim(target, "shared", "/a")
    mount_claim(target, "shared", "/b")
    assert target.spec is not None
    assert [v.name for v in target.spec.volumes] == ["shared"]
    assert [m.mount_path for m in target.spec.containers[0].volume_mounts] == ["/a", "/b"]


def test_existing_volumes_and_mounts_are_kept() -> None:
    target = pod()
    assert target.spec is not None
    target.spec.volumes = [V1Volume(name="scratch", empty_dir=V1EmptyDirVolumeSource())]
    target.spec.containers[0].volume_mounts = [V1VolumeMount(name="scratch", mount_path="/tmp/s")]
    mount_claim(target, "outcomes-home", "/home/jovyan/outcomes")
    assert [v.name for v in target.spec.volumes] == ["scratch", "outcomes-home"]
    assert [m.name for m in target.spec.containers[0].volume_mounts] == ["scratch", "outcomes-home"]


def test_volumes_given_as_dicts_are_recognised() -> None:
    target = pod()
    assert target.spec is not None
    target.spec.volumes = [{"name": "home", "persistentVolumeClaim": {"claimName": "outcomes"}}]  # type: ignore[list-item]
    target.spec.containers[0].volume_mounts = [{"name": "home", "mountPath": "/home"}]  # type: ignore[list-item]
    mount_claim(target, "outcomes", "/home", read_only=True)
    assert len(target.spec.volumes) == 1
    assert target.spec.containers[0].volume_mounts == [
        {"name": "home", "mountPath": "/home", "readOnly": True}
    ]


def test_conflicts_are_reported() -> None:
    target = pod()
    assert target.spec is not None
    target.spec.volumes = [V1Volume(name="outcomes", empty_dir=V1EmptyDirVolumeSource())]
    with pytest.raises(InvalidParameterError, match="already has a volume named 'outcomes'"):
        mount_claim(target, "outcomes", "/x")

    target = pod()
    mount_claim(target, "one", "/data")
    with pytest.raises(InvalidParameterError, match="already mounts volume 'one' at '/data'"):
        mount_claim(target, "two", "/data")


def test_pod_without_containers_is_refused() -> None:
    empty = V1Pod(metadata=V1ObjectMeta(name="p"), spec=V1PodSpec(containers=[]))
    with pytest.raises(InvalidParameterError, match="no containers"):
        mount_claim(empty, "c", "/c")


def test_volume_names_are_dns_labels() -> None:
    assert volume_name_for_claim("outcomes-home") == "outcomes-home"
    dotted = volume_name_for_claim("outcomes.home")
    assert dotted.startswith("outcomes-home-") and len(dotted) == len("outcomes-home-") + 10
    long = volume_name_for_claim("c" * 200)
    assert len(long) <= 63
    assert volume_name_for_claim("c" * 200) == long
    assert volume_name_for_claim("c" * 200) != volume_name_for_claim("c" * 201)


def test_defaults_come_from_the_environment_per_call(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "DEFAULT_STORAGE_CLASS",
        "DEFAULT_STORAGE_ACCESS_MODES",
        "DEFAULT_STORAGE_CAPACITY",
    ):
        monkeypatch.delenv(name, raising=False)
    # No class: the claim leaves storageClassName out and the cluster's default class applies.
    assert default_storage_class() is None
    monkeypatch.setenv("DEFAULT_STORAGE_CLASS", "")
    assert default_storage_class() is None
    assert default_access_modes() == ["ReadWriteMany"]
    assert default_capacity() == "1Gi"
    monkeypatch.setenv("DEFAULT_STORAGE_CLASS", "fast")
    monkeypatch.setenv("DEFAULT_STORAGE_ACCESS_MODES", "ReadWriteOnce, ReadOnlyMany,")
    monkeypatch.setenv("DEFAULT_STORAGE_CAPACITY", "5Gi")
    assert default_storage_class() == "fast"
    assert default_access_modes() == ["ReadWriteOnce", "ReadOnlyMany"]
    assert default_capacity() == "5Gi"


def test_claims_are_labelled_with_their_workspace_and_manager() -> None:
    assert claim_labels() == {"app.kubernetes.io/managed-by": "lscsde-sdk"}
    assert claim_labels("cancer-outcomes") == {
        "app.kubernetes.io/managed-by": "lscsde-sdk",
        "xlscsde.nhs.uk/workspace": "cancer-outcomes",
    }
    # The caller's labels are added, and win.
    assert claim_labels("a", {"team": "x", "app.kubernetes.io/managed-by": "jupyterhub"}) == {
        "app.kubernetes.io/managed-by": "jupyterhub",
        "xlscsde.nhs.uk/workspace": "a",
        "team": "x",
    }


def test_a_workspace_name_too_long_for_a_label_is_shortened() -> None:
    name = "outcomes." + "x" * 100
    value = claim_labels(name)["xlscsde.nhs.uk/workspace"]
    assert len(value) <= 63 and value.startswith("outcomes.xx")
