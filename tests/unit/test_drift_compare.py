"""compare_crds: every kind of CRD drift, found in variants of the packaged manifests.

The "server" side of each case is the packaged manifest changed the way a newer or older
CRD release (or a hand-edited cluster) would differ; the SDK side is the packaged one.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Callable
from types import MappingProxyType
from typing import Any

import pytest
import yaml

from lscsde_sdk import CRD_RELEASE
from lscsde_sdk._generated import KINDS
from lscsde_sdk.drift import (
    Change,
    CrdManifestError,
    DriftReport,
    Finding,
    compare_crds,
    packaged_crds,
)

Manifest = dict[str, Any]


def _version(crd: Manifest, name: str = "v1") -> dict[str, Any]:
    (version,) = [v for v in crd["spec"]["versions"] if v["name"] == name]
    return version  # type: ignore[no-any-return]


def _schema(crd: Manifest, *path: str) -> dict[str, Any]:
    """The schema at ``path`` (property names; "[]" for items) of version v1."""
    node: dict[str, Any] = _version(crd)["schema"]["openAPIV3Schema"]
    for step in path:
        node = node["items"] if step == "[]" else node["properties"][step]
    return node


def _workspace() -> Manifest:
    return packaged_crds()["AnalyticsWorkspace"]


def _binding() -> Manifest:
    return packaged_crds()["AnalyticsWorkspaceBinding"]


def _as_the_server_stores_it(crd: Manifest) -> Manifest:
    """What the API server returns for ``crd``: omitempty, defaults, status, other order."""
    stored = copy.deepcopy(crd)

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            node = {k: walk(v) for k, v in node.items() if v is not None}
            if node.get("nullable") is False:
                del node["nullable"]
            if "description" in node and isinstance(node["description"], str):
                node["description"] = "worded differently on the server"
            for key in ("required", "enum", "anyOf"):
                if isinstance(node.get(key), list):
                    node[key] = list(reversed(node[key]))
            return dict(reversed(node.items()))
        if isinstance(node, list):
            return [walk(item) for item in node]
        return node

    for version in stored["spec"]["versions"]:
        version["schema"] = walk(version["schema"])
        columns = version.get("additionalPrinterColumns", [])
        for column in columns:
            column.pop("description", None)
            column["priority"] = 0
        version["additionalPrinterColumns"] = list(reversed(columns))
    names = stored["spec"]["names"]
    names.setdefault("singular", names["kind"].lower())
    names["listKind"] = names["kind"] + "List"
    names["shortNames"] = list(reversed(names.get("shortNames", [])))
    stored["spec"]["conversion"] = {"strategy": "None"}
    stored["metadata"].update(uid="1234", resourceVersion="42", generation=1)
    stored["status"] = {"storedVersions": ["v1"], "conditions": []}
    return stored


# -- no drift --------------------------------------------------------------------------------


def test_packaged_crds_are_the_sdks_five_kinds_as_fresh_copies() -> None:
    crds = packaged_crds()
    assert sorted(crds) == sorted(KINDS)
    assert all(crd["kind"] == "CustomResourceDefinition" for crd in crds.values())
    crds["AnalyticsWorkspace"]["spec"]["scope"] = "Cluster"
    assert packaged_crds()["AnalyticsWorkspace"]["spec"]["scope"] == "Namespaced"


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_crd_has_no_drift_from_itself(kind: str) -> None:
    crd = packaged_crds()[kind]
    assert compare_crds(crd, copy.deepcopy(crd)) == []


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_descriptions_order_server_defaults_and_omitted_empties_are_not_drift(kind: str) -> None:
    crd = packaged_crds()[kind]
    assert compare_crds(crd, _as_the_server_stores_it(crd)) == []


# -- one case per kind of drift --------------------------------------------------------------


@dataclasses.dataclass
class Case:
    """A change made to the server's copy of ``kind`` and the one finding it must cause."""

    id: str
    change_server: Callable[[Manifest], None]
    change: Change
    path: str
    keyword: str | None = None
    sdk_value: Any = None
    server_value: Any = None
    version: str | None = "v1"
    kind: str = "AnalyticsWorkspace"


def _set(*path: str, **values: Any) -> Callable[[Manifest], None]:
    return lambda crd: _schema(crd, *path).update(values)


def _add_property(*path: str, name: str, schema: dict[str, Any]) -> Callable[[Manifest], None]:
    return lambda crd: _schema(crd, *path)["properties"].update({name: schema})


def _delete(*path: str, key: str) -> Callable[[Manifest], None]:
    return lambda crd: _schema(crd, *path).pop(key)


def _add_version(crd: Manifest) -> None:
    v2 = copy.deepcopy(_version(crd))
    v2.update(name="v2", storage=False)
    crd["spec"]["versions"].append(v2)


def _serve_v2_only(crd: Manifest) -> None:
    _add_version(crd)
    _version(crd, "v1").update(served=False, storage=False)
    _version(crd, "v2")["storage"] = True


def _add_required(crd: Manifest) -> None:
    _schema(crd, "spec", "jupyterWorkspace")["required"].append("defaultUri")


def _drop_required(crd: Manifest) -> None:
    _schema(crd, "spec")["required"].remove("description")


CEL = {"rule": "self.expires >= self.availableFrom", "message": "expires before available"}


def _add_rule(crd: Manifest) -> None:
    _schema(crd, "spec", "validity")["x-kubernetes-validations"] = [dict(CEL)]


CASES = [
    Case(
        "property only on the server",
        _add_property("spec", "jupyterWorkspace", name="gpu", schema={"type": "integer"}),
        Change.SERVER_ONLY,
        "spec.jupyterWorkspace.gpu",
        server_value={"type": "integer"},
    ),
    Case(
        "property only in the SDK",
        lambda crd: _schema(crd, "spec", "jupyterWorkspace")["properties"].pop("defaultUri"),
        Change.SDK_ONLY,
        "spec.jupyterWorkspace.defaultUri",
        sdk_value={"type": "string"},
    ),
    Case(
        "array items only in the SDK",
        _delete("spec", "jupyterWorkspace", "tolerations", key="items"),
        Change.SDK_ONLY,
        "spec.jupyterWorkspace.tolerations[]",
        keyword="items",
        sdk_value={"type": "object", "x-kubernetes-preserve-unknown-fields": True},
    ),
    Case(
        "type",
        _set("spec", "jupyterWorkspace", "defaultUri", type="integer"),
        Change.TYPE,
        "spec.jupyterWorkspace.defaultUri",
        "type",
        "string",
        "integer",
    ),
    Case(
        "type inside additionalProperties",
        lambda crd: _schema(crd, "spec", "jupyterWorkspace", "extraLabels")[
            "additionalProperties"
        ].update(type="integer"),
        Change.TYPE,
        "spec.jupyterWorkspace.extraLabels{}",
        "type",
        "string",
        "integer",
    ),
    Case(
        "format",
        _set("spec", "validity", "expires", format="date-time"),
        Change.FORMAT,
        "spec.validity.expires",
        "format",
        "date",
        "date-time",
    ),
    Case(
        "pattern",
        _set("spec", "jupyterWorkspace", "image", pattern="^[a-z]+:.+$"),
        Change.PATTERN,
        "spec.jupyterWorkspace.image",
        "pattern",
        "^[a-z0-9\\-\\/]*\\:([a-zA-Z0-9\\-\\_\\.]*)",
        "^[a-z]+:.+$",
    ),
    Case(
        "enum",
        _set("status", "statusText", enum=["Waiting", "Ready"]),
        Change.ENUM,
        "status.statusText",
        "enum",
        None,
        ("Waiting", "Ready"),
    ),
    Case(
        "default",
        _set("status", "statusText", default="Pending"),
        Change.DEFAULT,
        "status.statusText",
        "default",
        "Waiting",
        "Pending",
    ),
    Case(
        "nullable",
        _set("status", "statusText", nullable=True),
        Change.NULLABLE,
        "status.statusText",
        "nullable",
        None,
        True,
    ),
    Case(
        "a min/max keyword",
        _set("spec", "displayName", maxLength=63),
        Change.BOUNDS,
        "spec.displayName",
        "maxLength",
        None,
        63,
    ),
    Case(
        "an x-kubernetes-* extension",
        _delete(
            "spec", "jupyterWorkspace", "nodeSelector", key="x-kubernetes-preserve-unknown-fields"
        ),
        Change.EXTENSION,
        "spec.jupyterWorkspace.nodeSelector",
        "x-kubernetes-preserve-unknown-fields",
        True,
        None,
    ),
    Case(
        "required only on the server",
        _add_required,
        Change.REQUIRED_SERVER_ONLY,
        "spec.jupyterWorkspace.defaultUri",
        "required",
        False,
        True,
    ),
    Case(
        "required only in the SDK",
        _drop_required,
        Change.REQUIRED_SDK_ONLY,
        "spec.description",
        "required",
        True,
        False,
    ),
    Case(
        "an anyOf alternative",
        lambda crd: _schema(crd, "spec")["anyOf"].pop(),
        Change.COMBINATOR,
        "spec",
        "anyOf",
        ({"required": ("jupyterWorkspace",)}, {"required": ("virtualMachineWorkspace",)}),
        ({"required": ("jupyterWorkspace",)},),
    ),
    Case(
        "a not block",
        _set("spec", "validity", **{"not": {"required": ["expires"]}}),
        Change.COMBINATOR,
        "spec.validity",
        "not",
        None,
        {"required": ("expires",)},
    ),
    Case(
        "a CEL rule only on the server",
        _add_rule,
        Change.VALIDATION_SERVER_ONLY,
        "spec.validity",
        "x-kubernetes-validations",
        None,
        CEL,
    ),
    Case(
        "another schema keyword",
        _set("spec", title="Workspace"),
        Change.KEYWORD,
        "spec",
        "title",
        None,
        "Workspace",
    ),
    Case(
        "scope",
        lambda crd: crd["spec"].update(scope="Cluster"),
        Change.SCOPE,
        "scope",
        None,
        "Namespaced",
        "Cluster",
        version=None,
    ),
    Case(
        "short names",
        lambda crd: crd["spec"]["names"]["shortNames"].append("wsp"),
        Change.NAMES,
        "names.shortNames",
        None,
        ("aws",),
        ("aws", "wsp"),
        version=None,
    ),
    Case(
        "categories",
        lambda crd: crd["spec"]["names"]["categories"].remove("krap-core"),
        Change.NAMES,
        "names.categories",
        None,
        ("krap", "krap-core"),
        ("krap",),
        version=None,
    ),
    Case(
        "a version served only by the server",
        _add_version,
        Change.VERSION_SERVER_ONLY,
        "",
        None,
        None,
        "v2",
        version="v2",
    ),
    Case(
        "a deprecated version",
        lambda crd: _version(crd).update(deprecated=True),
        Change.VERSION_FIELD,
        "deprecated",
        None,
        None,
        True,
    ),
    Case(
        "the status subresource",
        lambda crd: _version(crd)["subresources"].pop("status"),
        Change.SUBRESOURCE,
        "subresources.status",
        None,
        {},
        None,
    ),
    Case(
        "the scale subresource",
        lambda crd: _version(crd)["subresources"]["scale"].update(
            labelSelectorPath=".status.selector"
        ),
        Change.SUBRESOURCE,
        "subresources.scale",
        None,
        {"specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas"},
        {
            "specReplicasPath": ".spec.replicas",
            "statusReplicasPath": ".status.replicas",
            "labelSelectorPath": ".status.selector",
        },
        kind="AnalyticsWorkspaceBinding",
    ),
    Case(
        "a printer column added",
        lambda crd: _version(crd)["additionalPrinterColumns"].append(
            {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}
        ),
        Change.PRINTER_COLUMN,
        "additionalPrinterColumns[Age]",
        None,
        None,
        {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
    ),
    Case(
        "a printer column changed",
        lambda crd: _version(crd)["additionalPrinterColumns"][1].update(type="date"),
        Change.PRINTER_COLUMN,
        "additionalPrinterColumns[Expires]",
        None,
        {"name": "Expires", "type": "string", "jsonPath": ".spec.validity.expires"},
        {"name": "Expires", "type": "date", "jsonPath": ".spec.validity.expires"},
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_each_kind_of_drift_is_one_finding(case: Case) -> None:
    sdk = packaged_crds()[case.kind]
    server = copy.deepcopy(sdk)
    case.change_server(server)

    (finding,) = compare_crds(sdk, server)

    assert (finding.kind, finding.version, finding.path, finding.change, finding.keyword) == (
        case.kind,
        case.version,
        case.path,
        case.change,
        case.keyword,
    )
    assert finding.sdk_value == case.sdk_value
    assert finding.server_value == case.server_value
    assert finding.message and "\n" not in finding.message


def test_every_change_type_has_a_case() -> None:
    covered = {case.change for case in CASES} | {
        Change.CRD_MISSING,  # by crd_drift, against a server (tests/integration/test_drift.py)
        Change.VERSION_SDK_ONLY,  # below: it comes with a storage-version change
        Change.STORAGE_VERSION,
        Change.VALIDATION_SDK_ONLY,
        Change.VALIDATION_CHANGED,
    }
    assert covered == set(Change)


def test_a_server_that_serves_only_a_newer_version_lacks_the_sdks_version() -> None:
    sdk = _workspace()
    server = copy.deepcopy(sdk)
    _serve_v2_only(server)

    findings = {(f.version, f.path, f.change) for f in compare_crds(sdk, server)}

    assert findings == {
        ("v1", "", Change.VERSION_SDK_ONLY),
        ("v2", "", Change.VERSION_SERVER_ONLY),
        (None, "storage", Change.STORAGE_VERSION),
    }


def test_cel_rules_are_matched_by_expression() -> None:
    sdk, server = _workspace(), _workspace()
    _add_rule(sdk)
    _add_rule(server)
    server_rules = _schema(server, "spec", "validity")["x-kubernetes-validations"]
    server_rules[0]["message"] = "reworded"
    server_rules.append({"rule": "self.expires != ''"})
    sdk_rules = _schema(sdk, "spec", "validity")["x-kubernetes-validations"]
    sdk_rules.append({"rule": "has(self.expires)"})

    findings = [(f.change, f.path, f.message) for f in compare_crds(sdk, server)]

    assert findings == [
        (
            Change.VALIDATION_CHANGED,
            "spec.validity",
            "CEL rule self.expires >= self.availableFrom: message differs: "
            'SDK "expires before available", server "reworded"',
        ),
        (
            Change.VALIDATION_SDK_ONLY,
            "spec.validity",
            "CEL rule only in the SDK: has(self.expires)",
        ),
        (
            Change.VALIDATION_SERVER_ONLY,
            "spec.validity",
            "CEL rule only on the server: self.expires != ''",
        ),
    ]


def test_several_differences_are_reported_sorted_with_their_messages() -> None:
    sdk = _workspace()
    server = copy.deepcopy(sdk)
    _drop_required(server)
    _add_rule(server)
    _set("spec", "jupyterWorkspace", "image", pattern="^.+:.+$")(server)
    _add_property("spec", "jupyterWorkspace", name="gpu", schema={"type": "integer"})(server)
    server["spec"]["names"]["shortNames"] = ["aws", "wsp"]

    lines = [str(finding) for finding in compare_crds(sdk, server)]

    assert lines == [
        'AnalyticsWorkspace names.shortNames: shortNames: only on the server "wsp"',
        "AnalyticsWorkspace v1 spec.description: required in the SDK, optional on the server",
        "AnalyticsWorkspace v1 spec.jupyterWorkspace.gpu: property only on the server "
        "(type integer)",
        'AnalyticsWorkspace v1 spec.jupyterWorkspace.image: pattern differs: SDK "^[a-z0-9'
        '\\-\\/]*\\:([a-zA-Z0-9\\-\\_\\.]*)", server "^.+:.+$"',
        "AnalyticsWorkspace v1 spec.validity: CEL rule only on the server: "
        "self.expires >= self.availableFrom",
    ]


def test_a_type_change_is_reported_with_the_nested_differences_it_brings() -> None:
    sdk = _workspace()
    server = copy.deepcopy(sdk)
    _schema(server, "spec")["properties"]["validity"] = {"type": "string"}

    findings = {(f.path, f.change, f.keyword) for f in compare_crds(sdk, server)}

    assert findings == {
        ("spec.validity", Change.TYPE, "type"),
        ("spec.validity.availableFrom", Change.SDK_ONLY, None),
        ("spec.validity.expires", Change.SDK_ONLY, None),
        ("spec.validity.availableFrom", Change.REQUIRED_SDK_ONLY, "required"),
        ("spec.validity.expires", Change.REQUIRED_SDK_ONLY, "required"),
    }


def test_numbers_compare_by_value_but_booleans_are_not_numbers() -> None:
    sdk, server = _binding(), _binding()
    replicas = ("spec", "replicas")
    _set(*replicas, default=0.0, maximum=5)(server)
    _set(*replicas, maximum=5.0)(sdk)
    assert compare_crds(sdk, server) == []

    _set(*replicas, default=False)(server)
    (finding,) = compare_crds(sdk, server)
    assert (finding.change, finding.sdk_value, finding.server_value) == (Change.DEFAULT, 0, False)


# -- the result types ------------------------------------------------------------------------


def _report() -> DriftReport:
    sdk = _workspace()
    server = copy.deepcopy(sdk)
    _drop_required(server)
    _set("spec", "jupyterWorkspace", "image", pattern="^.+$")(server)
    missing = Finding(
        "AnalyticsCrate",
        None,
        "",
        Change.CRD_MISSING,
        "CustomResourceDefinition analyticscrates.xlscsde.nhs.uk is not installed on the server",
    )
    return DriftReport(
        CRD_RELEASE, ("AnalyticsWorkspace", "AnalyticsCrate"), (*compare_crds(sdk, server), missing)
    )


def test_a_report_lists_one_sorted_line_per_finding() -> None:
    report = _report()

    assert not report.ok
    assert report.missing == ("AnalyticsCrate",)
    assert report.kinds == ("AnalyticsCrate", "AnalyticsWorkspace")
    assert str(report) == report.format()
    assert report.format().splitlines() == [
        "AnalyticsCrate: CustomResourceDefinition analyticscrates.xlscsde.nhs.uk is not "
        "installed on the server",
        "AnalyticsWorkspace v1 spec.description: required in the SDK, optional on the server",
        'AnalyticsWorkspace v1 spec.jupyterWorkspace.image: pattern differs: SDK "^[a-z0-9'
        '\\-\\/]*\\:([a-zA-Z0-9\\-\\_\\.]*)", server "^.+$"',
    ]


def test_a_report_without_findings_is_ok_and_says_so_in_one_line() -> None:
    report = DriftReport(CRD_RELEASE, tuple(KINDS))

    assert report.ok
    assert report.missing == ()
    assert report.format() == (
        f"no drift: the server's CRDs match the SDK's (CRD release {CRD_RELEASE}) for "
        + ", ".join(sorted(KINDS))
    )


def test_a_report_is_plain_json_data() -> None:
    data = _report().to_dict()

    assert json.loads(json.dumps(data)) == data
    assert data["sdk_release"] == CRD_RELEASE
    assert data["ok"] is False
    assert data["missing"] == ["AnalyticsCrate"]
    assert data["findings"][1] == {
        "kind": "AnalyticsWorkspace",
        "version": "v1",
        "path": "spec.description",
        "change": "required-sdk-only",
        "keyword": "required",
        "sdk_value": True,
        "server_value": False,
        "message": "required in the SDK, optional on the server",
    }


def test_reports_and_findings_are_immutable_and_hashable() -> None:
    report = _report()
    finding = _workspace_finding_with_mapping_value()

    with pytest.raises(dataclasses.FrozenInstanceError):
        report.sdk_release = "9.9.9"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.path = "elsewhere"  # type: ignore[misc]
    assert isinstance(finding.server_value, MappingProxyType)
    with pytest.raises(TypeError):
        finding.server_value["type"] = "string"  # type: ignore[index]
    assert len({*report.findings, *report.findings}) == len(report.findings)
    assert {finding, _workspace_finding_with_mapping_value()} == {finding}


def _workspace_finding_with_mapping_value() -> Finding:
    server = _workspace()
    _add_property("spec", name="gpu", schema={"type": "integer", "enum": [1, 2]})(server)
    (finding,) = compare_crds(_workspace(), server)
    return finding


# -- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sdk", "server", "error"),
    [
        ({"kind": "ConfigMap"}, {}, "sdk_crd is not a CustomResourceDefinition manifest"),
        (_workspace(), {"kind": "CustomResourceDefinition"}, "server_crd has no spec"),
        (
            _workspace(),
            {"kind": "CustomResourceDefinition", "spec": {"group": "g", "versions": []}},
            "server_crd has no spec.names.kind and spec.names.plural",
        ),
    ],
)
def test_a_manifest_that_is_not_a_crd_is_a_typed_error_naming_it(
    sdk: Manifest, server: Manifest, error: str
) -> None:
    with pytest.raises(CrdManifestError, match=error):
        compare_crds(sdk, server)


def test_packaged_manifests_keep_yaml_timestamps_as_strings_like_the_api_server() -> None:
    from lscsde_sdk.drift import _json_like_loader

    loaded = yaml.load("default: 2024-01-31\nwhen: 2024-01-31T10:00:00Z\n", _json_like_loader())

    assert loaded == {"default": "2024-01-31", "when": "2024-01-31T10:00:00Z"}
