"""A CRD release with fewer kinds and properties regenerates with the generator alone.

The simulated earlier release (tests/fixtures/earlier_release.py) has no AnalyticsCrate and no
``roCrate`` connection on data sources. The entries of ``codegen/*.yaml`` that name them are
warnings naming the file and the entry, not errors, with or without ``--check``; the rest
generates, and every module of both packages imports. Using what the release lacks fails
there, with a ``NotInReleaseError`` naming it and the release.
"""

from __future__ import annotations

import pytest

from tests.fixtures.earlier_release import RELEASE, build
from tests.fixtures.release_tree import (
    IMPORT_EVERY_MODULE,
    ReleaseTree,
    generate_tree,
    run_in,
    run_ok,
)

#: One warning per configuration entry naming what the release lacks; no nearest names, as
#: nothing in the release is like them (a removal, not a typo).
EXPECTED_WARNINGS = [
    "warning: codegen/class_names.yaml: AnalyticsDataSource spec.connections[].roCrate: "
    "no such path in the schemas",
    "warning: codegen/class_names.yaml: AnalyticsDataSource spec.connections[].roCrate.repo: "
    "no such path in the schemas",
    "warning: codegen/class_names.yaml: AnalyticsCrate: no such kind in the schemas",
    "warning: codegen/compat_overrides.yaml: fields AnalyticsCrateSpec: "
    "no such class in the schemas",
    "warning: codegen/compat_overrides.yaml: fields AnalyticsCrateSpecRepository: "
    "no such class in the schemas",
]
NOT_IN_RELEASE = f"is not in CRD release {RELEASE} that this lscsde-sdk was generated from"


@pytest.fixture(scope="module")
def earlier(tmp_path_factory: pytest.TempPathFactory) -> ReleaseTree:
    root = tmp_path_factory.mktemp("earlier-release")
    return generate_tree(root, build(root / "schemas"))


def _warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("warning:")]


def test_each_entry_naming_what_the_release_lacks_is_a_warning_and_generation_goes_on(
    earlier: ReleaseTree,
) -> None:
    assert earlier.generated.returncode == 0, earlier.generated.stderr
    assert _warnings(earlier.generated.stderr) == EXPECTED_WARNINGS
    assert "generated" in earlier.generated.stdout


def test_check_passes_and_shows_the_same_warnings(earlier: ReleaseTree) -> None:
    assert earlier.checked.returncode == 0, earlier.checked.stderr
    assert _warnings(earlier.checked.stderr) == EXPECTED_WARNINGS
    assert "up to date" in earlier.checked.stdout


def test_the_models_clients_and_compat_models_have_the_remaining_kinds(
    earlier: ReleaseTree,
) -> None:
    run_ok(
        earlier.root,
        f"""
        import lscsde_sdk
        assert lscsde_sdk.__file__.startswith({str(earlier.root)!r}), lscsde_sdk.__file__
        from pydantic import ValidationError
        from lscsde_sdk import CRD_RELEASE, clients, models
        from lscsde_sdk._generated import ABSENT_KINDS, KINDS
        from lscsde_workspace_mgmt import models as compat

        assert CRD_RELEASE == {RELEASE!r}
        assert ABSENT_KINDS == ("AnalyticsCrate",)
        assert KINDS == ("AnalyticsDataSource", "AnalyticsDataSourceBinding",
                         "AnalyticsWorkspace", "AnalyticsWorkspaceBinding")
        for kind in KINDS:
            assert getattr(clients, kind + "Client").resource_type is getattr(models, kind)
            assert kind in models.__all__ and kind in compat.__all__
        assert not any("Crate" in name for name in models.__all__ + compat.__all__)

        source = {{
            "apiVersion": "xlscsde.nhs.uk/v1", "kind": "AnalyticsDataSource",
            "metadata": {{"name": "registry", "namespace": "ns"}},
            "spec": {{"type": "Registry", "displayName": "Registry", "description": "d",
                      "connections": [{{"name": "replica", "type": "postgresql",
                                        "connectionString": {{"secretName": "s"}}}}]}},
        }}
        parsed = models.AwmsResource.model_validate(source).root
        assert type(parsed) is models.AnalyticsDataSource and parsed.to_api() == source
        assert compat.AnalyticsDataSource.model_validate(source).spec.connections[0].name

        # The connection's roCrate is an unknown field in this release.
        connection = source["spec"]["connections"][0]
        connection["roCrate"] = {{"spec": {{}}}}
        try:
            models.AnalyticsDataSource.model_validate(source)
        except ValidationError as error:
            assert "unknown field(s) 'roCrate'" in str(error), error
        else:
            raise AssertionError("roCrate accepted")
        print("ok")
        """,
    )


def test_every_module_of_both_packages_imports_and_the_managers_work_without_the_kind(
    earlier: ReleaseTree,
) -> None:
    run_ok(
        earlier.root,
        IMPORT_EVERY_MODULE,
        """
        import asyncio, logging
        from kubernetes_asyncio.client import ApiClient
        from lscsde_sdk.managers import AnalyticsManager
        from lscsde_workspace_mgmt.managers import AnalyticsWorkspaceManager

        async def construct():
            async with ApiClient() as api:
                manager = AnalyticsManager(api)
                assert manager.workspace.binding_client.info.kind == "AnalyticsWorkspaceBinding"
                assert manager.datasource.datasource_client.info.kind == "AnalyticsDataSource"
                AnalyticsWorkspaceManager(api, log=logging.getLogger("hub"))

        asyncio.run(construct())
        print("ok")
        """,
    )


def test_using_what_the_release_lacks_is_an_error_naming_it_and_the_release(
    earlier: ReleaseTree,
) -> None:
    run_ok(
        earlier.root,
        f"""
        from lscsde_sdk.clients import AnalyticsCrateClient
        from lscsde_sdk.errors import LscsdeError, NotInReleaseError
        from lscsde_sdk.models import AnalyticsCrate, AnalyticsCrateSpec, AnalyticsDataSourceRoCrate
        from lscsde_workspace_mgmt.models import AnalyticsCrate as CompatCrate

        def fails(use, message):
            try:
                use()
            except NotInReleaseError as error:
                assert str(error) == message, str(error)
                assert isinstance(error, LscsdeError) and error.release == {RELEASE!r}
            else:
                raise AssertionError(f"no error for {{message}}")

        crate = "AnalyticsCrate {NOT_IN_RELEASE}"
        fails(lambda: AnalyticsCrate(metadata={{"name": "c"}}), crate)
        fails(lambda: AnalyticsCrate.model_validate({{"kind": "AnalyticsCrate"}}), crate)
        fails(lambda: CompatCrate(), crate)
        api = object()  # never reached: the stand-in fails first
        fails(lambda: AnalyticsCrateClient(api), "AnalyticsCrateClient: " + crate)
        fails(lambda: AnalyticsCrateSpec(), "AnalyticsCrateSpec: " + crate)
        fails(
            lambda: AnalyticsDataSourceRoCrate(spec={{}}),
            "AnalyticsDataSourceRoCrate: AnalyticsDataSource spec.connections[].roCrate "
            "{NOT_IN_RELEASE}",
        )

        # A class derived from one fails at use too; nothing is an instance of one.
        class Crates(AnalyticsCrateClient):
            pass
        fails(lambda: Crates(api), "Crates: " + crate)
        assert not isinstance(object(), AnalyticsCrate)

        # Only the names the configuration knows get a stand-in: a typo fails at import.
        try:
            from lscsde_sdk.models import AnalyticsCrat
        except ImportError:
            pass
        else:
            raise AssertionError("AnalyticsCrat imported")
        print("ok")
        """,
    )


def test_the_cli_names_the_missing_kind_and_the_release_in_one_line(
    earlier: ReleaseTree,
) -> None:
    kubeconfig = earlier.root / "kubeconfig.yaml"
    # Never contacted: the crate client fails before any request.
    kubeconfig.write_text(
        """
        apiVersion: v1
        kind: Config
        clusters: [{name: c, cluster: {server: "https://127.0.0.1:9"}}]
        users: [{name: u, user: {token: t}}]
        contexts: [{name: x, context: {cluster: c, user: u, namespace: ns}}]
        current-context: x
        """
    )
    result = run_in(
        earlier.root, "-m", "lscsde_sdk", "--kubeconfig", str(kubeconfig), "crates", "list"
    )
    assert result.returncode == 1, result.stderr
    assert result.stderr == (f"error: AnalyticsCrateClient: AnalyticsCrate {NOT_IN_RELEASE}\n"), (
        result.stderr
    )
