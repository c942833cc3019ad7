"""The import graph of lscsde_sdk, built from the source: no module imports itself back
through others, and the core (``lscsde_sdk.core``) imports nothing built on it.

Every import counts (module level or inside a function; not those only for type checkers,
under ``if TYPE_CHECKING:``), since a function-level import is a dependency too; but not an
attribute taken from the package ``lscsde_sdk`` itself (see :func:`imports_of`).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[2] / "src"
PACKAGE = "lscsde_sdk"

#: What the core may import besides itself: the model foundation it validates answers with
#: (generic: no kind, no label, no event). ``secrets`` is ``model_base``'s ``SecretStr``
#: handling; the core does not import it itself.
CORE_MAY_USE = {
    "lscsde_sdk.input_errors",
    "lscsde_sdk.meta",
    "lscsde_sdk.model_base",
    "lscsde_sdk.resource",
    "lscsde_sdk.rule_checks",
    "lscsde_sdk.schema_rules",
    "lscsde_sdk.secrets",
    "lscsde_sdk.type_hints",
    "lscsde_sdk.unread",
}
#: Modules the core must never reach, directly or through others.
DOMAIN = (
    "lscsde_sdk._generated",
    "lscsde_sdk.access",
    "lscsde_sdk.cli",
    "lscsde_sdk.clients",
    "lscsde_sdk.errors",
    "lscsde_sdk.events",
    "lscsde_sdk.indexing",
    "lscsde_sdk.kubespawner",
    "lscsde_sdk.labels",
    "lscsde_sdk.managers",
    "lscsde_sdk.models",
    "lscsde_sdk.operator",
    "lscsde_sdk.recording",
    "lscsde_sdk.runtime",
    "lscsde_sdk.storage",
)


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted((SOURCE / PACKAGE).rglob("*.py")):
        parts = path.relative_to(SOURCE).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


MODULES = modules()


def imports_of(name: str) -> set[str]:
    """The lscsde_sdk modules ``name`` imports (a ``from package import module`` names the
    module; a ``from module import attribute``, the module)."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.add(candidate if candidate in MODULES else base)
    # The package itself is the front door: it re-exports what is built below it, so taking
    # one of its attributes (``__version__``) is no dependency on a layer.
    return {module for module in found if module in MODULES and module not in (name, PACKAGE)}


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node but those under ``if TYPE_CHECKING:``."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from (n for child in node.orelse for n in [child, *_runtime_nodes(child)])
            continue
        yield node
        yield from _runtime_nodes(node)


GRAPH = {name: imports_of(name) for name in MODULES}


def reachable(start: str) -> set[str]:
    seen: set[str] = set()
    stack = [start]
    while stack:
        for module in GRAPH[stack.pop()]:
            if module not in seen:
                seen.add(module)
                stack.append(module)
    return seen


def cycles() -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for other in sorted(GRAPH[module]):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(GRAPH):
        if module not in index:
            visit(module)
    return found


def test_the_graph_is_read_from_the_source() -> None:
    assert "lscsde_sdk.core.transport" in GRAPH["lscsde_sdk.core.base"]
    assert "lscsde_sdk.indexing.fields" in GRAPH["lscsde_sdk.runtime.store"]
    # The informer names the client only for type checkers: not a dependency.
    assert "lscsde_sdk.core.client" not in GRAPH["lscsde_sdk.runtime.informer"]


def test_no_module_imports_itself_back() -> None:
    assert cycles() == []


def test_the_core_reaches_no_module_built_on_it() -> None:
    for module in (name for name in MODULES if name.startswith("lscsde_sdk.core")):
        beyond = {name for name in reachable(module) if not name.startswith("lscsde_sdk.core.")}
        assert beyond <= CORE_MAY_USE, (module, sorted(beyond - CORE_MAY_USE))
        assert not [name for name in beyond if name.startswith(DOMAIN)], module


def test_the_core_does_not_import_secrets_itself() -> None:
    for module in (name for name in MODULES if name.startswith("lscsde_sdk.core")):
        assert "lscsde_sdk.secrets" not in GRAPH[module], module
