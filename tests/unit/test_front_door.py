"""``from lscsde_sdk import ...`` gives the models, clients, errors, ``connect()`` and the
runtime, each loaded on first use, so ``import lscsde_sdk`` stays cheap; every public module
says what it exports; the SDK names its errors ``*Error``."""

from __future__ import annotations

import ast
import inspect
import json
import subprocess
import sys
from pathlib import Path

import pytest

import lscsde_sdk
from lscsde_sdk import clients, connection, errors, models, runtime

SRC = Path(lscsde_sdk.__file__).resolve().parents[1]

# The old library's own unittest modules, kept in lscsde_workspace_mgmt as it shipped them.
_OLD_TEST_MODULES = ("lscsde_workspace_mgmt/tests/", "lscsde_workspace_mgmt/test.py")
_OLD_INTEGRATION_TEST = "lscsde_workspace_mgmt/integrationtest.py"


def _fresh_interpreter(code: str) -> object:
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return json.loads(result.stdout)


def test_importing_the_package_loads_neither_pydantic_nor_kubernetes_asyncio() -> None:
    loaded = _fresh_interpreter(
        "import json, sys, lscsde_sdk; "
        "print(json.dumps(sorted(m.split('.')[0] for m in sys.modules)))"
    )
    assert isinstance(loaded, list)
    for heavy in ("pydantic", "pydantic_core", "kubernetes_asyncio", "aiohttp", "yaml"):
        assert heavy not in loaded


def test_a_name_loads_only_what_it_needs() -> None:
    loaded = _fresh_interpreter(
        "import json, sys; from lscsde_sdk import NotFoundError; "
        "print(json.dumps(sorted(m.split('.')[0] for m in sys.modules)))"
    )
    assert isinstance(loaded, list)
    assert "kubernetes_asyncio" not in loaded


def test_every_listed_name_resolves_and_is_in_dir() -> None:
    names = set(lscsde_sdk.__all__)
    assert len(names) == len(lscsde_sdk.__all__), "listed twice"
    for name in names:
        assert getattr(lscsde_sdk, name) is not None, name
    assert names <= set(dir(lscsde_sdk))


def test_star_import_gives_exactly_the_listed_names() -> None:
    namespace: dict[str, object] = {}
    exec("from lscsde_sdk import *", namespace)
    assert set(namespace) - {"__builtins__"} == set(lscsde_sdk.__all__)


def test_an_unknown_name_is_an_attribute_error_naming_it() -> None:
    with pytest.raises(AttributeError, match="'NoSuchThing'"):
        _ = lscsde_sdk.NoSuchThing  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("module", "expected"),
    [
        # every model of every kind, ObjectMeta and the bases of models and resources
        (models, set(models.__all__) - {"for_version", "ResourceUnion", "SchemaRules"}),
        # every kind's client and what configures them
        (
            clients,
            {name for name in clients.__all__ if name.endswith("Client")}
            | {"PatchType", "ResourcePage", "RetryPolicy", "Timeouts", "Transport"},
        ),
        (errors, {name for name in errors.__all__ if name.endswith("Error")}),
        (runtime, set(runtime.__all__)),
        (connection, {"Cluster", "Credentials", "CredentialsError", "connect"}),
    ],
    ids=lambda value: getattr(value, "__name__", ""),
)
def test_the_front_door_gives_each_group_as_its_module_does(
    module: object, expected: set[str]
) -> None:
    expected -= {"ListType", "RequiredRule", "ValidationRule"}  # schema-rule details
    assert expected <= set(lscsde_sdk.__all__)
    for name in expected:
        assert getattr(lscsde_sdk, name) is getattr(module, name), name


def _public_modules() -> list[Path]:
    found = []
    for package in ("lscsde_sdk", "lscsde_workspace_mgmt"):
        for path in sorted((SRC / package).rglob("*.py")):
            relative = path.relative_to(SRC).as_posix()
            private = any(
                part.startswith("_") and part != "__init__.py" for part in Path(relative).parts
            )
            if "controlplane_go" in relative or (private and not relative.endswith("__main__.py")):
                continue
            if relative.startswith(_OLD_TEST_MODULES) or relative == _OLD_INTEGRATION_TEST:
                continue
            found.append(path)
    return found


def _all_of(path: Path) -> list[str] | None:
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else [node.target]
            if isinstance(node, ast.AnnAssign)
            else []
        )
        if any(isinstance(target, ast.Name) and target.id == "__all__" for target in targets):
            value = node.value
            if isinstance(value, ast.List | ast.Tuple):
                return [elt.value for elt in value.elts if isinstance(elt, ast.Constant)]
            return []
    return None


def test_every_public_module_declares_all() -> None:
    missing = [str(path.relative_to(SRC)) for path in _public_modules() if _all_of(path) is None]
    assert missing == []


def test_the_sdk_names_its_errors_error_and_the_old_names_live_only_in_compat() -> None:
    old_names = []
    for path in _public_modules():
        relative = path.relative_to(SRC).as_posix()
        if relative.startswith("lscsde_sdk/"):
            old_names += [
                f"{relative}: {n}" for n in _all_of(path) or [] if n.endswith("Exception")
            ]
    assert old_names == []
    for name, value in vars(errors).items():
        if inspect.isclass(value) and issubclass(value, Exception):
            assert not name.endswith("Exception"), name
