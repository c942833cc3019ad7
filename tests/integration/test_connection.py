"""connect(): credentials from an explicit kubeconfig or context, the in-cluster service
account (a service-account directory and environment pointing at the test control plane),
else $KUBECONFIG; one ApiClient and one Transport shared by the typed clients; typed errors
that name the source and why it failed."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from lscsde_sdk import connect
from lscsde_sdk.clients import AnalyticsWorkspaceClient
from lscsde_sdk.connection import CredentialsError
from lscsde_sdk.core.transport import counting_all
from lscsde_sdk.envtest import ControlPlane
from tests.integration.factories import workspace

pytestmark = pytest.mark.integration


@pytest.fixture
def no_pod(monkeypatch: pytest.MonkeyPatch) -> None:
    """Not in a pod, whatever the machine running the tests is."""
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    monkeypatch.delenv("KUBERNETES_SERVICE_PORT", raising=False)


async def test_a_kubeconfig_gives_one_transport_shared_by_every_client(
    control_plane: ControlPlane, namespace: str, no_pod: None
) -> None:
    async with connect(control_plane.kubeconfig_path()) as cluster:
        created = await cluster.workspaces.create(workspace(namespace, "front-door"))
        clients = [
            cluster.workspaces,
            cluster.workspace_bindings,
            cluster.datasources,
            cluster.datasource_bindings,
            cluster.crates,
            cluster.client(AnalyticsWorkspaceClient),
        ]
        assert {id(client.transport) for client in clients} == {id(cluster.transport)}
        assert cluster.transport.api_client is cluster.api
        async with counting_all(cluster.api) as requests:
            found = await cluster.client(AnalyticsWorkspaceClient).get(namespace, "front-door")
            await cluster.recorder(reporting_controller="xlscsde.nhs.uk/test").emit(
                found, "Tested", "through the front door"
            )
        assert found.metadata.uid == created.metadata.uid
        assert requests.paths[0] == ("GET", created_path(namespace, "front-door"))
        assert requests.total == 2
        assert cluster.credentials.server == control_plane.server_url
        assert "kubeconfig" in cluster.credentials.source
        assert cluster.namespace == "default"
        api = cluster.api
    assert api.rest_client.pool_manager.closed  # the connection is closed on exit


def created_path(namespace: str, name: str) -> str:
    return f"/apis/xlscsde.nhs.uk/v1/namespaces/{namespace}/analyticsworkspaces/{name}"


async def test_kubeconfig_comes_from_the_environment_and_context_can_be_chosen(
    control_plane: ControlPlane,
    namespace: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    no_pod: None,
) -> None:
    document = yaml.safe_load(control_plane.kubeconfig_path().read_text(encoding="utf-8"))
    context = document["contexts"][0]
    document["contexts"].append(
        {"name": "elsewhere", "context": {**context["context"], "namespace": namespace}}
    )
    path = tmp_path / "kubeconfig.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    monkeypatch.setenv("KUBECONFIG", str(path))

    async with connect() as cluster:
        assert cluster.namespace == "default"
        assert f"kubeconfig {path} (context {context['name']})" == cluster.credentials.source
    async with connect(context="elsewhere") as cluster:
        assert cluster.namespace == namespace
        assert await cluster.workspaces.list(cluster.namespace) == []


async def test_the_in_cluster_service_account_is_used_in_a_pod(
    control_plane: ControlPlane,
    namespace: str,
    user_name: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A pod's view: the service host and port in the environment, and the mounted account.
    account = tmp_path / "serviceaccount"
    account.mkdir()
    token = control_plane.identities[user_name].token
    assert token is not None and control_plane.ca_file is not None
    (account / "token").write_text(token, encoding="utf-8")
    shutil.copy(control_plane.ca_file, account / "ca.crt")
    (account / "namespace").write_text(namespace, encoding="utf-8")
    host, port = control_plane.server_url.removeprefix("https://").rsplit(":", 1)
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", host)
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", port)
    monkeypatch.setenv("KUBECONFIG", str(control_plane.kubeconfig_path()))  # the admin's
    await control_plane.grant(
        namespace,
        user_name,
        [
            {
                "apiGroups": ["xlscsde.nhs.uk"],
                "resources": ["analyticsworkspaces"],
                "verbs": ["list"],
            }
        ],
    )

    async with connect(service_account=account) as cluster:
        assert cluster.credentials.source == f"in-cluster service account ({account})"
        assert cluster.namespace == namespace
        assert cluster.credentials.server == control_plane.server_url
        assert await cluster.workspaces.list(namespace) == []  # as the account, not admin
        assert token not in repr(cluster)

    # An explicit kubeconfig wins over the account.
    async with connect(control_plane.kubeconfig_path()) as cluster:
        assert "kubeconfig" in cluster.credentials.source


async def test_each_unusable_source_is_a_typed_error_naming_it(
    control_plane: ControlPlane, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_pod: None
) -> None:
    missing = tmp_path / "missing.yaml"
    with pytest.raises(CredentialsError) as error:
        async with connect(missing):
            pass
    assert error.value.source == f"kubeconfig {missing}"
    assert error.value.reason == "no such file"

    with pytest.raises(CredentialsError) as error:
        async with connect(control_plane.kubeconfig_path(), context="nowhere"):
            pass
    assert "(context nowhere)" in error.value.source
    assert "nowhere" in error.value.reason

    # In a pod whose account is not mounted, and with no kubeconfig: both are named.
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1")
    monkeypatch.setenv("KUBECONFIG", str(missing))
    with pytest.raises(CredentialsError) as error:
        async with connect(service_account=tmp_path / "no-account"):
            pass
    assert "no-account/token" in str(error.value)

    # A mounted account that cannot be used (no port, no CA) is its own error.
    account = tmp_path / "broken-account"
    account.mkdir()
    (account / "token").write_text("secret-token-value", encoding="utf-8")
    with pytest.raises(CredentialsError) as error:
        async with connect(service_account=account):
            pass
    assert error.value.source.startswith("in-cluster service account")
    assert "secret-token-value" not in str(error.value)


def loaded_after(code: str) -> set[str]:
    """Which of kubernetes_asyncio and kopf a fresh interpreter has loaded after ``code``."""
    modules = "('kubernetes_asyncio', 'kopf')"
    check = f"{code}\nimport sys\nprint(*(m for m in {modules} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, check=True)
    return set(done.stdout.split())


def test_importing_the_package_and_connect_loads_neither_the_kubernetes_client_nor_kopf() -> None:
    assert loaded_after("import lscsde_sdk; lscsde_sdk.connect") == set()
    assert "kopf" not in loaded_after("import lscsde_sdk.cli")
