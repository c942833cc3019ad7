"""Every hand-written module imports whatever kinds the CRD release lacks.

Generated from a release with AnalyticsCrate alone, every module of both packages imports: the
other four kinds' models and clients are stand-ins, and the layers built on them (managers,
access lookups, KubeSpawner hooks, the CLI, the compat clients) fail only when used, with a
``NotInReleaseError`` naming the kind and the release.
"""

from __future__ import annotations

import shutil

import pytest

from tests.fixtures.release_tree import (
    IMPORT_EVERY_MODULE,
    ROOT,
    ReleaseTree,
    generate_tree,
    run_ok,
)


@pytest.fixture(scope="module")
def crates_only(tmp_path_factory: pytest.TempPathFactory) -> ReleaseTree:
    root = tmp_path_factory.mktemp("crates-only")
    schemas = root / "schemas"
    schemas.mkdir()
    for name in ("AnalyticsCrate.yaml", "CRD_RELEASE"):
        shutil.copy(ROOT / "schemas" / name, schemas / name)
    tree = generate_tree(root, schemas)
    assert tree.generated.returncode == 0, tree.generated.stderr
    return tree


def test_every_module_imports_and_the_layers_fail_at_use(crates_only: ReleaseTree) -> None:
    run_ok(
        crates_only.root,
        IMPORT_EVERY_MODULE,
        """
        import asyncio, logging
        from kubernetes_asyncio.client import ApiClient
        from lscsde_sdk import CRD_RELEASE
        from lscsde_sdk.clients import AnalyticsCrateClient
        from lscsde_sdk.errors import NotInReleaseError
        from lscsde_sdk.managers import AnalyticsManager
        from lscsde_workspace_mgmt.managers import AnalyticsWorkspaceManager

        async def use():
            async with ApiClient() as api:
                assert AnalyticsCrateClient(api).info.kind == "AnalyticsCrate"
                for create in (
                    lambda: AnalyticsManager(api),
                    lambda: AnalyticsWorkspaceManager(api, log=logging.getLogger("hub")),
                ):
                    try:
                        create()
                    except NotInReleaseError as error:
                        assert error.release == CRD_RELEASE
                        assert error.missing.startswith("AnalyticsWorkspace"), error
                    else:
                        raise AssertionError("a manager without workspaces was created")

        asyncio.run(use())
        print("ok")
        """,
    )
