"""One convention in lscsde_sdk: an object is addressed ``(namespace, name)``, in that order,
wherever both are positional parameters (both are ``str``, so a swap would go unnoticed)."""

from __future__ import annotations

import ast
from pathlib import Path

import lscsde_sdk

PACKAGE = Path(lscsde_sdk.__file__).resolve().parent
NAMES = {"name", "claim_name", "storage_name", "pod_name"}


def test_namespace_comes_before_name_in_every_signature() -> None:
    swapped = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "_generated" in path.parts or "controlplane_go" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            positional = [arg.arg for arg in (*node.args.posonlyargs, *node.args.args)]
            if "namespace" not in positional:
                continue
            names = [positional.index(name) for name in NAMES if name in positional]
            if names and min(names) < positional.index("namespace"):
                where = f"{path.relative_to(PACKAGE.parent)}:{node.lineno}"
                swapped.append(f"{where} {node.name}{tuple(positional)}")
    assert swapped == []
