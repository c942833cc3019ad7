"""``lscsde dev up``'s sample data on an SDK generated from an earlier CRD release (no
AnalyticsCrate): the kinds the release has are seeded and counted, against the real API
server, and no crate is attempted."""

from __future__ import annotations

import pytest

from lscsde_sdk.envtest import ControlPlane
from tests.fixtures.earlier_release import build
from tests.fixtures.release_tree import ReleaseTree, generate_tree, run_ok

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def earlier(tmp_path_factory: pytest.TempPathFactory) -> ReleaseTree:
    root = tmp_path_factory.mktemp("earlier-release-sample")
    tree = generate_tree(root, build(root / "schemas"))
    assert tree.generated.returncode == 0, tree.generated.stderr
    return tree


def test_sample_data_of_a_release_without_crates_seeds_the_kinds_it_has(
    earlier: ReleaseTree, control_plane: ControlPlane, namespace: str
) -> None:
    kubeconfig = control_plane.kubeconfig_path()
    run_ok(
        earlier.root,
        f"""
        import asyncio
        from kubernetes_asyncio import config
        from kubernetes_asyncio.client import ApiClient, Configuration
        from lscsde_sdk._generated import ABSENT_KINDS
        from lscsde_sdk.cli.sample_data import sample_counts, seed_sample_data
        from lscsde_sdk.core.transport import Transport

        assert ABSENT_KINDS == ("AnalyticsCrate",)

        async def seed():
            configuration = Configuration()
            await config.load_kube_config({str(kubeconfig)!r}, client_configuration=configuration)
            async with ApiClient(configuration) as api:
                transport = Transport.of(api)
                data = await seed_sample_data(transport, {namespace!r})
                counts = await sample_counts(transport, {namespace!r})
                await transport.aclose()
            assert data.crates == ()
            assert counts == {{
                "AnalyticsWorkspace": len(data.workspaces),
                "AnalyticsWorkspaceBinding": len(data.workspace_bindings),
                "AnalyticsDataSource": len(data.datasources),
                "AnalyticsDataSourceBinding": len(data.datasource_bindings),
            }}, counts
            assert data.workspaces and data.datasources

        asyncio.run(seed())
        print("ok")
        """,
    )
