"""The role files in deploy/rbac/ read as least privilege: one per consumer, commented, no
wildcards, only permissions the API offers, strictly less than everything, and each
permission named in the table of uses (tests/rbac/uses.py). No server needed."""

from __future__ import annotations

import re

import pytest
import yaml

from .roles import (
    CONSUMERS,
    GROUP,
    OTHER_RESOURCES,
    RBAC_DIR,
    Permission,
    awms_offered,
    granted,
    load_role,
    permission_of,
    role_text,
)
from .uses import USES

README = RBAC_DIR.parent / "README.md"
CLUSTER_SCOPED = {"admin-portal-crd-reader"}


def test_there_is_one_role_file_per_consumer() -> None:
    assert sorted(path.stem for path in RBAC_DIR.glob("*.yaml")) == sorted(CONSUMERS)
    assert not list(RBAC_DIR.glob("*.yml"))


@pytest.mark.parametrize("consumer", CONSUMERS)
def test_a_role_file_holds_one_role_named_after_its_consumer(consumer: str) -> None:
    role = load_role(consumer)
    assert role["apiVersion"] == "rbac.authorization.k8s.io/v1"
    # Cluster scope only where the resource is cluster-scoped (the CRDs).
    assert role["kind"] == ("ClusterRole" if consumer in CLUSTER_SCOPED else "Role")
    # No namespace: the operator installs it where the consumer works (kubectl apply -n).
    assert role["metadata"] == {"name": f"lscsde-{consumer}"}
    assert role["rules"]
    for rule in role["rules"]:
        assert set(rule) <= {"apiGroups", "resources", "verbs", "resourceNames"}, rule


@pytest.mark.parametrize("consumer", CONSUMERS)
def test_a_role_file_says_who_it_is_for_and_why_each_rule_is_there(consumer: str) -> None:
    lines = role_text(consumer).splitlines()
    kind = load_role(consumer)["kind"]
    assert lines[0].startswith(f"# {kind} for "), lines[0]
    for number, line in enumerate(lines):
        if line.lstrip().startswith("- apiGroups:"):
            assert lines[number - 1].lstrip().startswith("#"), f"rule at line {number + 1}"


@pytest.mark.parametrize("consumer", CONSUMERS)
def test_a_role_has_no_wildcards(consumer: str) -> None:
    for rule in load_role(consumer)["rules"]:
        for key in ("apiGroups", "resources", "verbs", "resourceNames"):
            assert not any("*" in value for value in rule.get(key, [])), (key, rule)


@pytest.mark.parametrize("consumer", CONSUMERS)
def test_a_role_names_only_what_the_api_offers(consumer: str) -> None:
    offered = awms_offered() | {
        Permission(group, resource, verb)
        for (group, resource), verbs in OTHER_RESOURCES.items()
        for verb in verbs
    }
    assert granted(load_role(consumer)) - offered == set()


@pytest.mark.parametrize("consumer", CONSUMERS)
def test_a_role_is_strictly_less_than_everything_on_the_five_kinds(consumer: str) -> None:
    on_awms = {p for p in granted(load_role(consumer)) if p.group == GROUP}
    assert on_awms < awms_offered()


def test_even_the_admin_portal_lacks_bulk_deletes_and_scaling() -> None:
    missing = awms_offered() - granted(load_role("admin-portal"))
    assert {p.verb for p in missing if "/" not in p.resource} == {"deletecollection"}
    assert {p.resource.split("/")[1] for p in missing if "/" in p.resource} == {"status", "scale"}


@pytest.mark.parametrize("consumer", CONSUMERS)
def test_every_permission_of_a_role_is_in_the_table_of_uses(consumer: str) -> None:
    assert set(USES[consumer]) == granted(load_role(consumer))


def _readme_documents() -> list[dict[str, object]]:
    blocks = re.findall(r"```yaml\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
    return [doc for block in blocks for doc in yaml.safe_load_all(block) if doc]


def test_the_readme_tells_which_role_to_bind_to_whom() -> None:
    text = README.read_text(encoding="utf-8")
    for consumer in CONSUMERS:
        assert f"rbac/{consumer}.yaml" in text
        assert f"lscsde-{consumer}" in text
    roles = {load_role(c)["metadata"]["name"]: load_role(c)["kind"] for c in CONSUMERS}
    bindings = [d for d in _readme_documents() if str(d["kind"]).endswith("Binding")]
    assert {b["kind"] for b in bindings} == {"RoleBinding", "ClusterRoleBinding"}
    for binding in bindings:
        ref = binding["roleRef"]
        assert isinstance(ref, dict)
        assert roles[ref["name"]] == ref["kind"], binding


def test_the_role_files_are_plain_manifests() -> None:
    # Helm would read `{{`; the files must apply with kubectl as they are.
    for consumer in CONSUMERS:
        assert "{{" not in role_text(consumer)


API = "https://127.0.0.1:6443"
WS = f"{API}/apis/{GROUP}/v1/namespaces/ns/analyticsworkspaces"


@pytest.mark.parametrize(
    ("method", "url", "query", "expected"),
    [
        ("GET", WS, [("limit", "500")], Permission(GROUP, "analyticsworkspaces", "list")),
        ("GET", WS, [("watch", "true")], Permission(GROUP, "analyticsworkspaces", "watch")),
        ("GET", f"{WS}/a", None, Permission(GROUP, "analyticsworkspaces", "get")),
        ("POST", WS, None, Permission(GROUP, "analyticsworkspaces", "create")),
        ("PUT", f"{WS}/a/status", None, Permission(GROUP, "analyticsworkspaces/status", "update")),
        ("PATCH", f"{WS}/a/scale", [], Permission(GROUP, "analyticsworkspaces/scale", "patch")),
        ("DELETE", f"{WS}/a", None, Permission(GROUP, "analyticsworkspaces", "delete")),
        ("DELETE", WS, None, Permission(GROUP, "analyticsworkspaces", "deletecollection")),
        (
            "POST",
            f"{API}/api/v1/namespaces/ns/persistentvolumeclaims",
            None,
            Permission("", "persistentvolumeclaims", "create"),
        ),
        (
            "GET",
            f"{API}/apis/apiextensions.k8s.io/v1/customresourcedefinitions/a.b",
            None,
            Permission("apiextensions.k8s.io", "customresourcedefinitions", "get"),
        ),
    ],
)
def test_a_request_needs_the_permission_rbac_checks(
    method: str, url: str, query: list[tuple[str, str]] | None, expected: Permission
) -> None:
    assert permission_of(method, url, query) == expected
