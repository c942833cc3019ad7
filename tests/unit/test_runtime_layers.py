"""The runtime sits on the core, apart from the client: importing it loads no client (nor
kubernetes_asyncio's), and nothing in the core imports the runtime back."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "src" / "lscsde_sdk" / "core"


def test_importing_the_runtime_loads_neither_the_client_nor_kubernetes_asyncio_client() -> None:
    probe = (
        "import sys, lscsde_sdk.runtime; "
        "print(sorted(m for m in sys.modules if m in "
        "('lscsde_sdk.core.client', 'kubernetes_asyncio.client')))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == "[]"


def test_no_core_module_imports_the_runtime() -> None:
    for module in CORE.glob("*.py"):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        imported = [
            node.module or ""
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.level
        ] + [
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        ]
        assert not [name for name in imported if "runtime" in name], module.name
