"""A real kube-apiserver + etcd on 127.0.0.1 for tests, like controller-runtime's envtest.

No controller-manager runs: deleted namespaces stay Terminating (use a fresh namespace per
test), ownerReferences do not cascade, and no ``default`` ServiceAccount exists (the
ServiceAccount admission plugin is disabled so Pods can still be created).

For fault tests each process can be stopped, started, restarted and paused on its own (same
ports, data, certificates and tokens, so existing kubeconfigs and clients keep working), and
etcd can be compacted on demand.
"""

from __future__ import annotations

import asyncio
import atexit
import base64
import concurrent.futures
import json
import os
import secrets
import shutil
import signal
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Coroutine, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, TextIO, TypeVar
from urllib.parse import urlsplit

import yaml
from kubernetes_asyncio import client, config

from .binaries import APISERVER, ETCD, ControlPlaneBinaries, ControlPlaneError, find_binaries
from .cluster import (
    _apply_crds,
    create_namespace,
    default_crd_dir,
    grant,
    grant_cluster,
    load_crds,
    revoke_cluster,
    wait_crds_servable,
)
from .identities import ADMIN, DEFAULT_USERS, Identity, render_kubeconfig, render_token_file
from .pki import _generate_rsa_key, _generate_serving_cert, generate_ca
from .processes import _HOST, _signal_group, _spawn, _tail, _terminate, pick_free_ports

__all__ = [
    "ADMIN",
    "DEFAULT_USERS",
    "KUBECONFIG_ENV",
    "ControlPlane",
    "ControlPlaneStartError",
    "Identity",
    "ProcessName",
    "create_namespace",
    "default_crd_dir",
    "generate_ca",
    "grant",
    "grant_cluster",
    "load_crds",
    "pick_free_ports",
    "render_kubeconfig",
    "render_token_file",
    "revoke_cluster",
]

KUBECONFIG_ENV = "LSCSDE_TEST_KUBECONFIG"
SERVICE_CLUSTER_IP_RANGE = "10.0.0.0/24"
ProcessName = Literal["etcd", "kube-apiserver"]
_COMPACTION_MARKER = b"/lscsde-sdk-testing/compaction-marker"  # outside /registry
_T = TypeVar("_T")


class ControlPlaneStartError(ControlPlaneError):
    """etcd or kube-apiserver did not come up; the message ends with the tail of their logs."""

    def __init__(self, message: str, logs: str) -> None:
        super().__init__(f"{message}\n{logs}" if logs else message)
        self.logs = logs


def _run_sync(factory: Callable[[], Coroutine[Any, Any, _T]]) -> _T:
    """Run a coroutine to completion on a private loop in a helper thread.

    A helper thread works whether or not the caller is inside a running loop, and leaves
    the caller's thread-local event loop (e.g. pytest-asyncio's) untouched.
    """
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="lscsde-controlplane") as pool:
        return pool.submit(lambda: asyncio.run(factory())).result()


def _no_proxy_opener(ca_file: Path | None) -> urllib.request.OpenerDirector:
    context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    # The server is on loopback: an HTTP(S)_PROXY from the environment must not be used.
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=context)
    )


# ---------------------------------------------------------------------------


class ControlPlane:
    """etcd + kube-apiserver on 127.0.0.1 with token users, RBAC, TLS and the CRDs applied.

    Use as ``with ControlPlane() as cp: ...`` or ``cp.start()`` / ``cp.stop()``. Identities:
    ``admin`` (``system:masters``) and the non-admin ``users`` (no permissions until
    :meth:`grant`). ``ControlPlane.from_kubeconfig(path)`` (or :meth:`from_env` with
    ``$LSCSDE_TEST_KUBECONFIG``) uses an existing cluster instead and starts nothing.
    """

    def __init__(
        self,
        *,
        crd_dir: str | os.PathLike[str] | None = None,
        apply_crds: bool = True,
        bin_dir: str | os.PathLike[str] | None = None,
        build: bool = True,
        users: Sequence[str] = DEFAULT_USERS,
        start_timeout: float = 120.0,
        stop_timeout: float = 15.0,
        apiserver_args: Sequence[str] = (),
        build_stream: TextIO | None = None,
    ) -> None:
        if ADMIN in users:
            raise ValueError(f"{ADMIN!r} is reserved for the system:masters identity")
        self._crd_dir = Path(crd_dir) if crd_dir is not None else None
        self._apply_crds_on_start = apply_crds
        self._bin_dir = bin_dir
        self._build = build
        self.users: tuple[str, ...] = tuple(users)
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self._extra_apiserver_args = tuple(apiserver_args)
        self._build_stream = build_stream
        self._external: Path | None = None
        self.identities: dict[str, Identity] = {}
        self.binaries: ControlPlaneBinaries | None = None
        self.tmp_dir: Path | None = None
        self.crds: list[str] = []
        self._server_url: str | None = None
        self._ca_file: Path | None = None
        self._serving_cert: Path | None = None
        self._serving_key: Path | None = None
        self._kubeconfigs: dict[str, Path] = {}
        self._server_kubeconfigs: dict[tuple[str, str], Path] = {}
        self._etcd: subprocess.Popen[bytes] | None = None
        self._apiserver: subprocess.Popen[bytes] | None = None
        # Command lines of the running processes, kept so a restart reuses ports and files.
        self._etcd_command: list[str] | None = None
        self._apiserver_command: list[str] | None = None
        self._paused: set[str] = set()
        self._etcd_url: str | None = None

    # -- construction -----------------------------------------------------

    @classmethod
    def from_kubeconfig(
        cls,
        path: str | os.PathLike[str],
        *,
        crd_dir: str | os.PathLike[str] | None = None,
        apply_crds: bool = True,
    ) -> ControlPlane:
        """Use the cluster of an existing kubeconfig (its current context) as ``admin``.

        Nothing is started or stopped; CRDs are created only where missing.
        """
        plane = cls(crd_dir=crd_dir, apply_crds=apply_crds, users=())
        plane._external = Path(path)
        return plane

    @classmethod
    def from_env(cls, **kwargs: Any) -> ControlPlane:
        """``from_kubeconfig($LSCSDE_TEST_KUBECONFIG)`` if set, else ``ControlPlane(**kwargs)``."""
        kubeconfig = os.environ.get(KUBECONFIG_ENV)
        if kubeconfig:
            keep = {k: v for k, v in kwargs.items() if k in ("crd_dir", "apply_crds")}
            return cls.from_kubeconfig(kubeconfig, **keep)
        return cls(**kwargs)

    # -- properties -------------------------------------------------------

    @property
    def external(self) -> bool:
        """True when using an existing cluster from a kubeconfig."""
        return self._external is not None

    @property
    def server_url(self) -> str:
        if self._server_url is None:
            raise ControlPlaneError("control plane not started")
        return self._server_url

    @property
    def ca_file(self) -> Path | None:
        """CA bundle that verifies the server (None only for an external kubeconfig without one)."""
        return self._ca_file

    @property
    def serving_cert_file(self) -> Path | None:
        """kube-apiserver's serving certificate (signed by :attr:`ca_file`; SANs 127.0.0.1 and
        localhost), reusable by a proxy on 127.0.0.1. None for an external cluster."""
        return self._serving_cert

    @property
    def serving_key_file(self) -> Path | None:
        """The private key of :attr:`serving_cert_file`."""
        return self._serving_key

    @property
    def etcd_url(self) -> str | None:
        return self._etcd_url

    @property
    def paused(self) -> frozenset[str]:
        """Names of the processes currently paused with :meth:`pause`."""
        return frozenset(self._paused)

    @property
    def running(self) -> bool:
        if self.external:
            return self._server_url is not None
        return all(p is not None and p.poll() is None for p in (self._etcd, self._apiserver))

    @property
    def pids(self) -> dict[str, int]:
        """PIDs of the processes started by this object (empty for an external cluster)."""
        found = {"etcd": self._etcd, "kube-apiserver": self._apiserver}
        return {name: proc.pid for name, proc in found.items() if proc is not None}

    def kubeconfig_path(self, identity: str = ADMIN, *, server_url: str | None = None) -> Path:
        """The kubeconfig of ``identity``.

        With ``server_url`` (e.g. an :class:`~lscsde_sdk.testing.proxy.ApiProxy`'s ``url``),
        a copy that differs only in the server it talks to, written on first use; the server
        there must present a certificate the control plane's CA verifies.
        """
        try:
            path = self._kubeconfigs[identity]
        except KeyError:
            raise ControlPlaneError(
                f"no kubeconfig for identity {identity!r} (known: {sorted(self._kubeconfigs)})"
            ) from None
        if server_url is None or server_url == self._server_url:
            return path
        return self._kubeconfig_for_server(identity, server_url)

    def _kubeconfig_for_server(self, identity: str, server_url: str) -> Path:
        key = (identity, server_url)
        if key in self._server_kubeconfigs:
            return self._server_kubeconfigs[key]
        token = self.identities[identity].token
        if self.external or token is None or self._ca_file is None or self.tmp_dir is None:
            raise ControlPlaneError(
                "kubeconfigs for another server need a control plane started by this object "
                "(an external cluster's credentials and CA are not ours to reissue)"
            )
        netloc = urlsplit(server_url).netloc
        if not netloc:
            raise ControlPlaneError(f"server_url {server_url!r} is not an absolute URL")
        path = self.tmp_dir / "kubeconfigs" / f"{identity}-via-{netloc.replace(':', '-')}.yaml"
        path.write_text(
            yaml.safe_dump(render_kubeconfig(server_url, self._ca_file, identity, token)),
            encoding="utf-8",
        )
        path.chmod(0o600)
        self._server_kubeconfigs[key] = path
        return path

    def resolved_crd_dir(self) -> Path | None:
        return self._crd_dir if self._crd_dir is not None else default_crd_dir()

    # -- lifecycle --------------------------------------------------------

    def __enter__(self) -> ControlPlane:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> ControlPlane:
        """Start (or, for an external cluster, connect), apply the CRDs; return self."""
        if self._server_url is not None:
            return self
        atexit.register(self.stop)
        try:
            if self._external is not None:
                self._connect_external(self._external)
            else:
                self._start_processes()
            if self._apply_crds_on_start:
                self.crds = self.apply_crds()
        except BaseException:  # includes KeyboardInterrupt: never leave processes behind
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop kube-apiserver, then etcd (SIGTERM, then SIGKILL), and remove the temp dir."""
        apiserver, etcd = self._apiserver, self._etcd
        self._apiserver = self._etcd = None
        self._paused.clear()
        try:
            _terminate(apiserver, self.stop_timeout)
        finally:
            _terminate(etcd, self.stop_timeout)
        if self.tmp_dir is not None:
            shutil.rmtree(self.tmp_dir, ignore_errors=True)
            self.tmp_dir = None
        self._server_url = None
        self._etcd_url = None
        self._etcd_command = self._apiserver_command = None
        self._server_kubeconfigs = {}
        if not self.external:
            self._kubeconfigs = {}
            self._ca_file = None
            self._serving_cert = self._serving_key = None
        atexit.unregister(self.stop)

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of the etcd and kube-apiserver logs."""
        if self.tmp_dir is None:
            return ""
        parts = []
        for name in ("etcd", "kube-apiserver"):
            text = _tail(self.tmp_dir / f"{name}.log", lines)
            if text:
                parts.append(f"--- {name}.log (last {lines} lines) ---\n{text}")
        return "\n".join(parts)

    def _connect_external(self, path: Path) -> None:
        async def load() -> client.Configuration:
            cfg = client.Configuration()
            await config.load_kube_config(config_file=str(path), client_configuration=cfg)
            return cfg

        cfg = _run_sync(load)
        self._server_url = str(cfg.host)
        self._ca_file = Path(cfg.ssl_ca_cert) if cfg.ssl_ca_cert else None
        self.identities = {ADMIN: Identity(ADMIN, None, "", ())}
        self._kubeconfigs = {ADMIN: path}

    def _start_processes(self) -> None:
        self.binaries = find_binaries(self._bin_dir, build=self._build, stream=self._build_stream)
        tmp = Path(tempfile.mkdtemp(prefix="lscsde-controlplane-"))
        self.tmp_dir = tmp
        pki = tmp / "pki"
        pki.mkdir()
        ca_cert, ca_key = generate_ca(pki)
        serving_cert, serving_key = _generate_serving_cert(pki, ca_cert, ca_key)
        sa_key = _generate_rsa_key(pki / "service-account.key")
        self._ca_file = ca_cert
        self._serving_cert, self._serving_key = serving_cert, serving_key

        self.identities = {
            ADMIN: Identity(ADMIN, secrets.token_urlsafe(32), "uid-admin", ("system:masters",))
        }
        for user in self.users:
            self.identities[user] = Identity(user, secrets.token_urlsafe(32), f"uid-{user}", ())
        token_file = tmp / "tokens.csv"
        token_file.write_text(render_token_file(self.identities.values()), encoding="utf-8")
        token_file.chmod(0o600)

        deadline = time.monotonic() + self.start_timeout
        # A picked port can be taken by someone else before the child binds it: retry then.
        for attempt in range(3):
            etcd_client, etcd_peer, secure_port = pick_free_ports(3)
            try:
                self._start_etcd(tmp, etcd_client, etcd_peer, deadline)
                self._start_apiserver(
                    tmp, secure_port, serving_cert, serving_key, sa_key, token_file, deadline
                )
                break
            except ControlPlaneStartError as exc:
                if attempt == 2 or "address already in use" not in exc.logs:
                    raise
                _terminate(self._apiserver, self.stop_timeout)
                _terminate(self._etcd, self.stop_timeout)
                self._apiserver = self._etcd = None
                self._server_url = self._etcd_url = None
                shutil.rmtree(tmp / "etcd-data", ignore_errors=True)

        kubeconfigs = tmp / "kubeconfigs"
        kubeconfigs.mkdir()
        for ident in self.identities.values():
            assert ident.token is not None
            path = kubeconfigs / f"{ident.name}.yaml"
            path.write_text(
                yaml.safe_dump(
                    render_kubeconfig(self.server_url, ca_cert, ident.name, ident.token)
                ),
                encoding="utf-8",
            )
            path.chmod(0o600)
            self._kubeconfigs[ident.name] = path

    def _fail(self, message: str) -> ControlPlaneStartError:
        return ControlPlaneStartError(message, self.log_tail())

    def _check_alive(self) -> None:
        for name, proc in (("etcd", self._etcd), ("kube-apiserver", self._apiserver)):
            if proc is not None and proc.poll() is not None:
                raise self._fail(f"{name} exited with code {proc.returncode} during start-up")

    def _start_etcd(self, tmp: Path, client_port: int, peer_port: int, deadline: float) -> None:
        assert self.binaries is not None
        client_url, peer_url = f"http://{_HOST}:{client_port}", f"http://{_HOST}:{peer_port}"
        self._etcd_command = [
            str(self.binaries.etcd),
            f"--data-dir={tmp / 'etcd-data'}",
            f"--listen-client-urls={client_url}",
            f"--advertise-client-urls={client_url}",
            f"--listen-peer-urls={peer_url}",
            f"--initial-advertise-peer-urls={peer_url}",
            "--name=lscsde-test",
            f"--initial-cluster=lscsde-test={peer_url}",
            "--unsafe-no-fsync=true",  # throwaway data: durability only costs time
        ]
        self._etcd_url = client_url
        self._etcd = _spawn(self._etcd_command, tmp / "etcd.log")
        self._wait_etcd_healthy(deadline)

    def _wait_etcd_healthy(self, deadline: float) -> None:
        assert self._etcd_url is not None
        opener = _no_proxy_opener(None)
        while True:
            self._check_alive()
            try:
                with opener.open(f"{self._etcd_url}/health", timeout=2) as resp:
                    if b'"true"' in resp.read():
                        return
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                raise self._fail(
                    f"etcd not healthy at {self._etcd_url} after {self.start_timeout}s"
                )
            time.sleep(0.1)

    def _start_apiserver(
        self,
        tmp: Path,
        port: int,
        serving_cert: Path,
        serving_key: Path,
        sa_key: Path,
        token_file: Path,
        deadline: float,
    ) -> None:
        assert self.binaries is not None and self._etcd_url is not None
        server = f"https://{_HOST}:{port}"
        (tmp / "apiserver-certs").mkdir(exist_ok=True)
        self._apiserver_command = [
            str(self.binaries.kube_apiserver),
            f"--etcd-servers={self._etcd_url}",
            f"--bind-address={_HOST}",
            f"--advertise-address={_HOST}",
            # The endpoint reconciler refuses a loopback advertise address, and nothing
            # in these tests reaches the `kubernetes` Service's endpoints anyway.
            "--endpoint-reconciler-type=none",
            f"--secure-port={port}",
            f"--tls-cert-file={serving_cert}",
            f"--tls-private-key-file={serving_key}",
            # Unused with explicit TLS files; keeps the default /var/run/kubernetes out.
            f"--cert-dir={tmp / 'apiserver-certs'}",
            f"--service-cluster-ip-range={SERVICE_CLUSTER_IP_RANGE}",
            f"--service-account-issuer={server}",
            f"--service-account-key-file={sa_key}",
            f"--service-account-signing-key-file={sa_key}",
            f"--token-auth-file={token_file}",
            "--authorization-mode=RBAC",
            "--allow-privileged=true",
            # No controller-manager creates the `default` ServiceAccount in new namespaces.
            "--disable-admission-plugins=ServiceAccount",
            *self._extra_apiserver_args,
        ]
        self._server_url = server
        self._apiserver = _spawn(self._apiserver_command, tmp / "kube-apiserver.log")
        self._wait_apiserver_ready(deadline)

    def _wait_apiserver_ready(self, deadline: float) -> None:
        server = self.server_url
        admin = self.identities[ADMIN].token
        opener = _no_proxy_opener(self._ca_file)
        request = urllib.request.Request(
            f"{server}/readyz", headers={"Authorization": f"Bearer {admin}"}
        )
        last = "no answer yet"
        while True:
            self._check_alive()
            try:
                with opener.open(request, timeout=5) as resp:
                    if resp.status == 200:
                        return
                    last = f"HTTP {resp.status}"
            except urllib.error.HTTPError as exc:
                last = f"HTTP {exc.code}: {exc.read(2000).decode(errors='replace')}"
            except (urllib.error.URLError, OSError) as exc:
                last = str(exc)
            if time.monotonic() > deadline:
                raise self._fail(
                    f"kube-apiserver {server}/readyz not ok after {self.start_timeout}s: {last}"
                )
            time.sleep(0.25)

    # -- process control (fault tests) ------------------------------------

    def _own_processes(self, action: str) -> Path:
        """The temp dir of a control plane started by this object, else a clear error."""
        if self.external:
            raise ControlPlaneError(
                f"{action}: not possible on an external cluster (from_kubeconfig); "
                "its processes are not ours"
            )
        if self.tmp_dir is None or self._etcd_command is None or self._apiserver_command is None:
            raise ControlPlaneError(f"{action}: control plane not started")
        return self.tmp_dir

    def stop_apiserver(self, *, kill: bool = False) -> None:
        """Stop kube-apiserver: SIGTERM (then SIGKILL after ``stop_timeout``), or with
        ``kill=True`` SIGKILL at once (a crash). etcd and its data stay.

        Requests meanwhile fail to connect. :meth:`start_apiserver` brings it back.
        """
        self._own_processes("stop_apiserver")
        proc, self._apiserver = self._apiserver, None
        self._paused.discard(APISERVER)
        _terminate(proc, self.stop_timeout, kill=kill)

    def start_apiserver(self) -> None:
        """Start kube-apiserver again on the same port with the same flags, certificates and
        tokens (a no-op while it runs); return once ``/readyz`` is ok and every CRD's
        resources are servable again (the CRDs themselves are kept in etcd).

        Raises :class:`ControlPlaneStartError` with the log tails after ``start_timeout``.
        """
        tmp = self._own_processes("start_apiserver")
        if self._apiserver is not None and self._apiserver.poll() is None:
            return
        assert self._apiserver_command is not None
        deadline = time.monotonic() + self.start_timeout
        self._apiserver = _spawn(self._apiserver_command, tmp / "kube-apiserver.log", append=True)
        self._wait_apiserver_ready(deadline)
        self._wait_crds_servable(deadline)

    def restart_apiserver(self, *, kill: bool = False) -> None:
        """:meth:`stop_apiserver`, then :meth:`start_apiserver`."""
        self.stop_apiserver(kill=kill)
        self.start_apiserver()

    def stop_etcd(self, *, kill: bool = False) -> None:
        """Stop etcd: SIGTERM (then SIGKILL after ``stop_timeout``), or with ``kill=True``
        SIGKILL at once (a crash; a graceful stop waits seconds for the apiserver's streams).
        kube-apiserver keeps running without storage; :meth:`start_etcd` brings etcd back.
        """
        self._own_processes("stop_etcd")
        proc, self._etcd = self._etcd, None
        self._paused.discard(ETCD)
        _terminate(proc, self.stop_timeout, kill=kill)

    def start_etcd(self) -> None:
        """Start etcd again on the same ports and data dir (a no-op while it runs).

        Returns once etcd's ``/health`` is ok and, if kube-apiserver is running and not
        paused, once that is ready again and every CRD's resources are servable.
        Raises :class:`ControlPlaneStartError` with the log tails after ``start_timeout``.
        """
        tmp = self._own_processes("start_etcd")
        if self._etcd is not None and self._etcd.poll() is None:
            return
        assert self._etcd_command is not None
        deadline = time.monotonic() + self.start_timeout
        self._etcd = _spawn(self._etcd_command, tmp / "etcd.log", append=True)
        self._wait_etcd_healthy(deadline)
        apiserver = self._apiserver
        if apiserver is not None and apiserver.poll() is None and APISERVER not in self._paused:
            self._wait_apiserver_ready(deadline)
            self._wait_crds_servable(deadline)

    def restart_etcd(self, *, kill: bool = False) -> None:
        """:meth:`stop_etcd`, then :meth:`start_etcd`."""
        self.stop_etcd(kill=kill)
        self.start_etcd()

    def pause(self, name: ProcessName) -> None:
        """Freeze ``"etcd"`` or ``"kube-apiserver"`` with SIGSTOP: it keeps its sockets but
        answers nothing (a hung process) until :meth:`resume`."""
        proc = self._process(name, "pause")
        _signal_group(proc, signal.SIGSTOP)
        self._paused.add(name)

    def resume(self, name: ProcessName) -> None:
        """Continue a process frozen by :meth:`pause` (SIGCONT)."""
        proc = self._process(name, "resume")
        _signal_group(proc, signal.SIGCONT)
        self._paused.discard(name)

    def _process(self, name: str, action: str) -> subprocess.Popen[bytes]:
        self._own_processes(f"{action}({name!r})")
        procs = {ETCD: self._etcd, APISERVER: self._apiserver}
        if name not in procs:
            raise ControlPlaneError(f"{action}: unknown process {name!r} (known: {sorted(procs)})")
        proc = procs[name]
        if proc is None or proc.poll() is not None:
            raise ControlPlaneError(f"{action}: {name} is not running")
        return proc

    def _wait_crds_servable(self, deadline: float) -> None:
        async def wait() -> None:
            async with await self.api_client(ADMIN) as api:
                await wait_crds_servable(api, within=max(deadline - time.monotonic(), 1.0))

        try:
            _run_sync(wait)
        except ControlPlaneError as exc:
            raise self._fail(str(exc)) from None

    def etcd_revision(self) -> int:
        """etcd's current revision (the newest resourceVersion of any object)."""
        answer = self._etcd_call("etcd_revision", "/v3/kv/range", {"key": "AA==", "limit": 1})
        return int(answer["header"]["revision"])

    def compact_etcd(self) -> int:
        """Compact away etcd's history: return the revision compacted to.

        A marker key outside kube-apiserver's prefix is written first and the compaction
        goes up to that write, so every resourceVersion obtained before this call is older
        than the compacted revision. A watch (or an exact-revision list) from one of them,
        served from etcd rather than the watch cache, then fails with 410 Expired. For
        custom resources that needs an apiserver started with ``--watch-cache=false``; add
        ``--etcd-compaction-interval=0`` to keep the apiserver's own compactions out.
        """
        # A watch from revision R starts at R+1; had it been compacted only up to R+1, its
        # first event would lack the previous value (a 500 from the apiserver, not a 410).
        marker = base64.b64encode(_COMPACTION_MARKER).decode()
        written = self._etcd_call("compact_etcd", "/v3/kv/put", {"key": marker, "value": ""})
        revision = int(written["header"]["revision"])
        self._etcd_call(
            "compact_etcd", "/v3/kv/compaction", {"revision": revision, "physical": True}
        )
        return revision

    def _etcd_call(self, action: str, path: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """POST to etcd's gRPC gateway (JSON over HTTP; 64-bit numbers come back as strings)."""
        self._own_processes(action)
        assert self._etcd_url is not None
        request = urllib.request.Request(
            f"{self._etcd_url}{path}",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        try:
            with _no_proxy_opener(None).open(request, timeout=10) as resp:
                answer: dict[str, Any] = json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            detail = exc.read(2000).decode(errors="replace")
            raise ControlPlaneError(
                f"{action}: etcd {path} answered {exc.code}: {detail}"
            ) from None
        except (urllib.error.URLError, OSError) as exc:
            raise ControlPlaneError(f"{action}: etcd {path} unreachable: {exc}") from None
        return answer

    # -- API access ---------------------------------------------------------

    async def api_client(
        self, identity: str = ADMIN, *, server_url: str | None = None
    ) -> client.ApiClient:
        """A new ApiClient authenticated as ``identity``; the caller closes it.

        ``server_url`` sends its requests to another server, e.g. an ``ApiProxy`` in front of
        this control plane (see :meth:`kubeconfig_path`).
        """
        cfg = client.Configuration()
        await config.load_kube_config(
            config_file=str(self.kubeconfig_path(identity, server_url=server_url)),
            client_configuration=cfg,
        )
        return client.ApiClient(configuration=cfg)

    async def apply_crds_async(self, crd_dir: str | os.PathLike[str] | None = None) -> list[str]:
        """Create the CRDs of ``crd_dir`` (default: see :func:`default_crd_dir`) unless they
        exist, wait until Established; return their names."""
        directory = Path(crd_dir) if crd_dir is not None else self.resolved_crd_dir()
        if directory is None or not directory.is_dir():
            raise ControlPlaneError(
                f"CRD directory {directory or '(none found)'} does not exist; pass crd_dir= "
                "(expected lscsde_sdk/_generated/crds/ in the package or schemas/ in a checkout)"
            )
        docs = load_crds(directory)
        if not docs:
            raise ControlPlaneError(f"no CustomResourceDefinition in {directory}/*.yaml")
        async with await self.api_client(ADMIN) as api:
            return await _apply_crds(api, docs)

    def apply_crds(self, crd_dir: str | os.PathLike[str] | None = None) -> list[str]:
        """Synchronous :meth:`apply_crds_async` (usable from inside a running loop too)."""
        return _run_sync(lambda: self.apply_crds_async(crd_dir))

    async def create_namespace(self, prefix: str = "test") -> str:
        """A fresh uniquely named namespace, created as admin."""
        async with await self.api_client(ADMIN) as api:
            return await create_namespace(api, prefix)

    async def grant(
        self,
        namespace: str,
        user: str,
        rules: Sequence[Mapping[str, Any] | client.V1PolicyRule],
        *,
        name: str | None = None,
    ) -> str:
        """Give ``user`` a Role with ``rules`` in ``namespace``; return the Role's name."""
        ident = self.identities.get(user)
        async with await self.api_client(ADMIN) as api:
            return await grant(
                api, namespace, user, rules, name=name, groups=ident.groups if ident else ()
            )

    async def grant_cluster(
        self,
        user: str,
        rules: Sequence[Mapping[str, Any] | client.V1PolicyRule],
        *,
        name: str | None = None,
    ) -> str:
        """Give ``user`` a ClusterRole with ``rules``; return its name. Every test of this
        control plane sees it until :meth:`revoke_cluster`."""
        ident = self.identities.get(user)
        async with await self.api_client(ADMIN) as api:
            return await grant_cluster(
                api, user, rules, name=name, groups=ident.groups if ident else ()
            )

    async def revoke_cluster(self, user: str, name: str) -> None:
        """Take back the ClusterRole ``name`` given to ``user`` by :meth:`grant_cluster`."""
        ident = self.identities.get(user)
        async with await self.api_client(ADMIN) as api:
            await revoke_cluster(api, user, name, groups=ident.groups if ident else ())
