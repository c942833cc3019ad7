"""The wrapper Go module shipped in the package (``controlplane_go/``): which Kubernetes and
etcd releases it pins, which Go it needs, and the two executables it builds."""

from __future__ import annotations

import os
import re
from pathlib import Path

from .errors import ControlPlaneError

__all__ = [
    "APISERVER",
    "ETCD",
    "GO_FILES",
    "PACKAGES",
    "etcd_version",
    "executables_in",
    "go_directive",
    "go_module_dir",
    "kubernetes_version",
    "version_tuple",
]

APISERVER = "kube-apiserver"
ETCD = "etcd"
#: The Go package each executable is built from. The etcd server module's root directory
#: is itself ``package main``.
PACKAGES = {
    APISERVER: "k8s.io/kubernetes/cmd/kube-apiserver",
    ETCD: "go.etcd.io/etcd/server/v3",
}
#: The files of the module, copied to a scratch directory for a build.
GO_FILES = ("go.mod", "go.sum", "tools.go")


def go_module_dir() -> Path:
    """The wrapper Go module shipped inside the package."""
    return Path(__file__).resolve().parent / "controlplane_go"


def _go_mod_text() -> str:
    return (go_module_dir() / "go.mod").read_text(encoding="utf-8")


def _required_version(module: str) -> str:
    pattern = rf"^\s*(?:require\s+)?{re.escape(module)}\s+(v\S+)"
    match = re.search(pattern, _go_mod_text(), re.MULTILINE)
    if match is None:
        raise ControlPlaneError(f"{module} is not required by controlplane_go/go.mod")
    return match.group(1)


def kubernetes_version() -> str:
    """The Kubernetes release the wrapper module builds, e.g. ``v1.37.2``."""
    return _required_version("k8s.io/kubernetes")


def etcd_version() -> str:
    """The etcd server version the wrapper module builds, e.g. ``v3.7.0``."""
    return _required_version(PACKAGES[ETCD])


def go_directive() -> str:
    """The oldest Go that builds the module (its ``go`` line), e.g. ``1.26.0``."""
    match = re.search(r"^go\s+(\S+)", _go_mod_text(), re.MULTILINE)
    return match.group(1) if match else "0"


def version_tuple(version: str) -> tuple[int, ...]:
    """The first three numbers of a version such as ``v1.37.2`` or ``go1.26.8``."""
    return tuple(int(part) for part in re.findall(r"\d+", version)[:3])


def executables_in(directory: Path) -> tuple[Path, Path] | None:
    """``(kube-apiserver, etcd)`` in ``directory`` when both are executable files, else None."""
    apiserver, etcd = directory / APISERVER, directory / ETCD
    if all(path.is_file() and os.access(path, os.X_OK) for path in (apiserver, etcd)):
        return apiserver, etcd
    return None
