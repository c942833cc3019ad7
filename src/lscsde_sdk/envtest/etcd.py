"""etcd for a control plane: its command line, its health, and its gRPC gateway (JSON over
HTTP) for the revision and compactions."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .errors import ControlPlaneError
from .loopback import loopback_opener

__all__ = ["compact", "etcd_command", "healthy", "revision"]

_MEMBER = "lscsde-test"
_COMPACTION_MARKER = b"/lscsde-sdk-testing/compaction-marker"  # outside /registry


def etcd_command(binary: Path, data_dir: Path, client_url: str, peer_url: str) -> list[str]:
    """A single-member etcd serving clients at ``client_url`` (plain HTTP on loopback)."""
    return [
        str(binary),
        f"--data-dir={data_dir}",
        f"--listen-client-urls={client_url}",
        f"--advertise-client-urls={client_url}",
        f"--listen-peer-urls={peer_url}",
        f"--initial-advertise-peer-urls={peer_url}",
        f"--name={_MEMBER}",
        f"--initial-cluster={_MEMBER}={peer_url}",
        "--unsafe-no-fsync=true",  # throwaway data: durability only costs time
    ]


def healthy(url: str) -> bool:
    """Whether etcd at ``url`` answers its ``/health`` with ``"health": "true"``."""
    try:
        with loopback_opener().open(f"{url}/health", timeout=2) as resp:
            return b'"true"' in resp.read()
    except (urllib.error.URLError, OSError):
        return False


def _call(url: str, path: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """POST to etcd's gRPC gateway (64-bit numbers come back as strings)."""
    request = urllib.request.Request(
        f"{url}{path}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with loopback_opener().open(request, timeout=10) as resp:
            answer: dict[str, Any] = json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        detail = exc.read(2000).decode(errors="replace")
        raise ControlPlaneError(f"etcd {path} answered {exc.code}: {detail}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise ControlPlaneError(f"etcd {path} unreachable: {exc}") from None
    return answer


def revision(url: str) -> int:
    """etcd's current revision (the newest resourceVersion of any object)."""
    answer = _call(url, "/v3/kv/range", {"key": "AA==", "limit": 1})
    return int(answer["header"]["revision"])


def compact(url: str) -> int:
    """Compact away etcd's history up to a write made now; return that revision.

    The write is a marker key outside kube-apiserver's prefix, so every resourceVersion
    obtained before this call is older than the compacted revision.
    """
    # A watch from revision R starts at R+1; had it been compacted only up to R+1, its
    # first event would lack the previous value (a 500 from the apiserver, not a 410).
    marker = base64.b64encode(_COMPACTION_MARKER).decode()
    written = _call(url, "/v3/kv/put", {"key": marker, "value": ""})
    compacted = int(written["header"]["revision"])
    _call(url, "/v3/kv/compaction", {"revision": compacted, "physical": True})
    return compacted
