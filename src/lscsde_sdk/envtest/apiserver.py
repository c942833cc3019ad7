"""kube-apiserver for a control plane: its command line and its readiness."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .loopback import LOOPBACK, loopback_opener

__all__ = ["SERVICE_CLUSTER_IP_RANGE", "ApiServerFiles", "apiserver_command", "readiness"]

SERVICE_CLUSTER_IP_RANGE = "10.0.0.0/24"


@dataclass(frozen=True)
class ApiServerFiles:
    """What kube-apiserver reads: its serving certificate and key, the service-account key,
    the static token file, and a certificate directory it is told to use (and never does)."""

    serving_cert: Path
    serving_key: Path
    service_account_key: Path
    token_file: Path
    cert_dir: Path


def apiserver_command(
    binary: Path, etcd_url: str, port: int, files: ApiServerFiles, extra: Sequence[str] = ()
) -> list[str]:
    """kube-apiserver on ``https://127.0.0.1:<port>`` with token users and RBAC, then
    ``extra`` flags."""
    server = f"https://{LOOPBACK}:{port}"
    return [
        str(binary),
        f"--etcd-servers={etcd_url}",
        f"--bind-address={LOOPBACK}",
        f"--advertise-address={LOOPBACK}",
        # The endpoint reconciler refuses a loopback advertise address, and nothing
        # in these tests reaches the `kubernetes` Service's endpoints anyway.
        "--endpoint-reconciler-type=none",
        f"--secure-port={port}",
        f"--tls-cert-file={files.serving_cert}",
        f"--tls-private-key-file={files.serving_key}",
        # Unused with explicit TLS files; keeps the default /var/run/kubernetes out.
        f"--cert-dir={files.cert_dir}",
        f"--service-cluster-ip-range={SERVICE_CLUSTER_IP_RANGE}",
        f"--service-account-issuer={server}",
        f"--service-account-key-file={files.service_account_key}",
        f"--service-account-signing-key-file={files.service_account_key}",
        f"--token-auth-file={files.token_file}",
        "--authorization-mode=RBAC",
        "--allow-privileged=true",
        # No controller-manager creates the `default` ServiceAccount in new namespaces.
        "--disable-admission-plugins=ServiceAccount",
        *extra,
    ]


def readiness(server: str, token: str | None, ca_file: Path | None) -> str | None:
    """None when ``server``'s ``/readyz`` answers 200 to ``token``, else what it answered."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    request = urllib.request.Request(f"{server}/readyz", headers=headers)
    try:
        with loopback_opener(ca_file).open(request, timeout=5) as resp:
            return None if resp.status == 200 else f"HTTP {resp.status}"
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code}: {exc.read(2000).decode(errors='replace')}"
    except (urllib.error.URLError, OSError) as exc:
        return str(exc)
