"""An end-to-end check of the clients against the cluster of the current kubeconfig.

``python -m lscsde_workspace_mgmt.integrationtest --namespace NS`` creates a workspace and a
binding for a user in ``NS``, finds them as JupyterHub would, and deletes them again. Exit
status 0 when everything behaved.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import secrets
import sys
from datetime import date, timedelta

from kubernetes_asyncio import config
from kubernetes_asyncio.client import ApiClient

from .managers import AnalyticsWorkspaceManager
from .models import AnalyticsWorkspace, AnalyticsWorkspaceBinding


class IntegrationCheckFailed(AssertionError):
    """The cluster did not behave as the library expects."""


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise IntegrationCheckFailed(message)


async def run(api_client: ApiClient, namespace: str, log: logging.Logger) -> None:
    """Create, find and delete a workspace and a binding in ``namespace``."""
    manager = AnalyticsWorkspaceManager(api_client, log)
    suffix = secrets.token_hex(3)
    username = f"integration-{suffix}@example.org"
    name = f"integration-{suffix}"
    today = date.today()
    await manager.workspace_client.create(
        AnalyticsWorkspace.model_validate(
            {
                "metadata": {"name": name, "namespace": namespace},
                "spec": {
                    "displayName": "Integration check",
                    "description": "Created and deleted by lscsde_workspace_mgmt.integrationtest",
                    "validity": {
                        "availableFrom": today.isoformat(),
                        "expires": (today + timedelta(days=30)).isoformat(),
                    },
                    "jupyterWorkspace": {"image": "lscsde/datascience-notebook-default:0.1.0"},
                },
            }
        )
    )
    await manager.binding_client.create(
        AnalyticsWorkspaceBinding.model_validate(
            {
                "metadata": {"name": name, "namespace": namespace},
                "spec": {
                    "workspace": name,
                    "username": username,
                    "expires": (today + timedelta(days=7)).isoformat(),
                },
            }
        )
    )
    try:
        found = await manager.get_workspaces_for_user(namespace, username)
        _check(list(found) == [name], f"workspaces for {username}: {found}")
        spec = found[name].spec
        expires = spec.validity.expires if spec and spec.validity else None
        _check(
            expires == (today + timedelta(days=7)).isoformat(),
            f"the binding's earlier expiry should apply, got {expires}",
        )
        profiles = await manager.get_permitted_workspaces(namespace, username)
        _check([p["slug"] for p in profiles] == [name], f"{profiles}")
    finally:
        await manager.binding_client.delete(namespace=namespace, name=name)
        await manager.workspace_client.delete(namespace=namespace, name=name)
    log.info("integration check passed in namespace %s", namespace)


async def _main(namespace: str) -> None:
    await config.load_kube_config()
    async with ApiClient() as api_client:
        await run(api_client, namespace, logging.getLogger("lscsde_workspace_mgmt.integrationtest"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lscsde_workspace_mgmt.integrationtest")
    parser.add_argument("--namespace", default="default", help="where to create the objects")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    try:
        asyncio.run(_main(args.namespace))
    except IntegrationCheckFailed as failure:
        print(f"integration check failed: {failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
