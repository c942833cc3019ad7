"""Matching the entries of ``codegen/*.yaml`` against the schemas being generated from.

The configuration names the kinds, schema paths and classes of every CRD release the project
knows. An earlier release lacks some of them (no AnalyticsCrate, no ``roCrate`` connection on
a data source), and a later one may drop some. Such an entry is left out of the generation and
reported as a :class:`ConfigWarning` naming the file and the entry, with the nearest kind,
path or class that does exist when one is close (so a typo stands out from a removal); the
generator goes on. An entry that names something that exists but cannot be used as asked (a
class name for a string, a secret that is an integer) is still an error.

The classes left out this way are recorded (:class:`Findings`), so that the generated package
can name them, and what they lack, for :mod:`lscsde_sdk.absent`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .crds import Crd

#: How alike (difflib's ratio) an existing kind or class name must be to be offered as the
#: nearest one: a typo scores above it, another kind (which shares "Analytics") below it.
NAME_CUTOFF = 0.85
#: The same for one step of a path (a property name), compared with its siblings only, so a
#: removed property is not "near" a sibling that merely shares its parent's path.
STEP_CUTOFF = 0.75
#: One step of a path: a property (with the dot before it), array items or map values.
_STEP = re.compile(r"\[\]|\{\}|\.?[^.\[{]+")


@dataclass(frozen=True)
class ConfigWarning:
    """An entry of a configuration file that names something the schemas do not have."""

    file: str
    entry: str
    problem: str
    nearest: str | None = None

    def __str__(self) -> str:
        hint = f" (nearest: {self.nearest})" if self.nearest else ""
        return f"codegen/{self.file}: {self.entry}: {self.problem}{hint}"


@dataclass
class Findings:
    """What matching the configuration found: warnings about the entries left out, and the
    classes they name, each with what the schemas lack for it (a kind, or a kind and path)."""

    warnings: list[ConfigWarning] = field(default_factory=list)
    missing_kinds: set[str] = field(default_factory=set)
    missing_classes: dict[str, str] = field(default_factory=dict)

    def absent_classes(self, generated: Collection[str]) -> dict[str, str]:
        """The missing kinds' classes and the named classes that are not generated (another
        path may still define one)."""
        named = {**self.missing_classes, **{kind: kind for kind in self.missing_kinds}}
        return {name: missing for name, missing in sorted(named.items()) if name not in generated}


def nearest(name: str, candidates: Iterable[str], cutoff: float = NAME_CUTOFF) -> str | None:
    """The candidate most like ``name``, if one is alike enough to be a typo of it."""
    found = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=cutoff)
    return found[0] if found else None


def nearest_path(path: str, paths: Collection[str]) -> str | None:
    """The existing path ``path`` most likely meant: step by step from the root, each step
    that does not exist replaced by its nearest sibling; None when a step has none (the
    property, or one above it, is not in the schemas at all)."""
    current = ""
    for step in _STEP.findall(path):
        if current + step not in paths:
            siblings = {
                known[len(current) :]
                for known in paths
                if known.startswith(current) and _is_step(known[len(current) :], first=not current)
            }
            replacement = nearest(step, siblings, STEP_CUTOFF)
            if replacement is None:
                return None
            step = replacement
        current += step
    return current


def _is_step(text: str, first: bool) -> bool:
    """Whether ``text`` is one step of a path: the first has no separator before it, the others
    begin with one (``.``, ``[`` or ``{``)."""
    return bool(_STEP.fullmatch(text)) and text.startswith((".", "[", "{")) != first


def schema_paths(node: Mapping[str, Any], path: str = "") -> set[str]:
    """Every path below ``node``, spelled as the configuration spells them: property names
    joined by dots, ``[]`` stepping into array items and ``{}`` into map values."""
    paths: set[str] = set()
    for prop, sub in (node.get("properties") or {}).items():
        child = f"{path}.{prop}" if path else prop
        paths.add(child)
        if isinstance(sub, Mapping):
            paths |= _paths_within(sub, child)
    return paths


def _paths_within(node: Mapping[str, Any], path: str) -> set[str]:
    paths = schema_paths(node, path)
    for key, step in (("items", "[]"), ("additionalProperties", "{}")):
        value = node.get(key)
        if isinstance(value, Mapping):
            paths.add(f"{path}{step}")
            paths |= _paths_within(value, f"{path}{step}")
    return paths


class Schemas:
    """The kinds, versions and paths of the CRDs being generated from, to match entries
    against. An entry's key is a kind (``Kind``, paths of any of its versions) or one version
    of it (``Kind@version``)."""

    def __init__(self, crds: Sequence[Crd]) -> None:
        self._paths: dict[str, set[str]] = {}
        for crd in crds:
            paths = schema_paths(crd.schema)
            self._paths.setdefault(crd.kind, set()).update(paths)
            self._paths[f"{crd.kind}@{crd.version}"] = paths

    def has(self, key: str) -> bool:
        return key in self._paths

    def paths(self, key: str) -> set[str]:
        return self._paths[key]

    def missing_key(self, file: str, key: str) -> ConfigWarning:
        versioned = "@" in key
        candidates = [known for known in self._paths if ("@" in known) == versioned]
        what = "kind and version" if versioned else "kind"
        return ConfigWarning(file, key, f"no such {what} in the schemas", nearest(key, candidates))

    def missing_path(self, file: str, key: str, path: str, entry: str) -> ConfigWarning:
        return ConfigWarning(
            file, entry, "no such path in the schemas", nearest_path(path, self.paths(key))
        )


def match_class_names(
    file: str,
    class_names: Mapping[str, Mapping[str, str]],
    schemas: Schemas,
    found: Findings,
) -> dict[str, dict[str, str]]:
    """The entries of ``class_names.yaml`` (``Kind`` or ``Kind@version`` -> path -> class
    name) whose kind and path the schemas have."""
    kept: dict[str, dict[str, str]] = {}
    for key, names in class_names.items():
        kind = key.split("@", 1)[0]
        if not schemas.has(key):
            found.warnings.append(schemas.missing_key(file, key))
            if not schemas.has(kind):
                found.missing_kinds.add(kind)
            for name in names.values():
                found.missing_classes.setdefault(name, key)
            continue
        kept[key] = {}
        for path, name in names.items():
            if path in schemas.paths(key):
                kept[key][path] = name
                continue
            found.warnings.append(schemas.missing_path(file, key, path, f"{key} {path}"))
            found.missing_classes.setdefault(name, f"{kind} {path}")
    return kept


def match_paths(
    file: str, paths: Mapping[str, Collection[str]], schemas: Schemas, found: Findings
) -> dict[str, list[str]]:
    """The entries of a file of ``Kind`` -> schema paths whose kind and path the schemas
    have."""
    kept: dict[str, list[str]] = {}
    for kind, listed in paths.items():
        if not schemas.has(kind):
            found.warnings.append(schemas.missing_key(file, kind))
            found.missing_kinds.add(kind)
            continue
        kept[kind] = []
        for path in listed:
            if path in schemas.paths(kind):
                kept[kind].append(path)
            else:
                found.warnings.append(schemas.missing_path(file, kind, path, f"{kind} {path}"))
    return kept


def match_field_indexes(
    file: str,
    indexes: Mapping[str, Mapping[str, Any]],
    schemas: Schemas,
    found: Findings,
    always_there: tuple[str, ...],
) -> dict[str, dict[str, Any]]:
    """The entries of ``field_indexes.yaml`` (``Kind`` -> index name -> spec) whose kind and
    field the schemas have; ``always_there`` is a field every object has (``metadata.name``),
    which the schemas do not describe. A malformed spec is kept for the generator to refuse."""
    kept: dict[str, dict[str, Any]] = {}
    for kind, by_name in indexes.items():
        if not schemas.has(kind):
            found.warnings.append(schemas.missing_key(file, kind))
            found.missing_kinds.add(kind)
            continue
        kept[kind] = {}
        for name, spec in (by_name or {}).items():
            path = spec.get("field") if isinstance(spec, Mapping) else None
            if (
                not isinstance(path, str)
                or path == ".".join(always_there)
                or path in schemas.paths(kind)
            ):
                kept[kind][name] = spec
            else:
                entry = f"{kind} {name} (field {path})"
                found.warnings.append(schemas.missing_path(file, kind, path, entry))
    return kept
