"""The users of a test control plane: the static token file and their kubeconfigs."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "ADMIN",
    "DEFAULT_USERS",
    "Identity",
    "new_identities",
    "render_kubeconfig",
    "render_token_file",
    "write_kubeconfig",
]

ADMIN = "admin"
DEFAULT_USERS = ("alice", "bob")
_CLUSTER = "lscsde-test"


@dataclass(frozen=True)
class Identity:
    """One user of the static token file (``system:authenticated`` is implied for all)."""

    name: str
    token: str | None  # None: the credentials of an external kubeconfig
    uid: str
    groups: tuple[str, ...] = ()


def new_identities(users: Sequence[str]) -> dict[str, Identity]:
    """``admin`` (``system:masters``) and each of ``users`` (no groups), with fresh tokens."""
    if ADMIN in users:
        raise ValueError(f"{ADMIN!r} is reserved for the system:masters identity")
    found = {ADMIN: Identity(ADMIN, secrets.token_urlsafe(32), "uid-admin", ("system:masters",))}
    for user in users:
        found[user] = Identity(user, secrets.token_urlsafe(32), f"uid-{user}", ())
    return found


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


def write_kubeconfig(
    path: Path, server: str, ca_file: str | os.PathLike[str], identity: Identity
) -> Path:
    """Write :func:`render_kubeconfig` of ``identity`` to ``path``, readable by the owner only."""
    if identity.token is None:
        raise ValueError(f"identity {identity.name!r} has no token")
    text = yaml.safe_dump(render_kubeconfig(server, ca_file, identity.name, identity.token))
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # also when the file was there already
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path
