"""The compat models keep the old library's value types and defaults, accept both field names,
and convert to and from lscsde_sdk's models; the converter and helpers keep the old types."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from kubernetes_asyncio.client import ApiException

from codegen.compat import check_compat
from lscsde_sdk import models as sdk
from lscsde_sdk.errors import NotFoundError
from lscsde_workspace_mgmt._convert import from_sdk, kubernetes_errors, to_api_dict, to_sdk
from lscsde_workspace_mgmt.exceptions import (
    InvalidLabelFormatException,
    NoAssignedValidWorkspaces,
    WorkspaceNotFoundException,
)
from lscsde_workspace_mgmt.models import (
    AnalyticsApproval,
    AnalyticsCrate,
    AnalyticsCrateSpecRepository,
    AnalyticsCrateStatus,
    AnalyticsDataSource,
    AnalyticsDataSourceBinding,
    AnalyticsDataSourceBindingSpec,
    AnalyticsDataSourceSecret,
    AnalyticsDataSourceSecretWithKey,
    AnalyticsDataSourceSpec,
    AnalyticsDataSourceStatus,
    AnalyticsWorkspace,
    AnalyticsWorkspaceBinding,
    AnalyticsWorkspaceBindingSpec,
    AnalyticsWorkspaceBindingStatus,
    AnalyticsWorkspaceSpec,
    AnalyticsWorkspaceStatus,
    AnalyticsWorkspaceValidity,
    JupyterWorkspaceSpec,
    JupyterWorkspaceSpecToleration,
    KubernetesHelper,
    KubernetesMetadata,
)
from lscsde_workspace_mgmt.objects import AnalyticsWorkspaceConverter

ROOT = Path(__file__).resolve().parents[2]

WORKSPACE: dict[str, Any] = {
    "apiVersion": "xlscsde.nhs.uk/v1",
    "kind": "AnalyticsWorkspace",
    "metadata": {
        "name": "generic-workspace",
        "namespace": "jupyterhub",
        "uid": "0d1f4b6e-4c9a-4b7e-9d51-1d1f7f0f5b8a",
        "resourceVersion": "42",
        "creationTimestamp": "2025-01-06T10:00:00Z",
        "labels": {"team": "a"},
    },
    "spec": {
        "displayName": "Generic Workspace",
        "description": "For tests",
        "validity": {"availableFrom": "2025-01-06", "expires": "2025-07-01"},
        "jupyterWorkspace": {
            "image": "lscsde/datascience-notebook-default:0.1.0",
            "extraLabels": {"tier": "gold"},
            "defaultUri": "/lab",
            "nodeSelector": {"pool": "gpu"},
            "tolerations": [{"key": "gpu", "operator": "Exists", "effect": "NoSchedule"}],
            "resources": {
                "requests": {"memory": "1G", "cpu": 0.25},
                "limits": {"memory": "2G", "cpu": 1},
            },
            "persistentVolumeClaim": {"name": "ws-claim", "storageClassName": "fast"},
        },
    },
    "status": {"statusText": "Provisioned", "persistentVolumeClaim": "ws-claim"},
}


# -- value types and defaults ----------------------------------------------------------------


def test_dates_are_iso_strings() -> None:
    workspace = AnalyticsWorkspace.model_validate(WORKSPACE)
    assert workspace.spec is not None and workspace.spec.validity is not None
    assert workspace.spec.validity.available_from == "2025-01-06"
    assert workspace.spec.validity.expires == "2025-07-01"

    approval = AnalyticsApproval.model_validate(
        {"type": "IG", "approvalGiven": "2025-01-06T09:30:00Z"}
    )
    assert approval.approval_given == "2025-01-06T09:30:00Z"

    binding = AnalyticsWorkspaceBindingSpec(expires="2025-02-01")
    # Code written for the old models compared expiry dates as strings.
    assert binding.expires is not None and binding.expires < "2025-07-01"


def test_kind_defaults() -> None:
    workspace = AnalyticsWorkspace()
    assert workspace.api_version == "xlscsde.nhs.uk/v1"
    assert workspace.kind == "AnalyticsWorkspace"
    assert workspace.metadata == KubernetesMetadata()
    assert workspace.metadata is not None
    assert (workspace.metadata.name, workspace.metadata.namespace) == ("", "default")
    assert workspace.metadata.labels == {} and workspace.metadata.annotations == {}
    assert workspace.metadata.resource_version is None
    assert workspace.status is not None and workspace.status.status_text == "Waiting"
    assert workspace.spec is not None and workspace.spec.jupyter_workspace is not None
    jupyter = workspace.spec.jupyter_workspace
    assert jupyter.persistent_volume_claim is not None
    assert jupyter.persistent_volume_claim.name is None
    assert workspace.spec.validity is None


@pytest.mark.parametrize(
    ("model", "kind", "status_text"),
    [
        (AnalyticsWorkspace, "AnalyticsWorkspace", "Waiting"),
        (AnalyticsWorkspaceBinding, "AnalyticsWorkspaceBinding", "Waiting"),
        (AnalyticsDataSource, "AnalyticsDataSource", "Waiting"),
        (AnalyticsDataSourceBinding, "AnalyticsDataSourceBinding", "Waiting"),
        # The old crate defaulted kind to "AnalyticsDataSourceBinding" (a bug) and had no
        # status text default.
        (AnalyticsCrate, "AnalyticsCrate", None),
    ],
)
def test_every_kind_has_its_old_defaults(model: Any, kind: str, status_text: str | None) -> None:
    instance = model()
    assert instance.kind == kind
    assert instance.metadata.namespace == "default"
    assert instance.status.status_text == status_text


def test_other_old_defaults() -> None:
    spec = AnalyticsDataSourceSpec()
    assert spec.type == "Uploaded"
    assert spec.publisher is not None and spec.publisher.contact is not None
    assert spec.project is not None and spec.project.id is None
    assert AnalyticsDataSourceStatus().last_active_check == "Waiting"
    assert AnalyticsCrateSpecRepository().branch == "main"
    assert AnalyticsCrateSpecRepository().secret_key is None
    assert AnalyticsCrateStatus().status_text is None
    assert AnalyticsWorkspaceBindingStatus().status_text == "Waiting"
    assert AnalyticsWorkspaceStatus().persistent_volume_claim is None


def test_every_field_is_optional() -> None:
    # The CRDs require these; the old models did not, and neither do these.
    assert AnalyticsWorkspaceValidity().expires is None
    assert AnalyticsWorkspaceSpec().display_name is None
    assert AnalyticsDataSourceBindingSpec().workspace is None
    assert JupyterWorkspaceSpec().image is None


def test_default_instances_are_not_shared() -> None:
    first, second = AnalyticsWorkspace(), AnalyticsWorkspace()
    assert first.metadata is not second.metadata
    assert first.metadata is not None and second.metadata is not None
    first.metadata.labels["a"] = "b"
    assert second.metadata.labels == {}


def test_fields_are_set_by_python_name_or_schema_name() -> None:
    # The old models ignored a Python name whose schema name differs (resource_version=...).
    assert KubernetesMetadata(resource_version="5").resource_version == "5"
    by_alias = KubernetesMetadata.model_validate({"resourceVersion": "6"})
    assert by_alias.resource_version == "6"
    spec = AnalyticsWorkspaceSpec(display_name="By name")
    assert spec.display_name == "By name"
    assert AnalyticsWorkspaceSpec.model_validate({"displayName": "By alias"}).display_name == (
        "By alias"
    )


def test_round_trip_by_alias() -> None:
    workspace = AnalyticsWorkspace.model_validate(WORKSPACE)
    dumped = workspace.model_dump(by_alias=True, exclude_none=True)
    assert AnalyticsWorkspace.model_validate(dumped) == workspace
    assert dumped["spec"]["jupyterWorkspace"]["persistentVolumeClaim"] == {
        "name": "ws-claim",
        "storageClassName": "fast",
    }
    # The old default dump (no arguments) uses Python names; code may depend on it.
    assert "display_name" in workspace.model_dump()["spec"]


def test_metadata_and_jupyter_workspace_keep_unknown_fields() -> None:
    workspace = AnalyticsWorkspace.model_validate(WORKSPACE)
    assert workspace.metadata is not None
    assert workspace.metadata.model_extra == {
        "uid": WORKSPACE["metadata"]["uid"],
        "creationTimestamp": "2025-01-06T10:00:00Z",
    }
    jupyter = JupyterWorkspaceSpec.model_validate({"image": "a/b:1", "somethingNew": 1})
    assert jupyter.model_extra == {"somethingNew": 1}
    # Elsewhere unknown fields are ignored, as they were.
    assert AnalyticsWorkspaceStatus.model_validate({"unknown": 1}).model_extra in (None, {})


def test_resources_node_selector_and_tolerations_keep_their_content() -> None:
    workspace = AnalyticsWorkspace.model_validate(WORKSPACE)
    assert workspace.spec is not None and workspace.spec.jupyter_workspace is not None
    jupyter = workspace.spec.jupyter_workspace
    assert jupyter.resources == WORKSPACE["spec"]["jupyterWorkspace"]["resources"]
    assert jupyter.node_selector == {"pool": "gpu"}
    assert jupyter.tolerations is not None
    toleration = jupyter.tolerations[0]
    assert isinstance(toleration, JupyterWorkspaceSpecToleration)
    assert toleration.model_dump() == {"key": "gpu", "operator": "Exists", "effect": "NoSchedule"}


def test_secret_with_key_is_a_secret() -> None:
    secret = AnalyticsDataSourceSecretWithKey(secret_name="s", secret_key="k")
    assert isinstance(secret, AnalyticsDataSourceSecret)
    assert secret.model_dump(by_alias=True) == {"secretName": "s", "secretKey": "k"}


# -- conversion to and from lscsde_sdk ---------------------------------------------------------


def test_conversion_to_sdk_and_back() -> None:
    workspace = AnalyticsWorkspace.model_validate(WORKSPACE)
    converted = to_sdk(workspace, sdk.AnalyticsWorkspace)
    assert converted.spec is not None
    assert converted.spec.validity.expires == date(2025, 7, 1)
    assert converted.metadata.uid == WORKSPACE["metadata"]["uid"]
    back = from_sdk(converted, AnalyticsWorkspace)
    assert back == workspace


def test_approval_time_converts_both_ways() -> None:
    binding = AnalyticsDataSourceBinding.model_validate(
        {
            "metadata": {"name": "b", "namespace": "n"},
            "spec": {
                "workspace": "w",
                "datasource": "d",
                "approvals": [
                    {
                        "type": "IG",
                        "name": "A",
                        "email": "a@example.org",
                        "jobTitle": "Lead",
                        "approvalGiven": "2025-01-06T09:30:00Z",
                    }
                ],
            },
        }
    )
    converted = to_sdk(binding, sdk.AnalyticsDataSourceBinding)
    assert converted.spec is not None and converted.spec.approvals is not None
    assert converted.spec.approvals[0].approval_given == datetime.fromisoformat(
        "2025-01-06T09:30:00+00:00"
    )
    back = from_sdk(converted, AnalyticsDataSourceBinding)
    assert back.spec is not None and back.spec.approvals is not None
    assert back.spec.approvals[0].approval_given == "2025-01-06T09:30:00Z"


def test_old_only_fields_and_untouched_defaults_are_not_sent() -> None:
    status = AnalyticsDataSourceStatus(last_active_check="2025-01-06")
    assert to_api_dict(status) == {"statusText": "Waiting"}
    assert status.model_dump(by_alias=True)["lastActiveCheck"] == "2025-01-06"

    # A virtual-machine workspace: the old default jupyterWorkspace stands for "absent".
    workspace = AnalyticsWorkspace(
        metadata=KubernetesMetadata(name="vm", namespace="n"),
        spec=AnalyticsWorkspaceSpec.model_validate(
            {
                "displayName": "VM",
                "description": "d",
                "validity": {"availableFrom": "2025-01-06", "expires": "2025-07-01"},
                "virtualMachineWorkspace": {"maxHosts": 2},
            }
        ),
    )
    assert "jupyterWorkspace" not in to_api_dict(workspace)["spec"]
    assert to_sdk(workspace, sdk.AnalyticsWorkspace).spec is not None

    # Changed in place, the default instance is sent.
    assert workspace.spec is not None and workspace.spec.jupyter_workspace is not None
    workspace.spec.jupyter_workspace.image = "a/b:1"
    assert to_api_dict(workspace)["spec"]["jupyterWorkspace"] == {"image": "a/b:1"}


def test_sdk_checks_apply_on_the_way_to_the_server() -> None:
    binding = AnalyticsWorkspaceBinding(
        metadata=KubernetesMetadata(name="b", namespace="n"),
        spec=AnalyticsWorkspaceBindingSpec(workspace="w", username="u", expires="not a date"),
    )
    with pytest.raises(ValueError, match="expires"):
        to_sdk(binding, sdk.AnalyticsWorkspaceBinding)


def test_api_errors_become_api_exceptions() -> None:
    status = {"kind": "Status", "reason": "NotFound", "message": "gone", "code": 404}
    with pytest.raises(ApiException) as raised, kubernetes_errors():
        raise NotFoundError(404, "NotFound", "gone", body=status)
    assert raised.value.status == 404
    assert raised.value.reason == "Not Found"
    assert isinstance(raised.value.body, str) and json.loads(raised.value.body) == status
    assert isinstance(raised.value.__cause__, NotFoundError)


# -- helpers, converter, exceptions ----------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "label"),
    [
        ("joe.blogs@someplace.co.uk", "joe.blogs___someplace.co.uk"),
        ("joe.o'keef@someplace.co.uk", "joe.o___keef___someplace.co.uk"),
        ("Joe.Blogs@SomePlace.co.uk", "joe.blogs___someplace.co.uk"),
        ("", ""),
    ],
)
def test_format_as_label(username: str, label: str) -> None:
    assert KubernetesHelper().format_as_label(username) == label
    if username:
        spec = AnalyticsWorkspaceBindingSpec(username=username)
        assert spec.username_as_label() == label


@pytest.mark.parametrize("username", ["joe.o'keef@someplace.co.uk!", "_joe"])
def test_format_as_label_rejects_what_cannot_be_a_label(username: str) -> None:
    with pytest.raises(InvalidLabelFormatException, match="Invalid value"):
        KubernetesHelper().format_as_label(username)


def test_exceptions_keep_their_attributes() -> None:
    assert NoAssignedValidWorkspaces("joe").user == "joe"
    error = WorkspaceNotFoundException("ns", "pod-1")
    assert (error.namespace, error.name) == ("ns", "pod-1")
    assert "pod-1" in error.message


def test_days_until_expiry_is_a_timedelta_from_the_given_day() -> None:
    converter = AnalyticsWorkspaceConverter()
    assert converter.days_until_expiry("2025-07-01", date(2025, 6, 30)) == timedelta(days=1)
    assert converter.days_until_expiry("2025-07-01", datetime(2025, 7, 2, 15)) == timedelta(-1)
    # The default is today at each call (the old default was fixed at import).
    tomorrow = date.fromordinal(date.today().toordinal() + 1).isoformat()
    assert converter.days_until_expiry(tomorrow) == timedelta(days=1)


def test_to_workspace_dict_has_the_old_keys_and_types() -> None:
    workspace = AnalyticsWorkspace.model_validate(WORKSPACE)
    profile = AnalyticsWorkspaceConverter().to_workspace_dict(workspace, date(2025, 6, 1))
    assert list(profile) == [
        "display_name",
        "description",
        "workspace_definition",
        "kubespawner_override",
        "slug",
        "start_date",
        "end_date",
        "ws_days_left",
    ]
    assert profile["display_name"] == "Generic Workspace"
    assert profile["slug"] == "generic-workspace"
    assert (profile["start_date"], profile["end_date"]) == ("2025-01-06", "2025-07-01")
    assert profile["ws_days_left"] == timedelta(days=30)
    assert isinstance(profile["workspace_definition"], JupyterWorkspaceSpec)
    assert profile["workspace_definition"].image == "lscsde/datascience-notebook-default:0.1.0"
    override = profile["kubespawner_override"]
    assert override["image"] == "lscsde/datascience-notebook-default:0.1.0"
    assert override["extra_labels"] == {"tier": "gold", "workspace": "generic-workspace"}
    # Bytes as Kubernetes reads "1G" and "2G" (the old "1G" meant a GiB to KubeSpawner).
    assert (override["mem_guarantee"], override["mem_limit"]) == (10**9, 2 * 10**9)
    assert (override["cpu_guarantee"], override["cpu_limit"]) == (0.25, 1.0)
    assert override["default_url"] == "/lab"
    assert override["node_selector"] == {"pool": "gpu"}
    assert all(isinstance(t, JupyterWorkspaceSpecToleration) for t in override["tolerations"])


def test_to_workspace_dict_without_requests_does_not_fail() -> None:
    data = json.loads(json.dumps(WORKSPACE))
    data["spec"]["jupyterWorkspace"]["resources"] = {"limits": {"memory": "2G"}}
    workspace = AnalyticsWorkspace.model_validate(data)
    override = AnalyticsWorkspaceConverter().to_workspace_dict(workspace)["kubespawner_override"]
    assert override["mem_limit"] == 2 * 10**9
    assert not {"mem_guarantee", "cpu_guarantee", "cpu_limit"} & set(override)


def test_generated_models_are_up_to_date() -> None:
    problems = check_compat(ROOT / "schemas", ROOT / "src" / "lscsde_workspace_mgmt" / "_generated")
    assert not problems, "\n".join(problems)
