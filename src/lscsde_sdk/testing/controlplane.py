"""A real kube-apiserver + etcd on 127.0.0.1 for tests, like controller-runtime's envtest.

No controller-manager runs: deleted namespaces stay Terminating (use a fresh namespace per
test), ownerReferences do not cascade, and no ``default`` ServiceAccount exists (the
ServiceAccount admission plugin is disabled so Pods can still be created).
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import ctypes
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Coroutine, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO, TypeVar, cast

import yaml
from kubernetes_asyncio import client, config
from kubernetes_asyncio.client.exceptions import ApiException

from .binaries import (
    ControlPlaneBinaries,
    ControlPlaneError,
    ControlPlaneUnavailable,
    find_binaries,
)

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
ADMIN = "admin"
DEFAULT_USERS = ("alice", "bob")
SERVICE_CLUSTER_IP_RANGE = "10.0.0.0/24"
_HOST = "127.0.0.1"
_CLUSTER = "lscsde-test"
_PR_SET_PDEATHSIG = 1
_GRANT_TIMEOUT = 15.0
_ESTABLISHED_TIMEOUT = 60.0
_T = TypeVar("_T")


class ControlPlaneStartError(ControlPlaneError):
    """etcd or kube-apiserver did not come up; the message ends with the tail of their logs."""

    def __init__(self, message: str, logs: str) -> None:
        super().__init__(f"{message}\n{logs}" if logs else message)
        self.logs = logs


@dataclass(frozen=True)
class Identity:
    """One user of the static token file (``system:authenticated`` is implied for all)."""

    name: str
    token: str | None  # None: the credentials of an external kubeconfig
    uid: str
    groups: tuple[str, ...] = ()


# ---------------------------------------------------------------------------
# Pure helpers


def pick_free_ports(count: int, host: str = _HOST) -> list[int]:
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


_CSV_UNSAFE = re.compile(r'[,"\s]')


def render_token_file(identities: Iterable[Identity]) -> str:
    """Render kube-apiserver's ``--token-auth-file``: ``token,user,uid[,"group1,group2"]``."""
    lines = []
    for ident in identities:
        if ident.token is None:
            raise ValueError(f"identity {ident.name!r} has no token")
        for value in (ident.token, ident.name, ident.uid, *ident.groups):
            if not value or _CSV_UNSAFE.search(value):
                raise ValueError(f"{value!r} cannot be written to a token file")
        fields = [ident.token, ident.name, ident.uid]
        if ident.groups:
            fields.append('"' + ",".join(ident.groups) + '"')
        lines.append(",".join(fields))
    return "\n".join(lines) + "\n"


def render_kubeconfig(
    server: str,
    ca_file: str | os.PathLike[str],
    user: str,
    token: str,
    *,
    cluster: str = _CLUSTER,
    namespace: str = "default",
) -> dict[str, Any]:
    """A kubeconfig for one bearer-token user that verifies the server against ``ca_file``."""
    context = f"{user}@{cluster}"
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {"name": cluster, "cluster": {"server": server, "certificate-authority": str(ca_file)}}
        ],
        "users": [{"name": user, "user": {"token": token}}],
        "contexts": [
            {"name": context, "context": {"cluster": cluster, "user": user, "namespace": namespace}}
        ],
        "current-context": context,
        "preferences": {},
    }


def default_crd_dir() -> Path | None:
    """The CRDs shipped in the package, else the repository's ``schemas/`` (source checkouts)."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "_generated" / "crds", package.parent.parent / "schemas"):
        if candidate.is_dir() and any(candidate.glob("*.yaml")):
            return candidate
    return None


def load_crds(crd_dir: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Every CustomResourceDefinition document in ``crd_dir/*.yaml`` (other kinds are skipped)."""
    docs: list[dict[str, Any]] = []
    for path in sorted(Path(crd_dir).glob("*.yaml")):
        with path.open(encoding="utf-8") as handle:
            for doc in yaml.safe_load_all(handle):
                if isinstance(doc, dict) and doc.get("kind") == "CustomResourceDefinition":
                    docs.append(doc)
    return docs


# ---------------------------------------------------------------------------
# openssl: keys and certificates (keeps `cryptography` out of the runtime dependencies)


def _openssl(*args: str, cwd: Path) -> None:
    openssl = shutil.which("openssl")
    if openssl is None:
        raise ControlPlaneUnavailable("`openssl` is not on PATH (needed for keys and certificates)")
    result = subprocess.run([openssl, *args], cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise ControlPlaneError(f"openssl {' '.join(args)} failed: {result.stderr.strip()}")


def generate_ca(directory: Path, name: str = "lscsde-test-ca") -> tuple[Path, Path]:
    """A self-signed CA (EC P-256, valid 2 days) as ``(cert, key)`` in ``directory``."""
    cert, key = directory / f"{name}.crt", directory / f"{name}.key"
    _openssl(
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", f"/CN={name}",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        cwd=directory,
    )  # fmt: skip
    return cert, key


def _generate_serving_cert(directory: Path, ca_cert: Path, ca_key: Path) -> tuple[Path, Path]:
    cert, key, csr = directory / "serving.crt", directory / "serving.key", directory / "serving.csr"
    ext = directory / "serving.ext"
    ext.write_text(
        "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
        "basicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature,keyEncipherment\n"
        "extendedKeyUsage=serverAuth\n",
        encoding="utf-8",
    )
    _openssl(
        "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", str(key), "-out", str(csr), "-subj", "/CN=localhost",
        cwd=directory,
    )  # fmt: skip
    _openssl(
        "x509", "-req", "-in", str(csr), "-CA", str(ca_cert), "-CAkey", str(ca_key),
        "-CAcreateserial", "-days", "2", "-extfile", str(ext), "-out", str(cert),
        cwd=directory,
    )  # fmt: skip
    return cert, key


def _generate_rsa_key(path: Path) -> Path:
    _openssl(
        "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", str(path),
        cwd=path.parent,
    )  # fmt: skip
    return path


# ---------------------------------------------------------------------------
# processes


def _death_signal_preexec() -> Callable[[], None] | None:
    """A preexec_fn making Linux kill the child if this process dies (even by SIGKILL).

    PR_SET_PDEATHSIG fires when the *thread* that forked exits, so it is only set when
    starting from the main thread; atexit and stop() cover the other cases.
    """
    if (
        not sys.platform.startswith("linux")
        or threading.current_thread() is not threading.main_thread()
    ):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def preexec() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the parent already died before prctl took effect
            os._exit(1)

    return preexec


def _spawn(args: Sequence[str], log_path: Path) -> subprocess.Popen[bytes]:
    with log_path.open("wb") as log:
        return subprocess.Popen(
            list(args),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            # Own process group: a Ctrl-C aimed at pytest does not hit the children before
            # stop() can shut them down in order, and stop() can signal the whole group.
            start_new_session=True,
            preexec_fn=_death_signal_preexec(),
        )


def _terminate(proc: subprocess.Popen[bytes] | None, timeout: float) -> None:
    if proc is None:
        return
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    else:
        # The leader exited on its own; make sure nothing it started lingers.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)


def _tail(path: Path, lines: int) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


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
# Kubernetes helpers (async, kubernetes_asyncio)


async def create_namespace(api_client: client.ApiClient, prefix: str = "test") -> str:
    """Create a namespace named ``<prefix>-<random>`` and return its name.

    No namespace controller runs, so tests take a fresh namespace rather than deleting one.
    """
    base = re.sub(r"[^a-z0-9-]+", "-", prefix.lower()).strip("-")[:50].strip("-") or "test"
    name = f"{base}-{secrets.token_hex(4)}"
    await client.CoreV1Api(api_client).create_namespace(
        body=client.V1Namespace(metadata=client.V1ObjectMeta(name=name))
    )
    return name


def _probe_attributes(
    rule: Mapping[str, Any], namespace: str
) -> client.V1ResourceAttributes | None:
    def first(key: str) -> str:
        values = rule.get(key) or []
        return str(values[0]) if values else ""

    resource, _, subresource = first("resources").partition("/")
    if not resource or not first("verbs"):
        return None
    return client.V1ResourceAttributes(
        namespace=namespace,
        verb=first("verbs"),
        group=first("apiGroups"),
        resource=resource,
        subresource=subresource or None,
        name=first("resourceNames") or None,
    )


async def grant(
    api_client: client.ApiClient,
    namespace: str,
    user: str,
    rules: Sequence[Mapping[str, Any] | client.V1PolicyRule],
    *,
    name: str | None = None,
    groups: Sequence[str] = (),
) -> str:
    """Give ``user`` a Role with ``rules`` in ``namespace`` (via a RoleBinding); return its name.

    ``rules`` are RBAC PolicyRules as dicts (``{"apiGroups": [...], "resources": [...],
    "verbs": [...]}``) or ``V1PolicyRule``. Returns once the authorizer allows each rule's
    first verb/resource, since RBAC reads bindings from an informer cache that lags writes.
    """
    role = name or f"{user}-grant-{secrets.token_hex(4)}"
    plain_rules = cast("list[dict[str, Any]]", api_client.sanitize_for_serialization(list(rules)))
    rbac = client.RbacAuthorizationV1Api(api_client)
    await rbac.create_namespaced_role(
        namespace,
        client.V1Role(
            metadata=client.V1ObjectMeta(name=role, namespace=namespace),
            rules=cast("list[client.V1PolicyRule]", plain_rules),
        ),
    )
    await rbac.create_namespaced_role_binding(
        namespace,
        client.V1RoleBinding(
            metadata=client.V1ObjectMeta(name=role, namespace=namespace),
            role_ref=client.V1RoleRef(
                api_group="rbac.authorization.k8s.io", kind="Role", name=role
            ),
            subjects=[
                client.RbacV1Subject(api_group="rbac.authorization.k8s.io", kind="User", name=user)
            ],
        ),
    )
    authz = client.AuthorizationV1Api(api_client)
    try:
        async with asyncio.timeout(_GRANT_TIMEOUT):
            for rule in plain_rules:
                attributes = _probe_attributes(rule, namespace)
                if attributes is None:
                    continue
                review = client.V1SubjectAccessReview(
                    spec=client.V1SubjectAccessReviewSpec(
                        user=user,
                        groups=[*groups, "system:authenticated"],
                        resource_attributes=attributes,
                    )
                )
                # Polls: the authorizer's informer cache offers nothing to wait on.
                while True:
                    if _allowed(await authz.create_subject_access_review(review)):
                        break
                    await asyncio.sleep(0.05)
    except TimeoutError:
        raise ControlPlaneError(
            f"Role {namespace}/{role} for {user} not effective after {_GRANT_TIMEOUT}s"
        ) from None
    return role


def _allowed(review: client.V1SubjectAccessReview) -> bool:
    return review.status is not None and bool(review.status.allowed)


def _established(crd: client.V1CustomResourceDefinition) -> bool:
    conditions = crd.status.conditions if crd.status is not None else None
    return any(c.type == "Established" and c.status == "True" for c in conditions or [])


async def _apply_crds(api_client: client.ApiClient, docs: Sequence[dict[str, Any]]) -> list[str]:
    """Create each CRD unless it exists; return once all are Established and servable."""
    ext = client.ApiextensionsV1Api(api_client)
    custom = client.CustomObjectsApi(api_client)
    names = [str(doc["metadata"]["name"]) for doc in docs]
    for doc in docs:
        try:
            # The client serialises a plain dict as is; no lossy round trip through models.
            await ext.create_custom_resource_definition(
                body=cast("client.V1CustomResourceDefinition", doc)
            )
        except ApiException as exc:
            if exc.status != 409:  # 409: already there (an existing cluster) - leave it
                raise
    for name in names:
        try:
            async with asyncio.timeout(_ESTABLISHED_TIMEOUT):
                while True:
                    crd = await ext.read_custom_resource_definition(name)
                    if _established(crd):
                        break
                    await asyncio.sleep(0.1)
                # Established precedes the resource's watch cache being ready; until then
                # reads fail with 429 "storage is (re)initializing" (or 404 briefly).
                group, plural = crd.spec.group, crd.spec.names.plural
                for version in (v.name for v in crd.spec.versions if v.served):
                    while True:
                        try:
                            await custom.list_cluster_custom_object(group, version, plural, limit=1)
                            break
                        except ApiException as exc:
                            if exc.status not in (404, 429):
                                raise
                        await asyncio.sleep(0.1)
        except TimeoutError:
            raise ControlPlaneError(
                f"CRD {name} not Established and servable after {_ESTABLISHED_TIMEOUT}s"
            ) from None
    return names


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
