"""Namespaces for tests: a fresh one each, since no namespace controller deletes any."""

from __future__ import annotations

import re
import secrets

from kubernetes_asyncio import client

__all__ = ["create_namespace"]


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
