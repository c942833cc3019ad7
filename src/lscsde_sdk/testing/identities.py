"""The users of a test control plane: the static token file and their kubeconfigs."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ADMIN",
    "DEFAULT_USERS",
    "Identity",
    "render_kubeconfig",
    "render_token_file",
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
