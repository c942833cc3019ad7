"""A CRD release regenerates with the generator alone: a new kind, a new served version and a
new property with a CEL rule (the simulated release in tests/fixtures/next_release) reach the
models, the clients, the union of kinds and the compat package without any hand edit, and
the result passes the drift check of the generator."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.next_release import RELEASE, RETENTION_RULE_MESSAGE, build
from tests.fixtures.release_tree import generate_tree, run_ok


@pytest.fixture(scope="module")
def next_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the hand-written packages with code generated from the next release."""
    root = tmp_path_factory.mktemp("next-release")
    tree = generate_tree(root, build(root / "schemas"))
    assert tree.generated.returncode == 0, tree.generated.stderr
    assert tree.checked.returncode == 0, tree.checked.stderr
    # It only adds: every entry of codegen/*.yaml names something it has.
    assert "warning" not in tree.generated.stderr + tree.checked.stderr
    return root


def test_the_generated_tree_is_the_one_that_gets_imported(next_tree: Path) -> None:
    run_ok(
        next_tree,
        f"""
        import lscsde_sdk
        assert lscsde_sdk.__file__.startswith({str(next_tree)!r}), lscsde_sdk.__file__
        assert lscsde_sdk.CRD_RELEASE == {RELEASE!r}
        print("ok")
        """,
    )


def test_a_new_kind_gets_a_model_export_client_union_member_and_compat_class(
    next_tree: Path,
) -> None:
    run_ok(
        next_tree,
        """
        from pydantic import ValidationError
        from lscsde_sdk.models import AnalyticsVirtualDesktop, AwmsResource
        from lscsde_sdk.clients import AnalyticsVirtualDesktopClient
        from lscsde_workspace_mgmt.models import KubernetesMetadata
        from lscsde_workspace_mgmt.models import AnalyticsVirtualDesktop as Compat

        manifest = {
            "apiVersion": "xlscsde.nhs.uk/v1",
            "kind": "AnalyticsVirtualDesktop",
            "metadata": {"name": "d", "namespace": "ns"},
            "spec": {"workspace": "w", "size": "large", "sessions": 2,
                     "displays": [{"name": "main", "width": 1920}]},
        }
        desktop = AwmsResource.model_validate(manifest).root
        assert type(desktop) is AnalyticsVirtualDesktop and desktop.spec.sessions == 2
        assert desktop.to_api() == manifest
        assert AnalyticsVirtualDesktopClient.resource_type is AnalyticsVirtualDesktop
        assert AnalyticsVirtualDesktop.__resource__.plural == "analyticsvirtualdesktops"
        assert isinstance(Compat().metadata, KubernetesMetadata)

        def rejected(spec, error_type):
            try:
                AnalyticsVirtualDesktop.model_validate({**manifest, "spec": spec})
            except ValidationError as error:
                assert error_type in {e["type"] for e in error.errors()}, error.errors()
            else:
                raise AssertionError(f"accepted {spec}")

        rejected({"workspace": "w", "size": "huge"}, "literal_error")  # enum
        rejected({"workspace": "w", "size": "small", "sessions": 11}, "less_than_equal")
        rejected({"workspace": "w", "size": "small", "sessions": 0}, "greater_than_equal")
        rejected(
            {"workspace": "w", "size": "small", "displays": [{"name": "a"}, {"name": "a"}]},
            "duplicate_list_item",
        )
        rules = AnalyticsVirtualDesktop.model_fields["spec"].annotation
        print("ok")
        """,
    )


def test_a_new_property_with_a_cel_rule_carries_the_rule_as_data_and_docs(
    next_tree: Path,
) -> None:
    run_ok(
        next_tree,
        f"""
        import inspect
        from lscsde_sdk.models import AnalyticsVirtualDesktopSpec, AnalyticsWorkspaceSpec
        rules = AnalyticsWorkspaceSpec.__schema_rules__
        (rule,) = rules.property_validations["retentionDays"]
        assert (rule.rule, rule.message) == ("self >= 1", {RETENTION_RULE_MESSAGE!r})
        field = AnalyticsWorkspaceSpec.model_fields["retention_days"]
        assert {RETENTION_RULE_MESSAGE!r} in field.description
        (desktop_rule,) = AnalyticsVirtualDesktopSpec.__schema_rules__.validations
        assert "has(self.sessions)" in desktop_rule.rule
        assert desktop_rule.message in inspect.getdoc(AnalyticsVirtualDesktopSpec)
        # The server enforces CEL; the models do not evaluate it.
        AnalyticsWorkspaceSpec.model_validate(
            {{"displayName": "d", "description": "d", "retentionDays": 0,
              "validity": {{"availableFrom": "2026-01-01", "expires": "2027-01-01"}},
              "jupyterWorkspace": {{"image": "a/b:1"}}}}
        )
        print("ok")
        """,
    )


def test_every_served_version_is_generated_and_the_storage_version_is_the_default(
    next_tree: Path,
) -> None:
    run_ok(
        next_tree,
        """
        import lscsde_sdk.clients as clients
        import lscsde_sdk.models as models
        from lscsde_sdk._generated import STORAGE_VERSIONS, VERSIONS

        assert VERSIONS["AnalyticsWorkspaceBinding"] == ("v1", "v2")
        assert STORAGE_VERSIONS["AnalyticsWorkspaceBinding"] == "v1"
        stored = models.AnalyticsWorkspaceBinding
        v2 = models.for_version("v2").AnalyticsWorkspaceBinding
        assert stored.__resource__.version == "v1" and v2.__resource__.version == "v2"
        assert "priority" not in models.AnalyticsWorkspaceBindingSpec.model_fields
        assert "priority" in models.for_version("v2").AnalyticsWorkspaceBindingSpec.model_fields
        assert models.for_version("v1").AnalyticsWorkspaceBinding is stored
        client = clients.for_version("v2").AnalyticsWorkspaceBindingClient
        assert client.resource_type is v2
        assert "/v2/" in client.resource_type.__resource__.collection_path("ns")
        assert hasattr(client, "list_by_username")
        try:
            models.for_version("v3")
        except ValueError as error:
            assert "v1, v2" in str(error)
        else:
            raise AssertionError("v3 is not served")
        print("ok")
        """,
    )
