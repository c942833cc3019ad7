"""Find, or build from Go modules, the ``kube-apiserver`` and ``etcd`` binaries.

Lookup order (first hit wins):

1. an explicit directory (argument, or env ``LSCSDE_CONTROLPLANE_BIN_DIR``);
2. ``kube-apiserver`` and ``etcd`` both on ``PATH``;
3. the per-user cache ``${XDG_CACHE_HOME:-~/.cache}/lscsde-sdk/controlplane/<k8s-version>/``;
4. a build with the local ``go`` toolchain from the wrapper module shipped in
   ``controlplane_go/`` (package data), into that cache.

Run ``python -m lscsde_sdk.testing.binaries`` to prebuild (e.g. in CI) with progress.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

__all__ = [
    "BIN_DIR_ENV",
    "ControlPlaneBinaries",
    "ControlPlaneBuildError",
    "ControlPlaneError",
    "ControlPlaneUnavailable",
    "build_binaries",
    "cache_dir",
    "etcd_version",
    "find_binaries",
    "go_module_dir",
    "kubernetes_version",
    "main",
]

BIN_DIR_ENV = "LSCSDE_CONTROLPLANE_BIN_DIR"
APISERVER = "kube-apiserver"
ETCD = "etcd"
_APISERVER_PKG = "k8s.io/kubernetes/cmd/kube-apiserver"
# The etcd server module's root directory is itself `package main`.
_ETCD_PKG = "go.etcd.io/etcd/server/v3"
_GO_FILES = ("go.mod", "go.sum", "tools.go")


class ControlPlaneError(RuntimeError):
    """Base class of every control-plane failure."""


class ControlPlaneUnavailable(ControlPlaneError):
    """No binaries were found and they cannot be built here; ``reason`` names what is missing."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ControlPlaneBuildError(ControlPlaneError):
    """``go build`` ran but failed; the message ends with the tail of its output."""


@dataclass(frozen=True)
class ControlPlaneBinaries:
    """Paths of the two executables and where they were found."""

    kube_apiserver: Path
    etcd: Path
    source: str  # "explicit", "PATH", "cache" or "built"


def go_module_dir() -> Path:
    """The wrapper Go module shipped inside the package."""
    return Path(__file__).resolve().parent / "controlplane_go"


def _required_version(module: str, go_mod: Path | None = None) -> str:
    text = (go_mod or go_module_dir() / "go.mod").read_text(encoding="utf-8")
    match = re.search(rf"^\s*(?:require\s+)?{re.escape(module)}\s+(v\S+)", text, re.MULTILINE)
    if match is None:
        raise ControlPlaneError(f"{module} is not required by {go_mod or 'controlplane_go/go.mod'}")
    return match.group(1)


def kubernetes_version() -> str:
    """The Kubernetes release the wrapper module builds, e.g. ``v1.37.2``."""
    return _required_version("k8s.io/kubernetes")


def etcd_version() -> str:
    """The etcd server version the wrapper module builds, e.g. ``v3.7.0``."""
    return _required_version(_ETCD_PKG)


def cache_dir(version: str | None = None) -> Path:
    """Where built binaries for ``version`` (default: the go.mod one) are kept."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "lscsde-sdk" / "controlplane" / (version or kubernetes_version())


def _complete(directory: Path) -> ControlPlaneBinaries | None:
    apiserver, etcd = directory / APISERVER, directory / ETCD
    if all(p.is_file() and os.access(p, os.X_OK) for p in (apiserver, etcd)):
        return ControlPlaneBinaries(apiserver, etcd, "")
    return None


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
        found = _complete(Path(explicit))
        if found is None:
            origin = "bin_dir" if bin_dir is not None else BIN_DIR_ENV
            raise ControlPlaneUnavailable(
                f"{origin}={explicit!s} does not contain executable {APISERVER} and {ETCD}"
            )
        return ControlPlaneBinaries(found.kube_apiserver, found.etcd, "explicit")

    on_path = shutil.which(APISERVER), shutil.which(ETCD)
    if on_path[0] and on_path[1]:
        return ControlPlaneBinaries(Path(on_path[0]), Path(on_path[1]), "PATH")

    target = cache_dir()
    found = _complete(target)
    if found is not None:
        return ControlPlaneBinaries(found.kube_apiserver, found.etcd, "cache")

    go = shutil.which("go")
    if not build or go is None:
        missing = (
            "building is disabled"
            if not build
            else f"`go` (go{_go_line(go_module_dir() / 'go.mod')} or newer) is not on PATH"
        )
        raise ControlPlaneUnavailable(
            f"{APISERVER} and {ETCD} not found (not in ${BIN_DIR_ENV}, not both on PATH, "
            f"not in the cache {target}) and {missing}, so they cannot be built"
        )
    return build_binaries(target, go=go, stream=stream)


def _go_line(go_mod: Path) -> str:
    match = re.search(r"^go\s+(\S+)", go_mod.read_text(encoding="utf-8"), re.MULTILINE)
    return match.group(1) if match else "0"


def _version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version)[:3])


def _ldflags(version: str) -> str:
    """Stamp the release into the binary like Kubernetes' own build does (`--version`, /version)."""
    major, minor = _version_tuple(version)[:2]
    flags = []
    for pkg in ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version"):
        flags += [
            f"-X {pkg}.gitVersion={version}",
            f"-X {pkg}.gitMajor={major}",
            f"-X {pkg}.gitMinor={minor}",
            f"-X {pkg}.gitTreeState=clean",
        ]
    return " ".join(flags)


@contextlib.contextmanager
def _file_lock(path: Path, out: TextIO) -> Iterator[None]:
    import fcntl  # POSIX only: imported where used, so importing the SDK works anywhere

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(
                f"waiting for another process building into {path.parent} …", file=out, flush=True
            )
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _run_streaming(cmd: list[str], cwd: Path, env: dict[str, str], out: TextIO, label: str) -> None:
    tail: deque[str] = deque(maxlen=40)
    with subprocess.Popen(
        cmd,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
    ) as proc:
        assert proc.stdout is not None
        count = 0
        for line in proc.stdout:
            count += 1
            tail.append(line)
            # `go build -v` names each package as it compiles: a live progress counter.
            print(f"[{label} {count}] {line.rstrip()}", file=out, flush=True)
        code = proc.wait()
    if code != 0:
        raise ControlPlaneBuildError(
            f"{' '.join(cmd)} failed with exit code {code}:\n{''.join(tail)}"
        )


def build_binaries(
    target: Path | None = None,
    *,
    go: str | None = None,
    stream: TextIO | None = None,
) -> ControlPlaneBinaries:
    """Build kube-apiserver and etcd with ``go build -trimpath`` into ``target``.

    Builds in a temporary directory next to ``target`` and renames it into place, under
    a file lock, so concurrent processes neither build twice nor see half a result.
    """
    out = stream if stream is not None else sys.stderr
    version = kubernetes_version()
    target = target or cache_dir(version)
    go = go or shutil.which("go")
    if go is None:
        raise ControlPlaneUnavailable("`go` is not on PATH, so kube-apiserver/etcd cannot be built")
    target.parent.mkdir(parents=True, exist_ok=True)
    with _file_lock(target.parent / f".{target.name}.lock", out):
        found = _complete(target)
        if found is not None:  # another process finished while we waited
            return ControlPlaneBinaries(found.kube_apiserver, found.etcd, "cache")
        env = dict(os.environ)
        # No toolchain downloads: the local go must satisfy the go.mod go line itself.
        env.update(CGO_ENABLED="0", GOTOOLCHAIN="local", GOWORK="off", GOFLAGS="-mod=readonly")
        go_version = subprocess.run(
            [go, "env", "GOVERSION"], env=env, capture_output=True, text=True, check=False
        ).stdout.strip()
        needed = _go_line(go_module_dir() / "go.mod")
        if go_version and _version_tuple(go_version) < _version_tuple(needed):
            raise ControlPlaneUnavailable(
                f"{go} is {go_version}, but building kube-apiserver {version} needs go >= {needed}"
            )
        work = Path(tempfile.mkdtemp(prefix=f".build-{target.name}-", dir=target.parent))
        try:
            src, bin_dir = work / "src", work / "bin"
            src.mkdir()
            bin_dir.mkdir()
            # Copied because the installed package directory may be read-only.
            for name in _GO_FILES:
                shutil.copyfile(go_module_dir() / name, src / name)
            started = time.monotonic()
            print(
                f"building {APISERVER} {version} and {ETCD} {etcd_version()}"
                f" with {go_version or go}"
                f" into {target} (first run only, several minutes on 2 cores)…",
                file=out,
                flush=True,
            )
            base = [go, "build", "-trimpath", "-v"]
            _run_streaming(
                [
                    *base,
                    "-ldflags",
                    _ldflags(version),
                    "-o",
                    str(bin_dir / APISERVER),
                    _APISERVER_PKG,
                ],
                src,
                env,
                out,
                APISERVER,
            )
            _run_streaming([*base, "-o", str(bin_dir / ETCD), _ETCD_PKG], src, env, out, ETCD)
            if target.exists():  # a partial directory left by hand; replaced whole
                shutil.rmtree(target)
            os.rename(bin_dir, target)
            print(
                f"built {APISERVER} and {ETCD} in {time.monotonic() - started:.0f}s: {target}",
                file=out,
                flush=True,
            )
        finally:
            shutil.rmtree(work, ignore_errors=True)
    found = _complete(target)
    if found is None:
        raise ControlPlaneBuildError(f"build finished but {target} lacks {APISERVER} or {ETCD}")
    return ControlPlaneBinaries(found.kube_apiserver, found.etcd, "built")


def main(argv: list[str] | None = None) -> int:
    """CLI: find or build the binaries, then print where they are."""
    parser = argparse.ArgumentParser(
        prog="python -m lscsde_sdk.testing.binaries",
        description="Find or build (from Go modules) kube-apiserver and etcd for tests.",
    )
    parser.add_argument("--bin-dir", help=f"use this directory (default: ${BIN_DIR_ENV})")
    parser.add_argument("--no-build", action="store_true", help="fail instead of building")
    parser.add_argument(
        "--print-cache-dir", action="store_true", help="print the cache directory and exit"
    )
    args = parser.parse_args(argv)
    if args.print_cache_dir:
        print(cache_dir())
        return 0
    try:
        found = find_binaries(args.bin_dir, build=not args.no_build)
    except ControlPlaneError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(
        f"kubernetes {kubernetes_version()}, etcd {etcd_version()} (go.mod);"
        f" found via {found.source}"
    )
    print(f"{APISERVER}: {found.kube_apiserver}")
    print(f"{ETCD}: {found.etcd}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
