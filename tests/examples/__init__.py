"""Example AWMS manifests shared by the unit and integration tests.

Each ``*.yaml`` file next to this module holds one manifest and is keyed by its file stem.
Between them they set every property of every CRD (``tests/unit/test_schema_coverage.py``
checks that), with at least two manifests per kind.

Import it as ``tests.examples`` (pytest puts the repository root on ``sys.path``, as
``tests`` is a package). Every function returns fresh copies, so tests may change what they
get.

* :func:`load_examples` - every manifest, by file stem;
* :func:`valid_cases` - ``(case_id, kind, manifest)`` for each example;
* :func:`invalid_cases` - ``(case_id, kind, manifest, error)``: manifests that both the models
  and the API server must reject. ``kind`` is the kind the manifest is sent as (the model
  class, or the server's resource), which differs from ``manifest["kind"]`` in the wrong-kind
  case. ``error`` is a substring of the model's ``ValidationError`` text; it is the schema
  name of the offending field, so the server's message normally contains it too. Each case is
  a valid example changed in exactly one place (:func:`base_of` names the example) and given
  its own ``metadata.name``, so cases never collide on a server. Cases about unknown fields
  are rejected by the server only with ``fieldValidation=Strict`` (the clients' default);
* :func:`client_accepts_server_rejects` - the same shape, for values the server rejects that
  pydantic's lax mode would have accepted and normalised (the models' wire-format types
  reject them too; the name records why the cases exist).

Examples that carry a ``status`` show what the operator reports. The server ignores
``status`` on create (it is a subresource); :func:`for_create` drops it.
"""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import yaml

__all__ = [
    "EXAMPLES_DIR",
    "InvalidCase",
    "ValidCase",
    "base_of",
    "client_accepts_server_rejects",
    "examples_of_kind",
    "for_create",
    "invalid_cases",
    "load_example",
    "load_examples",
    "valid_cases",
]

EXAMPLES_DIR = Path(__file__).resolve().parent

Manifest = dict[str, Any]


class ValidCase(NamedTuple):
    case_id: str
    kind: str
    manifest: Manifest


class InvalidCase(NamedTuple):
    case_id: str
    kind: str
    manifest: Manifest
    error: str


@cache
def _read_all() -> dict[str, Manifest]:
    manifests: dict[str, Manifest] = {}
    for path in sorted(EXAMPLES_DIR.glob("*.yaml")):
        manifest = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(manifest, dict) or "kind" not in manifest:
            raise ValueError(f"{path}: not a Kubernetes manifest")
        manifests[path.stem] = manifest
    return manifests


def load_examples() -> dict[str, Manifest]:
    """Every example manifest, keyed by file stem (fresh copies)."""
    return copy.deepcopy(_read_all())


def load_example(stem: str) -> Manifest:
    """One example manifest by file stem (a fresh copy)."""
    return copy.deepcopy(_read_all()[stem])


def examples_of_kind(kind: str) -> dict[str, Manifest]:
    """The examples of one kind, keyed by file stem."""
    return {stem: m for stem, m in load_examples().items() if m["kind"] == kind}


def for_create(manifest: Manifest) -> Manifest:
    """A copy without ``status``, which the server ignores on create."""
    body = copy.deepcopy(manifest)
    body.pop("status", None)
    return body


def valid_cases() -> list[ValidCase]:
    """Every example as a case that both the models and the server accept."""
    return [ValidCase(stem, m["kind"], m) for stem, m in load_examples().items()]


# -- invalid cases -------------------------------------------------------------------------

_DELETE = object()


class _Change(NamedTuple):
    case_id: str
    base: str  # example stem
    path: str  # dot-separated; integers index lists
    value: Any  # _DELETE removes the key
    error: str


def _drop(case_id: str, base: str, path: str, error: str) -> _Change:
    return _Change(case_id, base, path, _DELETE, error)


def _set(case_id: str, base: str, path: str, value: Any, error: str) -> _Change:
    return _Change(case_id, base, path, value, error)


_WS = "workspace-jupyter-full"
_WS_VM = "workspace-vm-int"
_WSB = "workspace-binding-username"
_WSB_CLAIMS = "workspace-binding-claims"
_DS = "datasource-connection-string"
_DS_DBX = "datasource-databricks"
_DSB = "datasource-binding-approvals"
_CRATE = "crate-full"

_APPROVAL = "spec.approvals.0"

_INVALID: tuple[_Change, ...] = (
    # AnalyticsWorkspace: required fields
    _drop("workspace-missing-displayName", _WS, "spec.displayName", "displayName"),
    _drop("workspace-missing-description", _WS, "spec.description", "description"),
    _drop("workspace-missing-validity", _WS, "spec.validity", "validity"),
    _drop("workspace-missing-availableFrom", _WS, "spec.validity.availableFrom", "availableFrom"),
    _drop("workspace-missing-expires", _WS, "spec.validity.expires", "expires"),
    _drop("workspace-missing-image", _WS, "spec.jupyterWorkspace.image", "image"),
    # AnalyticsWorkspace: formats and patterns
    _set("workspace-expires-month-13", _WS, "spec.validity.expires", "2025-13-01", "expires"),
    _set(
        "workspace-availableFrom-not-a-date",
        _WS,
        "spec.validity.availableFrom",
        "yesterday",
        "availableFrom",
    ),
    _set(
        "workspace-image-without-tag",
        _WS,
        "spec.jupyterWorkspace.image",
        "lscsde/datascience-notebook-r",
        "image",
    ),
    _set(
        "workspace-image-upper-case",
        _WS,
        "spec.jupyterWorkspace.image",
        "LSCSDE/Notebook:2.3.1",
        "image",
    ),
    _set(
        "workspace-maxHosts-list", _WS_VM, "spec.virtualMachineWorkspace.maxHosts", [4], "maxHosts"
    ),
    # AnalyticsWorkspace: anyOf (jupyterWorkspace or virtualMachineWorkspace)
    _drop("workspace-no-workspace-kind", _WS, "spec.jupyterWorkspace", "jupyterWorkspace"),
    # AnalyticsWorkspace: unknown fields (typos) and type meta
    _set(
        "workspace-typo-defaultUrl", _WS, "spec.jupyterWorkspace.defaultUrl", "/lab", "defaultUrl"
    ),
    _set("workspace-typo-expiry", _WS, "spec.validity.expiry", "2026-08-31", "expiry"),
    _set("workspace-typo-top-level-specs", _WS, "specs", {}, "specs"),
    _set("workspace-wrong-kind", _WS, "kind", "AnalyticsWorkspaceBinding", "kind"),
    _set("workspace-wrong-apiVersion", _WS, "apiVersion", "xlscsde.nhs.uk/v2", "apiVersion"),
    # AnalyticsWorkspaceBinding
    _drop("binding-missing-workspace", _WSB, "spec.workspace", "workspace"),
    _drop("binding-missing-expires", _WSB, "spec.expires", "expires"),
    _set("binding-expires-not-a-date", _WSB, "spec.expires", "yesterday", "expires"),
    _drop("binding-no-username-or-claims", _WSB, "spec.username", "username"),
    _set(
        "binding-claims-operator-lower-case",
        _WSB_CLAIMS,
        "spec.claims.0.operator",
        "in",
        "operator",
    ),
    _set(
        "binding-claims-operator-unknown", _WSB_CLAIMS, "spec.claims.1.operator", "LIKE", "operator"
    ),
    _set("binding-replicas-word", _WSB, "spec.replicas", "two", "replicas"),
    _set("binding-typo-userName", _WSB, "spec.userName", "analyst1@example.org", "userName"),
    # AnalyticsDataSource
    _drop(
        "datasource-connection-without-connection",
        _DS,
        "spec.connections.1.connectionString",
        "connectionString",
    ),
    _drop(
        "datasource-connectionString-empty",
        _DS,
        "spec.connections.1.connectionString.secretName",
        "secretName",
    ),
    _drop(
        "datasource-databricks-without-token",
        _DS_DBX,
        "spec.connections.0.databricksConnection.personalAccessToken",
        "personalAccessToken",
    ),
    # roCrate needs spec or path, but path is not declared: only spec satisfies it.
    _drop("datasource-roCrate-without-spec", _DS, "spec.connections.0.roCrate.spec", "roCrate"),
    _set(
        "datasource-roCrate-undeclared-path",
        _DS,
        "spec.connections.0.roCrate.path",
        "/ro-crate-metadata.json",
        "path",
    ),
    _drop("datasource-approval-missing-type", _DS, f"{_APPROVAL}.type", "type"),
    _drop("datasource-approval-missing-jobTitle", _DS, f"{_APPROVAL}.jobTitle", "jobTitle"),
    _set(
        "datasource-approvalGiven-no-timezone",
        _DS,
        f"{_APPROVAL}.approvalGiven",
        "2025-01-20T14:30:00",
        "approvalGiven",
    ),
    _set("datasource-typo-contact-email", _DS, "spec.publisher.contact.email", "x@y", "email"),
    # AnalyticsDataSourceBinding
    _drop("dsbinding-missing-workspace", _DSB, "spec.workspace", "workspace"),
    _drop("dsbinding-missing-datasource", _DSB, "spec.datasource", "datasource"),
    _set("dsbinding-expires-february-30", _DSB, "spec.expires", "2026-02-30", "expires"),
    _drop("dsbinding-approval-missing-type", _DSB, f"{_APPROVAL}.type", "type"),
    _drop("dsbinding-approval-missing-name", _DSB, f"{_APPROVAL}.name", "name"),
    _drop("dsbinding-approval-missing-email", _DSB, f"{_APPROVAL}.email", "email"),
    _drop("dsbinding-approval-missing-jobTitle", _DSB, f"{_APPROVAL}.jobTitle", "jobTitle"),
    _drop(
        "dsbinding-approval-missing-approvalGiven",
        _DSB,
        f"{_APPROVAL}.approvalGiven",
        "approvalGiven",
    ),
    _set(
        "dsbinding-approvalGiven-no-timezone",
        _DSB,
        f"{_APPROVAL}.approvalGiven",
        "2025-02-10T16:45:00",
        "approvalGiven",
    ),
    _set(
        "dsbinding-approvalGiven-date-only",
        _DSB,
        f"{_APPROVAL}.approvalGiven",
        "2025-02-10",
        "approvalGiven",
    ),
    _set("dsbinding-typo-dataSource", _DSB, "spec.dataSource", "ds-stroke-registry", "dataSource"),
    # AnalyticsCrate
    _set("crate-path-not-a-string", _CRATE, "spec.path", 42, "path"),
    _set("crate-typo-repo-branchName", _CRATE, "spec.repo.branchName", "main", "branchName"),
)

# Values the server rejects (type string with a format, or type integer) that pydantic's lax
# mode accepts and rewrites.
_LAX: tuple[_Change, ...] = (
    _set(
        "workspace-availableFrom-midnight-datetime",
        _WS,
        "spec.validity.availableFrom",
        "2025-02-03T00:00:00",
        "availableFrom",
    ),
    _set("workspace-expires-unix-timestamp", _WS, "spec.validity.expires", 1788134400, "expires"),
    _set("binding-replicas-numeric-string", _WSB, "spec.replicas", "1", "replicas"),
    _set("binding-replicas-boolean", _WSB, "spec.replicas", True, "replicas"),
    _set(
        "dsbinding-approvalGiven-space-separator",
        _DSB,
        f"{_APPROVAL}.approvalGiven",
        "2025-02-10 16:45:00Z",
        "approvalGiven",
    ),
    _set(
        "dsbinding-approvalGiven-without-seconds",
        _DSB,
        f"{_APPROVAL}.approvalGiven",
        "2025-02-10T16:45Z",
        "approvalGiven",
    ),
    _set(
        "dsbinding-approvalGiven-unix-timestamp",
        _DSB,
        f"{_APPROVAL}.approvalGiven",
        1739205900,
        "approvalGiven",
    ),
)


def _apply(manifest: Manifest, path: str, value: Any) -> None:
    *parents, last = (int(p) if p.isdigit() else p for p in path.split("."))
    node: Any = manifest
    for key in parents:
        node = node[key]
    if value is _DELETE:
        if last not in node:
            raise KeyError(f"{path}: nothing to delete")
        del node[last]
    else:
        node[last] = copy.deepcopy(value)


def _build(changes: tuple[_Change, ...]) -> list[InvalidCase]:
    cases = []
    for change in changes:
        manifest = load_example(change.base)
        kind = manifest["kind"]
        manifest["metadata"]["name"] = change.case_id.lower()
        _apply(manifest, change.path, change.value)
        cases.append(InvalidCase(change.case_id, kind, manifest, change.error))
    return cases


def invalid_cases() -> list[InvalidCase]:
    """Manifests the models and the server both reject (see the module docstring)."""
    return _build(_INVALID)


def client_accepts_server_rejects() -> list[InvalidCase]:
    """Manifests the server rejects that lax pydantic coercion would accept."""
    return _build(_LAX)


def base_of(case_id: str) -> tuple[str, str]:
    """``(example stem, changed path)`` an invalid case was made from."""
    for change in (*_INVALID, *_LAX):
        if change.case_id == case_id:
            return change.base, change.path
    raise KeyError(case_id)
