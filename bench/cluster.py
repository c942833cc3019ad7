"""The bench's own control plane: audit logging on, one admin identity per peer.

Requests are counted on the server, from kube-apiserver's audit log, so peers in other
processes and venvs are counted the same way without instrumenting any library. Each peer
authenticates as its own token user; the audit entries are attributed by that user and by
the wall-clock window of the peer's timed calls.
"""

from __future__ import annotations

import asyncio
import json
import ssl
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import aiohttp
import yaml

from lscsde_sdk.envtest import ControlPlane

__all__ = ["AUDIT_POLICY", "AuditLog", "BenchCluster", "RawApi", "audit_args"]

#: The identity that checks the audit log is flushed (its requests are logged, never counted).
SENTINEL = "bench-audit-sentinel"

#: Requests by ``admin`` (set-up and seeding) are not logged; every request on the AWMS API
#: group by anyone else is, at Metadata level (who, what, when; no bodies).
AUDIT_POLICY: dict[str, Any] = {
    "apiVersion": "audit.k8s.io/v1",
    "kind": "Policy",
    "omitStages": ["RequestReceived"],
    "rules": [
        {"level": "None", "users": ["admin"]},
        {"level": "Metadata", "resources": [{"group": "xlscsde.nhs.uk"}]},
        {"level": "None"},
    ],
}

_FLUSH_TIMEOUT = 10.0
# After the sentinel's entry appears: the last entry of a request that completed just
# before it may be written a moment later by its own goroutine.
_FLUSH_SETTLE = 0.05
_RBAC_TIMEOUT = 15.0


def audit_args(policy_file: Path, log_file: Path) -> list[str]:
    """kube-apiserver flags: write every audit event to ``log_file`` before answering."""
    return [
        f"--audit-policy-file={policy_file}",
        f"--audit-log-path={log_file}",
        "--audit-log-format=json",
        # Blocking: an event is written in the request's goroutine, not batched for later.
        "--audit-log-mode=blocking",
        "--audit-log-maxbackup=0",
        "--audit-log-maxsize=0",
    ]


@dataclass(frozen=True)
class AuditEntry:
    audit_id: str
    user: str
    received: float  # epoch seconds
    request_uri: str


def parse_audit_line(line: str) -> AuditEntry | None:
    """One JSON line of the audit log; None for anything but an audit Event."""
    try:
        event = json.loads(line)
    except json.JSONDecodeError:
        return None
    if not isinstance(event, dict) or event.get("kind") != "Event":
        return None
    received = datetime.fromisoformat(event["requestReceivedTimestamp"]).timestamp()
    return AuditEntry(
        audit_id=event["auditID"],
        user=event.get("user", {}).get("username", ""),
        received=received,
        request_uri=event.get("requestURI", ""),
    )


def count_requests(entries: Iterable[AuditEntry], user: str, start: float, end: float) -> int:
    """Requests (distinct audit IDs: one request logs several stages) that ``user`` sent
    within ``[start, end]``."""
    return len({e.audit_id for e in entries if e.user == user and start <= e.received <= end})


class AuditLog:
    """Reads the audit log incrementally (complete lines only) and keeps the parsed entries."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: list[AuditEntry] = []
        self._offset = 0

    def read_new(self) -> list[AuditEntry]:
        if not self.path.exists():
            return []
        with self.path.open("rb") as handle:
            handle.seek(self._offset)
            data = handle.read()
        complete = data.rfind(b"\n") + 1  # a line being written is read next time
        self._offset += complete
        new = [
            entry
            for line in data[:complete].decode("utf-8").splitlines()
            if (entry := parse_audit_line(line)) is not None
        ]
        self.entries.extend(new)
        return new


class RawApi:
    """A minimal aiohttp client for one token identity: plain JSON in and out."""

    def __init__(self, server: str, ca_file: Path, token: str, *, connections: int = 32) -> None:
        self.server = server
        self._ssl = ssl.create_default_context(cafile=str(ca_file))
        self._headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        self._connections = connections
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> RawApi:
        self._session = aiohttp.ClientSession(
            headers=self._headers,
            connector=aiohttp.TCPConnector(ssl=self._ssl, limit=self._connections),
        )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        content_type: str = "application/json",
        ok: Sequence[int] = (200, 201),
    ) -> tuple[int, Any]:
        """Send a request; raise unless the status is one of ``ok``; return (status, JSON)."""
        assert self._session is not None, "use `async with RawApi(...)`"
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": content_type} if data is not None else {}
        async with self._session.request(
            method, self.server + path, data=data, headers=headers
        ) as response:
            payload = await response.read()
            if response.status not in ok:
                text = payload[:500].decode(errors="replace")
                raise RuntimeError(f"{method} {path}: HTTP {response.status}: {text}")
            return response.status, json.loads(payload) if payload else None


class BenchCluster:
    """A ControlPlane with audit logging and an admin token user per peer.

    Use as ``with BenchCluster(identities) as cluster:``; then (inside a loop)
    ``await cluster.prepare(namespace)`` grants the identities and checks the audit log.
    """

    def __init__(self, identities: Sequence[str]) -> None:
        self.identities = tuple(dict.fromkeys([*identities, SENTINEL]))
        self._dir = Path(tempfile.mkdtemp(prefix="lscsde-bench-"))
        policy = self._dir / "audit-policy.yaml"
        policy.write_text(yaml.safe_dump(AUDIT_POLICY), encoding="utf-8")
        self.audit = AuditLog(self._dir / "audit.log")
        self.plane = ControlPlane(
            users=self.identities, apiserver_args=audit_args(policy, self.audit.path)
        )
        self._sentinels = 0
        self._namespace = "default"  # where sentinel requests go; set by prepare()

    def __enter__(self) -> BenchCluster:
        print("bench: starting kube-apiserver and etcd …", file=sys.stderr, flush=True)
        self.plane.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.plane.stop()
        self.audit.path.unlink(missing_ok=True)
        for leftover in self._dir.iterdir():
            leftover.unlink()
        self._dir.rmdir()

    def api(self, identity: str = "admin", *, connections: int = 32) -> RawApi:
        token = self.plane.identities[identity].token
        assert token is not None and self.plane.ca_file is not None
        return RawApi(self.plane.server_url, self.plane.ca_file, token, connections=connections)

    def kubeconfig(self, identity: str) -> str:
        return str(self.plane.kubeconfig_path(identity))

    async def kubernetes_version(self) -> str:
        async with self.api() as api:
            _, version = await api.request("GET", "/version")
        return str(version["gitVersion"])

    async def prepare(self, namespace: str) -> None:
        """Create ``namespace``, make every identity a cluster admin, prove auditing works."""
        async with self.api() as admin:
            await admin.request("POST", "/api/v1/namespaces", {"metadata": {"name": namespace}})
            await admin.request(
                "POST",
                "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
                {
                    "metadata": {"name": "lscsde-bench-peers"},
                    "roleRef": {
                        "apiGroup": "rbac.authorization.k8s.io",
                        "kind": "ClusterRole",
                        "name": "cluster-admin",
                    },
                    "subjects": [
                        {"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": name}
                        for name in self.identities
                    ],
                },
            )
            # RBAC reads bindings from an informer cache: wait until each user is allowed.
            async with asyncio.timeout(_RBAC_TIMEOUT):
                for name in self.identities:
                    # Polls: the authorizer's cache offers nothing to wait on.
                    while True:
                        if await self._allowed(admin, name, namespace):
                            break
                        await asyncio.sleep(0.05)
        self._namespace = namespace
        await self.flush()  # fails here, before any measurement, if nothing is audited

    async def _allowed(self, admin: RawApi, user: str, namespace: str) -> bool:
        _, review = await admin.request(
            "POST",
            "/apis/authorization.k8s.io/v1/subjectaccessreviews",
            {
                "apiVersion": "authorization.k8s.io/v1",
                "kind": "SubjectAccessReview",
                "spec": {
                    "user": user,
                    "groups": ["system:authenticated"],
                    "resourceAttributes": {
                        "namespace": namespace,
                        "verb": "list",
                        "group": "xlscsde.nhs.uk",
                        "resource": "analyticsworkspaces",
                    },
                },
            },
        )
        return bool(review.get("status", {}).get("allowed"))

    async def flush(self) -> None:
        """Return once every request answered so far is in the audit log.

        Sends a sentinel request (a GET of a workspace that does not exist) and reads the
        log until its entry appears; entries are written in the order requests complete.
        """
        self._sentinels += 1
        name = f"bench-audit-sentinel-{self._sentinels}"
        path = f"/apis/xlscsde.nhs.uk/v1/namespaces/{self._namespace}/analyticsworkspaces/{name}"
        async with self.api(SENTINEL, connections=1) as api:
            await api.request("GET", path, ok=(404,))
        try:
            async with asyncio.timeout(_FLUSH_TIMEOUT):
                while True:  # a file to poll: nothing to wait on
                    if any(e.request_uri == path for e in self.audit.read_new()):
                        break
                    await asyncio.sleep(0.01)
        except TimeoutError:
            raise RuntimeError(
                f"the audit log {self.audit.path} has no entry for {path} after "
                f"{_FLUSH_TIMEOUT}s: is audit logging on?"
            ) from None
        await asyncio.sleep(_FLUSH_SETTLE)
        self.audit.read_new()

    async def requests(self, identity: str, start: float, end: float) -> int:
        """Requests ``identity`` sent between ``start`` and ``end`` (epoch seconds)."""
        await self.flush()
        return count_requests(self.audit.entries, identity, start, end)
