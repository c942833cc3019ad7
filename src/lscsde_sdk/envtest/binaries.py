"""Find, or build from Go modules, the ``kube-apiserver`` and ``etcd`` binaries.

Lookup order (first hit wins):

1. an explicit directory (argument, or env ``LSCSDE_CONTROLPLANE_BIN_DIR``);
2. ``kube-apiserver`` and ``etcd`` both on ``PATH``;
3. the per-user cache ``${XDG_CACHE_HOME:-~/.cache}/lscsde-sdk/controlplane/<k8s-version>/``;
4. a build with the local ``go`` toolchain from the wrapper module shipped in
   ``controlplane_go/`` (package data), into that cache (:mod:`.gobuild`).

Run ``python -m lscsde_sdk.envtest`` to prebuild (e.g. in CI) with progress.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from .errors import ControlPlaneBuildError, ControlPlaneUnavailable
from .gobuild import build_into
from .gomodule import APISERVER, ETCD, executables_in, go_directive, kubernetes_version

__all__ = [
    "BIN_DIR_ENV",
    "ControlPlaneBinaries",
    "build_binaries",
    "cache_dir",
    "find_binaries",
]

BIN_DIR_ENV = "LSCSDE_CONTROLPLANE_BIN_DIR"


@dataclass(frozen=True)
class ControlPlaneBinaries:
    """Paths of the two executables and where they were found."""

    kube_apiserver: Path
    etcd: Path
    source: str  # "explicit", "PATH", "cache" or "built"


def cache_dir(version: str | None = None) -> Path:
    """Where built binaries for ``version`` (default: the go.mod one) are kept."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "lscsde-sdk" / "controlplane" / (version or kubernetes_version())


def _found_in(directory: Path, source: str) -> ControlPlaneBinaries | None:
    found = executables_in(directory)
    return ControlPlaneBinaries(found[0], found[1], source) if found is not None else None


def find_binaries(
    bin_dir: str | os.PathLike[str] | None = None,
    *,
    build: bool = True,
    stream: TextIO | None = None,
) -> ControlPlaneBinaries:
    """Return usable binaries, building them into the cache if needed and allowed.

    Raises ControlPlaneUnavailable when nothing is found and ``go`` is missing (or
    ``build`` is false); an explicit directory that lacks a binary is an error too,
    rather than silently using something else.
    """
    explicit = bin_dir if bin_dir is not None else os.environ.get(BIN_DIR_ENV) or None
    if explicit is not None:
        found = _found_in(Path(explicit), "explicit")
        if found is None:
            origin = "bin_dir" if bin_dir is not None else BIN_DIR_ENV
            raise ControlPlaneUnavailable(
                f"{origin}={explicit!s} does not contain executable {APISERVER} and {ETCD}"
            )
        return found

    on_path = shutil.which(APISERVER), shutil.which(ETCD)
    if on_path[0] and on_path[1]:
        return ControlPlaneBinaries(Path(on_path[0]), Path(on_path[1]), "PATH")

    target = cache_dir()
    found = _found_in(target, "cache")
    if found is not None:
        return found

    go = shutil.which("go")
    if not build or go is None:
        missing = (
            "building is disabled"
            if not build
            else f"`go` (go{go_directive()} or newer) is not on PATH"
        )
        raise ControlPlaneUnavailable(
            f"{APISERVER} and {ETCD} not found (not in ${BIN_DIR_ENV}, not both on PATH, "
            f"not in the cache {target}) and {missing}, so they cannot be built"
        )
    return build_binaries(target, go=go, stream=stream)


def build_binaries(
    target: Path | None = None,
    *,
    go: str | None = None,
    stream: TextIO | None = None,
) -> ControlPlaneBinaries:
    """Build kube-apiserver and etcd into ``target`` (default: the cache), progress to
    ``stream`` (default: stderr); see :func:`lscsde_sdk.envtest.gobuild.build_into`."""
    target = target or cache_dir()
    go = go or shutil.which("go")
    if go is None:
        raise ControlPlaneUnavailable("`go` is not on PATH, so kube-apiserver/etcd cannot be built")
    built = build_into(target, go=go, out=stream if stream is not None else sys.stderr)
    found = _found_in(target, "built" if built else "cache")
    if found is None:
        raise ControlPlaneBuildError(f"build finished but {target} lacks {APISERVER} or {ETCD}")
    return found
