"""Operators under real kopf for tests: ``kopf run`` in a subprocess with its own KUBECONFIG,
its log in a file, and waits for positive signals (a log line, a value read back)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar, cast

from lscsde_sdk.core.transport import Request, Transport
from lscsde_sdk.testing import waiting

__all__ = ["WAIT", "KopfProcess", "event_reasons", "eventually"]

ROOT = Path(__file__).resolve().parents[2]
#: A bound on every wait (seconds): how long a positive signal may take under load, never an
#: assertion about speed.
WAIT = 60.0
_T = TypeVar("_T")


class KopfProcess:
    """``kopf run --verbose --namespace NAMESPACE [options] TARGET...`` as the identity of
    ``kubeconfig`` (kopf and the SDK's ``connect()`` both read ``$KUBECONFIG``)."""

    def __init__(
        self,
        kubeconfig: Path,
        namespace: str,
        target: Sequence[str],
        log_path: Path,
        *,
        options: Sequence[str] = ("--standalone",),
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.kubeconfig = kubeconfig
        self.namespace = namespace
        self.target = list(target)
        self.log_path = log_path
        self.options = list(options)
        self.env = dict(env or {})
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> KopfProcess:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def start(self) -> KopfProcess:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("KUBERNETES_SERVICE")  # never the in-cluster account
        }
        env.update(self.env, KUBECONFIG=str(self.kubeconfig))
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "kopf",
                    "run",
                    "--verbose",
                    "--namespace",
                    self.namespace,
                    *self.options,
                    *self.target,
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
                env=env,
            )
        return self

    def stop(self) -> None:
        """Stop kopf as Kubernetes would (SIGTERM), waiting for its cleanup."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    @property
    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def mark(self) -> int:
        """Where the log ends now: :meth:`wait_for` from here sees only later lines."""
        return len(self.log)

    async def wait_for(self, pattern: str, *, since: int = 0) -> re.Match[str]:
        """The first match of ``pattern`` in the log after ``since``, once it is written."""
        regex = re.compile(pattern)

        async def found() -> re.Match[str] | None:
            if self.process is not None and self.process.poll() is not None:
                raise AssertionError(f"kopf exited ({self.process.returncode}):\n{self.tail()}")
            return regex.search(self.log, since)

        return await eventually(found, f"log line {pattern!r}", self)

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.log.splitlines()[-lines:])


async def eventually(
    check: Callable[[], Awaitable[_T | None]], what: str, kopf: KopfProcess | None = None
) -> _T:
    """``check()``'s first true answer (:func:`lscsde_sdk.testing.eventually`, up to
    :data:`WAIT` seconds), failing with ``what`` and the tail of kopf's log."""
    try:
        return cast("_T", await waiting.eventually(check, within=WAIT))
    except AssertionError as error:
        log = f"\nkopf's log:\n{kopf.tail()}" if kopf is not None else ""
        raise AssertionError(f"no {what}: {error}{log}") from None


async def event_reasons(transport: Transport, namespace: str, name: str) -> list[str]:
    """The reasons of the events.k8s.io Events about ``name``, oldest first."""
    data: dict[str, Any] = await transport.send_json(
        Request("GET", f"/apis/events.k8s.io/v1/namespaces/{namespace}/events")
    )
    items = sorted(data["items"], key=lambda item: item["eventTime"])
    return [item["reason"] for item in items if item["regarding"]["name"] == name]
