"""Reading CustomResourceDefinition manifests into the facts the generator needs."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


class CrdError(ValueError):
    """A schema file is not a CRD the generator can use; the message names the file."""


@dataclass(frozen=True)
class PrinterColumn:
    name: str
    type: str
    json_path: str


@dataclass(frozen=True)
class Crd:
    """One CRD version: names, scope, subresources and the open API schema."""

    source: Path
    group: str
    version: str
    kind: str
    plural: str
    singular: str
    short_names: tuple[str, ...]
    categories: tuple[str, ...]
    namespaced: bool
    has_status: bool
    has_scale: bool
    schema: dict[str, Any]
    printer_columns: tuple[PrinterColumn, ...] = field(default=())

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}"


def load_crds(schema_dir: Path) -> list[Crd]:
    """Every CRD in ``schema_dir`` (``*.yaml``), sorted by kind so output order is stable."""
    crds = [load_crd(path) for path in sorted(schema_dir.glob("*.yaml"))]
    if not crds:
        raise CrdError(f"no CRD manifests (*.yaml) in {schema_dir}")
    kinds = [crd.kind for crd in crds]
    duplicated = sorted({kind for kind in kinds if kinds.count(kind) > 1})
    if duplicated:
        raise CrdError(f"kinds defined more than once in {schema_dir}: {', '.join(duplicated)}")
    return sorted(crds, key=lambda crd: crd.kind)


def load_crd(path: Path) -> Crd:
    manifest = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(manifest, dict) or manifest.get("kind") != "CustomResourceDefinition":
        raise CrdError(f"{path}: not a CustomResourceDefinition manifest")
    try:
        spec = manifest["spec"]
        names = spec["names"]
        served = [v for v in spec["versions"] if v.get("served", True)]
    except (KeyError, TypeError) as exc:
        raise CrdError(f"{path}: missing {exc} in the CRD") from exc
    storage = [v for v in served if v.get("storage")]
    if len(storage) != 1:
        raise CrdError(f"{path}: expected exactly one served storage version, found {len(storage)}")
    version = storage[0]
    schema = (version.get("schema") or {}).get("openAPIV3Schema")
    if not isinstance(schema, dict):
        raise CrdError(f"{path}: version {version.get('name')} has no openAPIV3Schema")
    subresources = version.get("subresources") or {}
    return Crd(
        source=path,
        group=spec["group"],
        version=version["name"],
        kind=names["kind"],
        plural=names["plural"],
        singular=names.get("singular", names["kind"].lower()),
        short_names=tuple(names.get("shortNames") or ()),
        categories=tuple(names.get("categories") or ()),
        namespaced=spec.get("scope", "Namespaced") == "Namespaced",
        has_status="status" in subresources,
        has_scale="scale" in subresources,
        schema=schema,
        printer_columns=tuple(
            PrinterColumn(name=c["name"], type=c["type"], json_path=c["jsonPath"])
            for c in version.get("additionalPrinterColumns") or ()
        ),
    )


def read_release(schema_dir: Path) -> str:
    """The CRD release (Helm chart version) the schemas track, from ``CRD_RELEASE``."""
    path = schema_dir / "CRD_RELEASE"
    if not path.is_file():
        raise CrdError(f"{path} is missing: record the CRD release the schemas track")
    return path.read_text(encoding="utf-8").strip()
