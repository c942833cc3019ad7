"""The etcd and kube-apiserver of a :class:`~lscsde_sdk.envtest.ControlPlane` started by this
process: on free loopback ports, each restartable, stoppable and pausable on its own with the
same ports and files, so existing kubeconfigs and clients keep working."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from . import etcd
from .apiserver import ApiServerFiles, apiserver_command, readiness
from .binaries import ControlPlaneBinaries
from .errors import ControlPlaneError, ControlPlaneStartError
from .gomodule import APISERVER, ETCD
from .loopback import LOOPBACK, pick_free_ports
from .processes import ChildProcess, log_tail

__all__ = ["LocalProcesses"]

_PORT_ATTEMPTS = 3


class LocalProcesses:
    """etcd and kube-apiserver run from ``binaries`` in ``work_dir`` (data and logs).

    ``admin_token`` and ``ca_file`` are what readiness is checked with; ``wait_servable``
    is called with the deadline after kube-apiserver comes back, to wait for the CRDs'
    resources (it raises :class:`ControlPlaneError` when they are not servable in time).
    """

    def __init__(
        self,
        binaries: ControlPlaneBinaries,
        work_dir: Path,
        files: ApiServerFiles,
        *,
        admin_token: str | None,
        ca_file: Path,
        apiserver_args: Sequence[str],
        start_timeout: float,
        stop_timeout: float,
        wait_servable: Callable[[float], None],
    ) -> None:
        self._binaries = binaries
        self._work_dir = work_dir
        self._files = files
        self._admin_token = admin_token
        self._ca_file = ca_file
        self._apiserver_args = tuple(apiserver_args)
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self._wait_servable = wait_servable
        self.server_url: str | None = None
        self.etcd_url: str | None = None
        self._etcd: ChildProcess | None = None
        self._apiserver: ChildProcess | None = None

    # -- state ---------------------------------------------------------------

    def _processes(self) -> list[ChildProcess]:
        return [p for p in (self._etcd, self._apiserver) if p is not None]

    @property
    def running(self) -> bool:
        return all(p is not None and p.running for p in (self._etcd, self._apiserver))

    @property
    def pids(self) -> dict[str, int]:
        return {p.name: p.pid for p in self._processes() if p.pid is not None}

    @property
    def paused(self) -> frozenset[str]:
        return frozenset(p.name for p in self._processes() if p.paused)

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of the etcd and kube-apiserver logs."""
        parts = []
        for name in (ETCD, APISERVER):
            text = log_tail(self._work_dir / f"{name}.log", lines)
            if text:
                parts.append(f"--- {name}.log (last {lines} lines) ---\n{text}")
        return "\n".join(parts)

    def fail(self, message: str) -> ControlPlaneStartError:
        """A start-up failure: ``message`` with the tails of both logs."""
        return ControlPlaneStartError(message, self.log_tail())

    # -- start and stop --------------------------------------------------------

    def start(self) -> None:
        """Start etcd, then kube-apiserver; return once both are ready."""
        deadline = time.monotonic() + self.start_timeout
        # A picked port can be taken by someone else before the child binds it: retry then.
        for attempt in range(1, _PORT_ATTEMPTS + 1):
            try:
                self._start_on_free_ports(deadline)
                return
            except ControlPlaneStartError as exc:
                if attempt == _PORT_ATTEMPTS or "address already in use" not in exc.logs:
                    raise
                self.stop()
                shutil.rmtree(self._work_dir / "etcd-data", ignore_errors=True)

    def _start_on_free_ports(self, deadline: float) -> None:
        client_port, peer_port, secure_port = pick_free_ports(3)
        etcd_url = f"http://{LOOPBACK}:{client_port}"
        peer_url = f"http://{LOOPBACK}:{peer_port}"
        self.etcd_url = etcd_url
        data_dir = self._work_dir / "etcd-data"
        command = etcd.etcd_command(self._binaries.etcd, data_dir, etcd_url, peer_url)
        self._etcd = ChildProcess(ETCD, command, self._work_dir / f"{ETCD}.log")
        self._etcd.start()
        self._wait_etcd_healthy(deadline)
        command = apiserver_command(
            self._binaries.kube_apiserver, etcd_url, secure_port, self._files, self._apiserver_args
        )
        self.server_url = f"https://{LOOPBACK}:{secure_port}"
        self._apiserver = ChildProcess(APISERVER, command, self._work_dir / f"{APISERVER}.log")
        self._apiserver.start()
        self._wait_apiserver_ready(deadline)

    def stop(self) -> None:
        """Stop kube-apiserver, then etcd (SIGTERM, then SIGKILL after ``stop_timeout``)."""
        apiserver, etcd_process = self._apiserver, self._etcd
        self._apiserver = self._etcd = None
        self.server_url = self.etcd_url = None
        try:
            if apiserver is not None:
                apiserver.stop(self.stop_timeout)
        finally:
            if etcd_process is not None:
                etcd_process.stop(self.stop_timeout)

    def _wait(
        self, probe: Callable[[], str | None], failure: str, deadline: float, interval: float
    ) -> None:
        """Until ``probe`` answers None (ready). A process exiting meanwhile fails at once,
        the deadline with ``failure`` and the probe's last answer."""
        while True:
            for process in self._processes():
                if process.exit_code is not None:
                    raise self.fail(
                        f"{process.name} exited with code {process.exit_code} during start-up"
                    )
            answer = probe()
            if answer is None:
                return
            if time.monotonic() > deadline:
                detail = f": {answer}" if answer else ""
                raise self.fail(f"{failure} after {self.start_timeout}s{detail}")
            time.sleep(interval)

    def _wait_etcd_healthy(self, deadline: float) -> None:
        url = self.etcd_url
        assert url is not None
        self._wait(
            lambda: None if etcd.healthy(url) else "",
            f"etcd not healthy at {url}",
            deadline,
            interval=0.1,
        )

    def _wait_apiserver_ready(self, deadline: float) -> None:
        server = self.server_url
        assert server is not None
        self._wait(
            lambda: readiness(server, self._admin_token, self._ca_file),
            f"kube-apiserver {server}/readyz not ok",
            deadline,
            interval=0.25,
        )

    def _wait_servable_again(self, deadline: float) -> None:
        try:
            self._wait_servable(deadline)
        except ControlPlaneError as exc:
            raise self.fail(str(exc)) from None

    # -- one process at a time ---------------------------------------------------

    def _started(self, action: str) -> tuple[ChildProcess, ChildProcess]:
        if self._etcd is None or self._apiserver is None:
            raise ControlPlaneError(f"{action}: control plane not started")
        return self._etcd, self._apiserver

    def stop_apiserver(self, *, kill: bool = False) -> None:
        _, apiserver = self._started("stop_apiserver")
        apiserver.stop(self.stop_timeout, kill=kill)

    def start_apiserver(self) -> None:
        _, apiserver = self._started("start_apiserver")
        if apiserver.running:
            return
        deadline = time.monotonic() + self.start_timeout
        apiserver.start()
        self._wait_apiserver_ready(deadline)
        self._wait_servable_again(deadline)

    def stop_etcd(self, *, kill: bool = False) -> None:
        etcd_process, _ = self._started("stop_etcd")
        etcd_process.stop(self.stop_timeout, kill=kill)

    def start_etcd(self) -> None:
        etcd_process, apiserver = self._started("start_etcd")
        if etcd_process.running:
            return
        deadline = time.monotonic() + self.start_timeout
        etcd_process.start()
        self._wait_etcd_healthy(deadline)
        if apiserver.running and not apiserver.paused:
            self._wait_apiserver_ready(deadline)
            self._wait_servable_again(deadline)

    def process(self, name: str, action: str) -> ChildProcess:
        """The running process ``name`` (``etcd`` or ``kube-apiserver``), for ``action``."""
        processes = {p.name: p for p in self._started(f"{action}({name!r})")}
        if name not in processes:
            raise ControlPlaneError(
                f"{action}: unknown process {name!r} (known: {sorted(processes)})"
            )
        process = processes[name]
        if not process.running:
            raise ControlPlaneError(f"{action}: {name} is not running")
        return process

    def etcd_call(self, action: str, call: Callable[[str], int]) -> int:
        """``call(etcd_url)`` (see :mod:`.etcd`), its errors prefixed with ``action``."""
        self._started(action)
        assert self.etcd_url is not None
        try:
            return call(self.etcd_url)
        except ControlPlaneError as exc:
            raise ControlPlaneError(f"{action}: {exc}") from None
