"""A real kube-apiserver + etcd on 127.0.0.1 for tests, like controller-runtime's envtest.

No controller-manager runs: deleted namespaces stay Terminating (use a fresh namespace per
test), ownerReferences do not cascade, and no ``default`` ServiceAccount exists (the
ServiceAccount admission plugin is disabled so Pods can still be created).
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import os
import secrets
import shutil
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Coroutine, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO, TypeVar

import yaml
from kubernetes_asyncio import client, config

from .binaries import ControlPlaneBinaries, ControlPlaneError, find_binaries
from .cluster import _apply_crds, create_namespace, default_crd_dir, grant, load_crds
from .identities import ADMIN, DEFAULT_USERS, Identity, render_kubeconfig, render_token_file
from .pki import _generate_rsa_key, _generate_serving_cert, generate_ca
from .processes import _HOST, _spawn, _tail, _terminate, pick_free_ports

__all__ = [
    "ADMIN",
    "DEFAULT_USERS",
    "KUBECONFIG_ENV",
    "ControlPlane",
    "ControlPlaneStartError",
    "Identity",
    "create_namespace",
    "default_crd_dir",
    "generate_ca",
    "grant",
    "load_crds",
    "pick_free_ports",
    "render_kubeconfig",
    "render_token_file",
]

KUBECONFIG_ENV = "LSCSDE_TEST_KUBECONFIG"
SERVICE_CLUSTER_IP_RANGE = "10.0.0.0/24"
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
        self._kubeconfigs: dict[str, Path] = {}
        self._etcd: subprocess.Popen[bytes] | None = None
        self._apiserver: subprocess.Popen[bytes] | None = None
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
    def etcd_url(self) -> str | None:
        return self._etcd_url

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

    def kubeconfig_path(self, identity: str = ADMIN) -> Path:
        try:
            return self._kubeconfigs[identity]
        except KeyError:
            raise ControlPlaneError(
                f"no kubeconfig for identity {identity!r} (known: {sorted(self._kubeconfigs)})"
            ) from None

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
        try:
            _terminate(apiserver, self.stop_timeout)
        finally:
            _terminate(etcd, self.stop_timeout)
        if self.tmp_dir is not None:
            shutil.rmtree(self.tmp_dir, ignore_errors=True)
            self.tmp_dir = None
        self._server_url = None
        self._etcd_url = None
        if not self.external:
            self._kubeconfigs = {}
            self._ca_file = None
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
        self._etcd = _spawn(
            [
                str(self.binaries.etcd),
                f"--data-dir={tmp / 'etcd-data'}",
                f"--listen-client-urls={client_url}",
                f"--advertise-client-urls={client_url}",
                f"--listen-peer-urls={peer_url}",
                f"--initial-advertise-peer-urls={peer_url}",
                "--name=lscsde-test",
                f"--initial-cluster=lscsde-test={peer_url}",
                "--unsafe-no-fsync=true",  # throwaway data: durability only costs time
            ],
            tmp / "etcd.log",
        )
        opener = _no_proxy_opener(None)
        while True:
            self._check_alive()
            try:
                with opener.open(f"{client_url}/health", timeout=2) as resp:
                    if b'"true"' in resp.read():
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                raise self._fail(f"etcd not healthy at {client_url} after {self.start_timeout}s")
            time.sleep(0.1)
        self._etcd_url = client_url

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
        self._apiserver = _spawn(
            [
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
            ],
            tmp / "kube-apiserver.log",
        )
        self._server_url = server
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

    # -- API access ---------------------------------------------------------

    async def api_client(self, identity: str = ADMIN) -> client.ApiClient:
        """A new ApiClient authenticated as ``identity``; the caller closes it."""
        cfg = client.Configuration()
        await config.load_kube_config(
            config_file=str(self.kubeconfig_path(identity)), client_configuration=cfg
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
