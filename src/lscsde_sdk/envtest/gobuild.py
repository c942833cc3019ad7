"""``go build`` of kube-apiserver and etcd from the shipped Go module into a directory, once
per machine: under a file lock, in a scratch directory renamed into place when complete."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from .errors import ControlPlaneBuildError, ControlPlaneUnavailable
from .gomodule import (
    APISERVER,
    ETCD,
    GO_FILES,
    PACKAGES,
    etcd_version,
    executables_in,
    go_directive,
    go_module_dir,
    kubernetes_version,
    version_tuple,
)

__all__ = ["build_into"]


def _ldflags(version: str) -> str:
    """Stamp the release into the binary like Kubernetes' own build does (`--version`, /version)."""
    major, minor = version_tuple(version)[:2]
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


def build_into(target: Path, *, go: str, out: TextIO) -> bool:
    """Build kube-apiserver and etcd with ``go build -trimpath`` into ``target``, progress to
    ``out``; True when built here, False when another process finished them meanwhile.

    Builds in a temporary directory next to ``target`` and renames it into place, under a
    file lock, so concurrent processes neither build twice nor see half a result.
    """
    version = kubernetes_version()
    target.parent.mkdir(parents=True, exist_ok=True)
    with _file_lock(target.parent / f".{target.name}.lock", out):
        if executables_in(target) is not None:  # another process finished while we waited
            return False
        env = dict(os.environ)
        # No toolchain downloads: the local go must satisfy the go.mod go line itself.
        env.update(CGO_ENABLED="0", GOTOOLCHAIN="local", GOWORK="off", GOFLAGS="-mod=readonly")
        go_version = subprocess.run(
            [go, "env", "GOVERSION"], env=env, capture_output=True, text=True, check=False
        ).stdout.strip()
        needed = go_directive()
        if go_version and version_tuple(go_version) < version_tuple(needed):
            raise ControlPlaneUnavailable(
                f"{go} is {go_version}, but building kube-apiserver {version} needs go >= {needed}"
            )
        work = Path(tempfile.mkdtemp(prefix=f".build-{target.name}-", dir=target.parent))
        try:
            src, bin_dir = work / "src", work / "bin"
            src.mkdir()
            bin_dir.mkdir()
            # Copied because the installed package directory may be read-only.
            for name in GO_FILES:
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
            apiserver = [*base, "-ldflags", _ldflags(version), "-o", str(bin_dir / APISERVER)]
            _run_streaming([*apiserver, PACKAGES[APISERVER]], src, env, out, APISERVER)
            etcd = [*base, "-o", str(bin_dir / ETCD), PACKAGES[ETCD]]
            _run_streaming(etcd, src, env, out, ETCD)
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
    return True
