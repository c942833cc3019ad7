"""The old exception names live only in lscsde_workspace_mgmt, as the SDK's own errors: an
``except`` clause written for the old library catches what the compat layer and the SDK under
it raise, and code raising an old name raises the SDK's error."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
from kubernetes_asyncio.client import ApiClient, CustomObjectsApi, V1ObjectMeta, V1Pod

from lscsde_sdk import errors
from lscsde_sdk.labels import format_as_label
from lscsde_workspace_mgmt import exceptions
from lscsde_workspace_mgmt.managers import AnalyticsWorkspaceManager
from lscsde_workspace_mgmt.tests.k8shelper import KubernetesHelper
from lscsde_workspace_mgmt.workspaceclient import AnalyticsWorkspaceClient

LOG = logging.getLogger("jupyterhub")


@pytest.fixture
async def api() -> AsyncIterator[ApiClient]:
    # Nothing here reaches a server: each call fails on its arguments first.
    async with ApiClient() as api_client:
        yield api_client


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("WorkspaceNotFoundException", "WorkspaceLabelMissingError"),
        ("InvalidParameterException", "InvalidParameterError"),
        ("InvalidLabelFormatException", "InvalidLabelFormatError"),
    ],
)
def test_each_old_name_is_the_sdk_error(old: str, new: str) -> None:
    assert getattr(exceptions, old) is getattr(errors, new)
    assert not hasattr(errors, old)


async def test_an_unlabelled_pod_is_caught_as_workspace_not_found(api: ApiClient) -> None:
    pod = V1Pod(metadata=V1ObjectMeta(name="jupyter-joe", namespace="hub"))
    with pytest.raises(exceptions.WorkspaceNotFoundException) as caught:
        await AnalyticsWorkspaceManager(api, LOG).mount_workspace(pod, None, "/home")
    assert (caught.value.namespace, caught.value.name) == ("hub", "jupyter-joe")


async def test_a_missing_namespace_is_caught_as_invalid_parameter(api: ApiClient) -> None:
    client = AnalyticsWorkspaceClient(CustomObjectsApi(api), LOG, event_client=None)
    with pytest.raises(exceptions.InvalidParameterException, match="namespace"):
        await client.get("", "cancer-outcomes")


@pytest.mark.parametrize("label_of", [format_as_label, KubernetesHelper().format_as_label])
def test_a_value_without_label_form_is_caught_as_invalid_label_format(label_of: object) -> None:
    assert callable(label_of)
    with pytest.raises(exceptions.InvalidLabelFormatException):
        label_of("_joe")


def test_raising_an_old_name_raises_what_the_sdk_catches() -> None:
    with pytest.raises(errors.InvalidParameterError, match="bad"):
        raise exceptions.InvalidParameterException("bad")
