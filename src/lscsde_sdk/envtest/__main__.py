"""``python -m lscsde_sdk.envtest``: find or build (from Go modules) kube-apiserver and etcd,
with progress, then print where they are (CI prebuilds them with it)."""

from __future__ import annotations

import argparse
import sys

from .binaries import BIN_DIR_ENV, cache_dir, find_binaries
from .errors import ControlPlaneError
from .gomodule import APISERVER, ETCD, etcd_version, kubernetes_version

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """CLI: find or build the binaries, then print where they are."""
    parser = argparse.ArgumentParser(
        prog="python -m lscsde_sdk.envtest",
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
    sys.exit(main())
