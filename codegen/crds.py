"""Reading CustomResourceDefinition manifests into the facts the generator needs."""

from __future__ import annotations

import re
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
    """One served version of a CRD: names, scope, subresources and the open API schema."""

    source: Path
    group: str
    version: str
    #: Whether this is the version the API server stores (the SDK's default import).
    storage: bool
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
    """Every served version of every CRD in ``schema_dir`` (``*.yaml``), sorted by kind and
    version so output order is stable."""
    crds = [crd for path in sorted(schema_dir.glob("*.yaml")) for crd in load_crd(path)]
    if not crds:
        raise CrdError(f"no CRD manifests (*.yaml) in {schema_dir}")
    sources: dict[str, Path] = {}
    for crd in crds:
        if sources.setdefault(crd.kind, crd.source) != crd.source:
            raise CrdError(
                f"kind {crd.kind} is defined more than once in {schema_dir}: "
                f"{sources[crd.kind].name} and {crd.source.name}"
            )
    return sorted(crds, key=lambda crd: (crd.kind, crd.version))


def storage_versions(crds: list[Crd]) -> list[Crd]:
    """The stored version of each kind, sorted by kind."""
    return [crd for crd in crds if crd.storage]


def load_crd(path: Path) -> list[Crd]:
    """Each served version of the CRD in ``path``."""
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
    versions = [str(v.get("name")) for v in served]
    repeated = sorted({v for v in versions if versions.count(v) > 1})
    if repeated:
        raise CrdError(f"{path}: version(s) {repeated} listed more than once")
    return [_version(path, spec, names, version) for version in served]


def _version(
    path: Path, spec: dict[str, Any], names: dict[str, Any], version: dict[str, Any]
) -> Crd:
    if not re.fullmatch(r"v[0-9]+((alpha|beta)[0-9]+)?", str(version.get("name"))):
        raise CrdError(f"{path}: {version.get('name')!r} is not a Kubernetes version name")
    schema = (version.get("schema") or {}).get("openAPIV3Schema")
    if not isinstance(schema, dict):
        raise CrdError(f"{path}: version {version.get('name')} has no openAPIV3Schema")
    subresources = version.get("subresources") or {}
    return Crd(
        source=path,
        group=spec["group"],
        version=version["name"],
        storage=bool(version.get("storage")),
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
