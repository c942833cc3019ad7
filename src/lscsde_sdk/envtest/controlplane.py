"""A real kube-apiserver + etcd on 127.0.0.1 for tests, like controller-runtime's envtest.

No controller-manager runs: deleted namespaces stay Terminating (use a fresh namespace per
test), ownerReferences do not cascade, and no ``default`` ServiceAccount exists (the
ServiceAccount admission plugin is disabled so Pods can still be created).

For fault tests each process can be stopped, started, restarted and paused on its own (same
ports, data, certificates and tokens, so existing kubeconfigs and clients keep working), and
etcd can be compacted on demand.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, TextIO
from urllib.parse import urlsplit

from kubernetes_asyncio import client, config

from . import crds, etcd, namespaces, rbac
from .apiserver import ApiServerFiles
from .binaries import ControlPlaneBinaries, find_binaries
from .errors import ControlPlaneError
from .identities import (
    ADMIN,
    DEFAULT_USERS,
    Identity,
    new_identities,
    render_token_file,
    write_kubeconfig,
)
from .local_processes import LocalProcesses
from .pki import generate_ca, generate_rsa_key, generate_serving_cert
from .sync import run_sync

__all__ = ["KUBECONFIG_ENV", "ControlPlane", "ProcessName"]

KUBECONFIG_ENV = "LSCSDE_TEST_KUBECONFIG"
ProcessName = Literal["etcd", "kube-apiserver"]


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
        self._local: LocalProcesses | None = None

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
        return self._local.etcd_url if self._local is not None else None

    @property
    def paused(self) -> frozenset[str]:
        """Names of the processes currently paused with :meth:`pause`."""
        return self._local.paused if self._local is not None else frozenset()

    @property
    def running(self) -> bool:
        if self.external:
            return self._server_url is not None
        return self._local is not None and self._local.running

    @property
    def pids(self) -> dict[str, int]:
        """PIDs of the processes started by this object (empty for an external cluster)."""
        return self._local.pids if self._local is not None else {}

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
        ident = self.identities[identity]
        if self.external or ident.token is None or self._ca_file is None or self.tmp_dir is None:
            raise ControlPlaneError(
                "kubeconfigs for another server need a control plane started by this object "
                "(an external cluster's credentials and CA are not ours to reissue)"
            )
        netloc = urlsplit(server_url).netloc
        if not netloc:
            raise ControlPlaneError(f"server_url {server_url!r} is not an absolute URL")
        path = self.tmp_dir / "kubeconfigs" / f"{identity}-via-{netloc.replace(':', '-')}.yaml"
        self._server_kubeconfigs[key] = write_kubeconfig(path, server_url, self._ca_file, ident)
        return path

    def resolved_crd_dir(self) -> Path | None:
        return self._crd_dir if self._crd_dir is not None else crds.default_crd_dir()

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
        local, self._local = self._local, None
        if local is not None:
            local.stop()
        if self.tmp_dir is not None:
            shutil.rmtree(self.tmp_dir, ignore_errors=True)
            self.tmp_dir = None
        self._server_url = None
        self._server_kubeconfigs = {}
        if not self.external:
            self._kubeconfigs = {}
            self._ca_file = None
            self._serving_cert = self._serving_key = None
        atexit.unregister(self.stop)

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of the etcd and kube-apiserver logs."""
        return self._local.log_tail(lines) if self._local is not None else ""

    def _connect_external(self, path: Path) -> None:
        async def load() -> client.Configuration:
            cfg = client.Configuration()
            await config.load_kube_config(config_file=str(path), client_configuration=cfg)
            return cfg

        cfg = run_sync(load)
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
        serving_cert, serving_key = generate_serving_cert(pki, ca_cert, ca_key)
        self._ca_file = ca_cert
        self._serving_cert, self._serving_key = serving_cert, serving_key

        self.identities = new_identities(self.users)
        token_file = tmp / "tokens.csv"
        token_file.write_text(render_token_file(self.identities.values()), encoding="utf-8")
        token_file.chmod(0o600)
        files = ApiServerFiles(
            serving_cert=serving_cert,
            serving_key=serving_key,
            service_account_key=generate_rsa_key(pki / "service-account.key"),
            token_file=token_file,
            cert_dir=tmp / "apiserver-certs",
        )
        files.cert_dir.mkdir()
        self._local = LocalProcesses(
            self.binaries,
            tmp,
            files,
            admin_token=self.identities[ADMIN].token,
            ca_file=ca_cert,
            apiserver_args=self._extra_apiserver_args,
            start_timeout=self.start_timeout,
            stop_timeout=self.stop_timeout,
            wait_servable=self._wait_crds_servable,
        )
        self._local.start()
        self._server_url = self._local.server_url

        kubeconfigs = tmp / "kubeconfigs"
        kubeconfigs.mkdir()
        for ident in self.identities.values():
            path = kubeconfigs / f"{ident.name}.yaml"
            self._kubeconfigs[ident.name] = write_kubeconfig(path, self.server_url, ca_cert, ident)

    # -- process control (fault tests) ------------------------------------

    def _own_processes(self, action: str) -> LocalProcesses:
        """The processes of a control plane started by this object, else a clear error."""
        if self.external:
            raise ControlPlaneError(
                f"{action}: not possible on an external cluster (from_kubeconfig); "
                "its processes are not ours"
            )
        if self._local is None:
            raise ControlPlaneError(f"{action}: control plane not started")
        return self._local

    def stop_apiserver(self, *, kill: bool = False) -> None:
        """Stop kube-apiserver: SIGTERM (then SIGKILL after ``stop_timeout``), or with
        ``kill=True`` SIGKILL at once (a crash). etcd and its data stay.

        Requests meanwhile fail to connect. :meth:`start_apiserver` brings it back.
        """
        self._own_processes("stop_apiserver").stop_apiserver(kill=kill)

    def start_apiserver(self) -> None:
        """Start kube-apiserver again on the same port with the same flags, certificates and
        tokens (a no-op while it runs); return once ``/readyz`` is ok and every CRD's
        resources are servable again (the CRDs themselves are kept in etcd).

        Raises :class:`ControlPlaneStartError` with the log tails after ``start_timeout``.
        """
        self._own_processes("start_apiserver").start_apiserver()

    def restart_apiserver(self, *, kill: bool = False) -> None:
        """:meth:`stop_apiserver`, then :meth:`start_apiserver`."""
        self.stop_apiserver(kill=kill)
        self.start_apiserver()

    def stop_etcd(self, *, kill: bool = False) -> None:
        """Stop etcd: SIGTERM (then SIGKILL after ``stop_timeout``), or with ``kill=True``
        SIGKILL at once (a crash; a graceful stop waits seconds for the apiserver's streams).
        kube-apiserver keeps running without storage; :meth:`start_etcd` brings etcd back.
        """
        self._own_processes("stop_etcd").stop_etcd(kill=kill)

    def start_etcd(self) -> None:
        """Start etcd again on the same ports and data dir (a no-op while it runs).

        Returns once etcd's ``/health`` is ok and, if kube-apiserver is running and not
        paused, once that is ready again and every CRD's resources are servable.
        Raises :class:`ControlPlaneStartError` with the log tails after ``start_timeout``.
        """
        self._own_processes("start_etcd").start_etcd()

    def restart_etcd(self, *, kill: bool = False) -> None:
        """:meth:`stop_etcd`, then :meth:`start_etcd`."""
        self.stop_etcd(kill=kill)
        self.start_etcd()

    def pause(self, name: ProcessName) -> None:
        """Freeze ``"etcd"`` or ``"kube-apiserver"`` with SIGSTOP: it keeps its sockets but
        answers nothing (a hung process) until :meth:`resume`."""
        self._own_processes(f"pause({name!r})").process(name, "pause").pause()

    def resume(self, name: ProcessName) -> None:
        """Continue a process frozen by :meth:`pause` (SIGCONT)."""
        self._own_processes(f"resume({name!r})").process(name, "resume").resume()

    def _wait_crds_servable(self, deadline: float) -> None:
        async def wait() -> None:
            async with await self.api_client(ADMIN) as api:
                await crds.wait_crds_servable(api, within=max(deadline - time.monotonic(), 1.0))

        run_sync(wait)

    def etcd_revision(self) -> int:
        """etcd's current revision (the newest resourceVersion of any object)."""
        return self._own_processes("etcd_revision").etcd_call("etcd_revision", etcd.revision)

    def compact_etcd(self) -> int:
        """Compact away etcd's history: return the revision compacted to.

        A marker key outside kube-apiserver's prefix is written first and the compaction
        goes up to that write, so every resourceVersion obtained before this call is older
        than the compacted revision. A watch (or an exact-revision list) from one of them,
        served from etcd rather than the watch cache, then fails with 410 Expired. For
        custom resources that needs an apiserver started with ``--watch-cache=false``; add
        ``--etcd-compaction-interval=0`` to keep the apiserver's own compactions out.
        """
        return self._own_processes("compact_etcd").etcd_call("compact_etcd", etcd.compact)

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
        docs = crds.load_crds(directory)
        if not docs:
            raise ControlPlaneError(f"no CustomResourceDefinition in {directory}/*.yaml")
        async with await self.api_client(ADMIN) as api:
            return await crds.apply_crds(api, docs)

    def apply_crds(self, crd_dir: str | os.PathLike[str] | None = None) -> list[str]:
        """Synchronous :meth:`apply_crds_async` (usable from inside a running loop too)."""
        return run_sync(lambda: self.apply_crds_async(crd_dir))

    async def create_namespace(self, prefix: str = "test") -> str:
        """A fresh uniquely named namespace, created as admin."""
        async with await self.api_client(ADMIN) as api:
            return await namespaces.create_namespace(api, prefix)

    def _groups(self, user: str) -> tuple[str, ...]:
        ident = self.identities.get(user)
        return ident.groups if ident else ()

    async def grant(
        self,
        namespace: str,
        user: str,
        rules: Sequence[Mapping[str, Any] | client.V1PolicyRule],
        *,
        name: str | None = None,
    ) -> str:
        """Give ``user`` a Role with ``rules`` in ``namespace``; return the Role's name."""
        async with await self.api_client(ADMIN) as api:
            return await rbac.grant(
                api, namespace, user, rules, name=name, groups=self._groups(user)
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
        async with await self.api_client(ADMIN) as api:
            return await rbac.grant_cluster(api, user, rules, name=name, groups=self._groups(user))

    async def revoke_cluster(self, user: str, name: str) -> None:
        """Take back the ClusterRole ``name`` given to ``user`` by :meth:`grant_cluster`."""
        async with await self.api_client(ADMIN) as api:
            await rbac.revoke_cluster(api, user, name, groups=self._groups(user))
