"""The fault proxy (:class:`~lscsde_sdk.testing.proxy.ApiProxy`) as a process of its own::

    python -m lscsde_sdk.testing.proxy_process --upstream URL --ca CA --cert CERT \\
        --key KEY [--port N]

prints its URL, serves ``GET /__proxy__/stats`` (``DELETE`` resets), and prints the final
stats as JSON when stopped by SIGINT or SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from collections.abc import Sequence

from .proxy import ApiProxy

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run a proxy until SIGINT/SIGTERM: print its URL, at the end its stats as JSON."""
    parser = argparse.ArgumentParser(
        prog="python -m lscsde_sdk.testing.proxy_process",
        description="Counting HTTPS reverse proxy for kube-apiserver (test tooling).",
    )
    parser.add_argument("--upstream", required=True, help="https://host:port of kube-apiserver")
    parser.add_argument("--ca", required=True, help="CA bundle that verifies the upstream")
    parser.add_argument("--cert", required=True, help="certificate the proxy presents")
    parser.add_argument("--key", required=True, help="private key of --cert")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 (default): any free port")
    args = parser.parse_args(argv)
    proxy = ApiProxy(
        args.upstream,
        ca_file=args.ca,
        cert_file=args.cert,
        key_file=args.key,
        host=args.host,
        port=args.port,
    )

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        async with proxy:
            print(proxy.url, flush=True)
            await stop.wait()

    asyncio.run(run())
    print(json.dumps(proxy.stats.as_json()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
