"""lscsde_workspace_mgmt keeps the old library's API: every module, class and method, with the
same parameter names, order and defaults, async where it was async.

The expected API is written out below (from the old library's API reference and source), so
the test needs nothing outside this repository.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any, NamedTuple

import pytest
from pydantic import BaseModel
from typing_extensions import is_typeddict

PACKAGE = "lscsde_workspace_mgmt"

# The old defaults of ``date_now`` were ``datetime.today()`` evaluated once at import (a bug:
# "today" froze when the process started). Now they are None, meaning today at each call.
TODAY_PER_CALL = object()
# A ``**kwargs`` parameter.
KWARGS = "**kwargs"
NO_DEFAULT = inspect.Parameter.empty


class Method(NamedTuple):
    params: tuple[str, ...]
    defaults: dict[str, Any]
    is_async: bool = True


def _m(*params: str, is_async: bool = True, **defaults: Any) -> Method:
    return Method(params, defaults, is_async)


# Resource client methods shared by the four clients (the binding ones add append_label).
_GET = _m("namespace", "name")
_LIST = _m("namespace", KWARGS)
_PATCH = _m(
    "namespace", "name", "patch_body", "body", namespace=None, name=None, patch_body=None, body=None
)
_PATCH_STATUS = _m("namespace", "name", "status")
_DELETE = _m("body", "namespace", "name", body=None, namespace=None, name=None)
_CREATE = _m("body")
_REPLACE = _m("body")
_CREATE_LABELLED = _m("body", "append_label", append_label=True)
_REPLACE_LABELLED = _m("body", "append_label", append_label=True)

_EVENT_METHODS: dict[str, Method] = {
    "RegisterWorkspaceEvent": _m("workspace", "reason", "note"),
    "RegisterWorkspaceBindingEvent": _m("binding", "reason", "note"),
    "RegisterDataSourceEvent": _m("datasource", "reason", "note"),
    "RegisterDataSourceBindingEvent": _m("binding", "reason", "note"),
    **{
        f"Workspace{change}": _m("workspace", "note", note=None)
        for change in ("Created", "Updated", "Deleted")
    },
    **{
        f"WorkspaceBinding{change}": _m("binding", "note", note=None)
        for change in ("Created", "Updated", "Deleted")
    },
    **{
        f"DataSource{change}": _m("datasource", "note", note=None)
        for change in ("Created", "Updated", "Deleted")
    },
    **{
        f"DataSourceBinding{change}": _m("binding", "note", note=None)
        for change in ("Created", "Updated", "Deleted")
    },
}

_MODEL_CLASSES = (
    "KubernetesMetadata",
    "AnalyticsWorkspaceValidity",
    "VirtualMachineWorkspaceSpec",
    "JupyterWorkspaceStorage",
    "JupyterWorkspacePersistentVolumeClaim",
    "JupyterWorkspaceSpecToleration",
    "JupyterWorkspaceSpec",
    "AnalyticsWorkspaceStatus",
    "AnalyticsWorkspaceBindingStatus",
    "AnalyticsWorkspaceSpec",
    "AnalyticsWorkspaceBindingClaim",
    "AnalyticsWorkspaceBindingSpec",
    "AnalyticsWorkspaceBinding",
    "AnalyticsWorkspace",
    "AnalyticsDataSourcePublisherContact",
    "AnalyticsDataSourcePublisher",
    "AnalyticsDataSourceProject",
    "AnalyticsDataSourceConnectionString",
    "AnalyticsDataSourceSecret",
    "AnalyticsDataSourceSecretWithKey",
    "AnalyticsDataSourceDataBricksConnection",
    "AnalyticsApproval",
    "AnalyticsDataSourceConnection",
    "AnalyticsDataSourceSpec",
    "AnalyticsDataSourceBindingStatus",
    "AnalyticsDataSourceStatus",
    "AnalyticsDataSourceBindingSpec",
    "AnalyticsDataSource",
    "AnalyticsDataSourceBinding",
    "AnalyticsCrateSpecRepository",
    "AnalyticsCrateSpec",
    "AnalyticsCrateStatus",
    "AnalyticsCrate",
)

#: module -> class -> method -> expected signature (without self).
API: dict[str, dict[str, dict[str, Method]]] = {
    "datasourcebindingclient": {
        "AnalyticsDataSourceBindingClient": {
            "get": _GET,
            "list": _LIST,
            "list_by_workspace": _m("namespace", "workspace"),
            "create": _CREATE_LABELLED,
            "patch": _PATCH,
            "patch_status": _PATCH_STATUS,
            "replace": _REPLACE_LABELLED,
            "delete": _DELETE,
        }
    },
    "k8sio": {},
    "eventclient": {"EventClient": _EVENT_METHODS},
    "exceptions": {"NoAssignedValidWorkspaces": {}, "WorkspaceNotFoundException": {}},
    "workspaceclient": {
        "AnalyticsWorkspaceClient": {
            "get": _GET,
            "list": _LIST,
            "list_by_username": _m("binding_client", "namespace", "username"),
            "create": _CREATE,
            "patch": _PATCH,
            "patch_status": _PATCH_STATUS,
            "replace": _REPLACE,
            "delete": _DELETE,
        }
    },
    "pvclient": {
        "PersistentVolumeClaimClient": {
            "get": _m("name", "namespace"),
            "create_if_not_exists": _m(
                "name",
                "namespace",
                "storage_class_name",
                "labels",
                "access_modes",
                "storage_requested",
                storage_class_name=None,
                labels={},
                access_modes=None,
                storage_requested=None,
            ),
            "mount": _m(
                "pod",
                "storage_name",
                "namespace",
                "storage_class_name",
                "mount_path",
                "read_only",
                read_only=False,
            ),
        }
    },
    "managers": {
        "AnalyticsDataSourceManager": {},
        "AnalyticsWorkspaceManager": {
            "get_workspaces_for_user": _m("namespace", "username"),
            "get_permitted_workspaces": _m(
                "namespace", "username", "date_now", date_now=TODAY_PER_CALL
            ),
            "mount_workspace": _m(
                "pod",
                "storage_class_name",
                "mount_prefix",
                "storage_prefix",
                "read_only",
                "mount_path",
                storage_prefix="",
                read_only=False,
                mount_path="",
            ),
        },
        "AnalyticsManager": {},
    },
    "namespacedclient": {
        "KubernetesNamespacedCustomClient": {
            "get_api_version": _m(is_async=False),
            "get": _m("namespace", "name"),
            "list": _m("namespace", KWARGS),
            "patch": _m("namespace", "name", "body"),
            "patch_status": _m("namespace", "name", "body"),
            "replace": _m("namespace", "name", "body"),
            "create": _m("namespace", "body"),
            "delete": _m("namespace", "name"),
        }
    },
    "objects": {
        "AnalyticsWorkspaceConverter": {
            "days_until_expiry": _m(
                "time_str", "date_now", is_async=False, date_now=TODAY_PER_CALL
            ),
            "to_workspace_dict": _m(
                "workspace", "date_now", is_async=False, date_now=TODAY_PER_CALL
            ),
        }
    },
    "_version": {},
    "datasourceclient": {
        "AnalyticsDataSourceClient": {
            "get": _GET,
            "list": _LIST,
            "list_by_workspace": _m("binding_client", "namespace", "workspace"),
            "create": _CREATE,
            "patch": _PATCH,
            "patch_status": _PATCH_STATUS,
            "replace": _REPLACE,
            "delete": _DELETE,
        }
    },
    "models": {
        "KubernetesHelper": {"format_as_label": _m("username", is_async=False)},
        "JupyterWorkspaceSpecResources": {},
        "JupyterWorkspaceSpecNodeSelector": {},
        **{name: {} for name in _MODEL_CLASSES},
        "AnalyticsWorkspaceBindingSpec": {"username_as_label": _m(is_async=False)},
    },
    # The old library's own test modules: shipped self-checks here.
    "tests.workspaces": {},
    "tests.datasources": {},
    "tests.datasourcesbindings": {},
    "tests.k8shelper": {},
    "tests.workspacebindings": {},
    "integrationtest": {},
    "test": {},
    "workspacebindingclient": {
        "AnalyticsWorkspaceBindingClient": {
            "get": _GET,
            "list": _LIST,
            "list_by_username": _m("namespace", "username"),
            "create": _CREATE_LABELLED,
            "patch": _PATCH,
            "patch_status": _PATCH_STATUS,
            "replace": _REPLACE_LABELLED,
            "delete": _DELETE,
        }
    },
}

_RESOURCE_CLIENT_INIT = _m("k8s_api", "log", "event_client", is_async=False)
_MANAGER_INIT = _m(
    "api_client",
    "log",
    "reporting_controller",
    "reporting_user",
    is_async=False,
    reporting_controller="xlscsde.nhs.uk/unspecified-controller",
    reporting_user="Unknown User",
)

#: (module, class) -> constructor signature. Extra keyword-only parameters with defaults may
#: follow (they cannot break an old call).
CONSTRUCTORS: dict[tuple[str, str], Method] = {
    ("namespacedclient", "KubernetesNamespacedCustomClient"): _m(
        "k8s_api", "log", "group", "version", "plural", "kind", is_async=False
    ),
    ("workspaceclient", "AnalyticsWorkspaceClient"): _RESOURCE_CLIENT_INIT,
    ("workspacebindingclient", "AnalyticsWorkspaceBindingClient"): _RESOURCE_CLIENT_INIT,
    ("datasourceclient", "AnalyticsDataSourceClient"): _RESOURCE_CLIENT_INIT,
    ("datasourcebindingclient", "AnalyticsDataSourceBindingClient"): _RESOURCE_CLIENT_INIT,
    ("eventclient", "EventClient"): _m(
        "api_client",
        "log",
        "reporting_controller",
        "reporting_user",
        is_async=False,
        reporting_controller="xlscsde.nhs.uk/undefined-controller",
        reporting_user="Unknown User",
    ),
    ("pvclient", "PersistentVolumeClaimClient"): _m("api_client", "log", is_async=False),
    ("managers", "AnalyticsWorkspaceManager"): _MANAGER_INIT,
    ("managers", "AnalyticsDataSourceManager"): _MANAGER_INIT,
    ("managers", "AnalyticsManager"): _MANAGER_INIT,
    ("objects", "AnalyticsWorkspaceConverter"): _m(is_async=False),
    ("models", "KubernetesHelper"): _m(is_async=False),
    ("exceptions", "NoAssignedValidWorkspaces"): _m("user", is_async=False),
    ("exceptions", "InvalidParameterException"): _m("message", is_async=False),
    ("exceptions", "InvalidLabelFormatException"): _m("message", is_async=False),
    ("exceptions", "WorkspaceNotFoundException"): _m("namespace", "name", is_async=False),
}

#: (module, class) -> (module, base class) the old class derived from.
BASES: dict[tuple[str, str], tuple[str, str]] = {
    ("workspaceclient", "AnalyticsWorkspaceClient"): (
        "namespacedclient",
        "KubernetesNamespacedCustomClient",
    ),
    ("workspacebindingclient", "AnalyticsWorkspaceBindingClient"): (
        "namespacedclient",
        "KubernetesNamespacedCustomClient",
    ),
    ("datasourceclient", "AnalyticsDataSourceClient"): (
        "namespacedclient",
        "KubernetesNamespacedCustomClient",
    ),
    ("datasourcebindingclient", "AnalyticsDataSourceBindingClient"): (
        "namespacedclient",
        "KubernetesNamespacedCustomClient",
    ),
    ("models", "AnalyticsDataSourceSecretWithKey"): ("models", "AnalyticsDataSourceSecret"),
}


def _class(module: str, name: str) -> type:
    cls = getattr(importlib.import_module(f"{PACKAGE}.{module}"), name, None)
    assert cls is not None, f"{PACKAGE}.{module} has no {name}"
    assert inspect.isclass(cls), f"{PACKAGE}.{module}.{name} is not a class"
    return cls


def _check_signature(where: str, function: Any, expected: Method, *, extra_ok: bool) -> None:
    parameters = [
        p for p in inspect.signature(function).parameters.values() if p.name not in ("self",)
    ]
    names = [KWARGS if p.kind is p.VAR_KEYWORD else p.name for p in parameters]
    if extra_ok:
        extra = parameters[len(expected.params) :]
        assert all(p.kind is p.KEYWORD_ONLY and p.default is not NO_DEFAULT for p in extra), (
            f"{where}: parameters {[p.name for p in extra]} would break old calls"
        )
        names = names[: len(expected.params)]
    assert names == list(expected.params), f"{where}: parameters {names}, expected {expected}"
    for parameter in parameters[: len(expected.params)]:
        if parameter.kind is parameter.VAR_KEYWORD:
            continue
        assert parameter.kind is parameter.POSITIONAL_OR_KEYWORD, (
            f"{where}: {parameter.name} must be usable positionally and by name"
        )
        wanted = expected.defaults.get(parameter.name, NO_DEFAULT)
        if wanted is TODAY_PER_CALL:
            wanted = None
        assert parameter.default == wanted, (
            f"{where}: {parameter.name} defaults to {parameter.default!r}, expected {wanted!r}"
        )


def test_every_module_exists() -> None:
    for module in API:
        importlib.import_module(f"{PACKAGE}.{module}")


def test_package_exports_the_version_and_the_manager() -> None:
    package = importlib.import_module(PACKAGE)
    lscsde_sdk = importlib.import_module("lscsde_sdk")
    assert package.__version__ == lscsde_sdk.__version__
    assert package.AnalyticsWorkspaceManager is _class("managers", "AnalyticsWorkspaceManager")


@pytest.mark.parametrize(
    ("module", "class_name", "method_name"),
    [
        (module, class_name, method_name)
        for module, classes in API.items()
        for class_name, methods in classes.items()
        for method_name in methods
    ],
)
def test_method_signature(module: str, class_name: str, method_name: str) -> None:
    expected = API[module][class_name][method_name]
    method = getattr(_class(module, class_name), method_name, None)
    where = f"{module}.{class_name}.{method_name}"
    assert callable(method), f"{where} is missing"
    assert inspect.iscoroutinefunction(method) is expected.is_async, (
        f"{where} must {'' if expected.is_async else 'not '}be async"
    )
    _check_signature(where, method, expected, extra_ok=False)


@pytest.mark.parametrize(("module", "class_name"), list(CONSTRUCTORS))
def test_constructor_signature(module: str, class_name: str) -> None:
    cls = _class(module, class_name)
    _check_signature(
        f"{module}.{class_name}()", cls, CONSTRUCTORS[(module, class_name)], extra_ok=True
    )


@pytest.mark.parametrize(("child", "base"), list(BASES.items()))
def test_class_hierarchy(child: tuple[str, str], base: tuple[str, str]) -> None:
    assert issubclass(_class(*child), _class(*base))


@pytest.mark.parametrize("name", _MODEL_CLASSES)
def test_models_are_pydantic_models(name: str) -> None:
    assert issubclass(_class("models", name), BaseModel)


@pytest.mark.parametrize(
    "name", ["JupyterWorkspaceSpecResources", "JupyterWorkspaceSpecNodeSelector"]
)
def test_typed_dicts(name: str) -> None:
    assert is_typeddict(_class("models", name))


@pytest.mark.parametrize(
    "name", ["NoAssignedValidWorkspaces", "WorkspaceNotFoundException", "InvalidParameterException"]
)
def test_exceptions(name: str) -> None:
    assert issubclass(_class("exceptions", name), Exception)
