"""The loopback interface the control plane listens on: free ports, and HTTP(S) to it."""

from __future__ import annotations

import socket
import ssl
import urllib.request
from pathlib import Path

__all__ = ["LOOPBACK", "loopback_opener", "pick_free_ports"]

LOOPBACK = "127.0.0.1"


def pick_free_ports(count: int, host: str = LOOPBACK) -> list[int]:
    """Return ``count`` distinct ports that were free on ``host`` a moment ago."""
    sockets: list[socket.socket] = []
    try:
        # All sockets stay open until every port is picked, so the kernel cannot repeat one.
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sockets.append(sock)
            sock.bind((host, 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def loopback_opener(ca_file: Path | None = None) -> urllib.request.OpenerDirector:
    """A urllib opener that verifies HTTPS against ``ca_file`` (default: the system's CAs)
    and never goes through a proxy: the server is on loopback, and an HTTP(S)_PROXY from
    the environment must not be used."""
    context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=context)
    )
