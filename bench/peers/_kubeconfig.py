"""A kubernetes_asyncio ``ApiClient`` for a kubeconfig file (peers built on that client)."""

from __future__ import annotations

from kubernetes_asyncio import client, config


async def api_client(kubeconfig: str) -> client.ApiClient:
    """A new ApiClient for the kubeconfig's current context; the caller closes it."""
    configuration = client.Configuration()
    await config.load_kube_config(config_file=kubeconfig, client_configuration=configuration)
    return client.ApiClient(configuration=configuration)
