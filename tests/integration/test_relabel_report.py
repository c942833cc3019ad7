"""What ``relabel`` tells its caller beyond the changes: progress while it works, and the
field value each label is made from (so a report can say whose label a stale one is not)."""

from __future__ import annotations

import pytest
from kubernetes_asyncio.client import ApiClient

from lscsde_sdk.clients import AnalyticsWorkspaceBindingClient

from .factories import create_as_another_tool

pytestmark = pytest.mark.integration


async def test_relabel_reports_progress_and_the_value_behind_each_label(
    admin_api: ApiClient, namespace: str
) -> None:
    client = AnalyticsWorkspaceBindingClient(admin_api)
    for number, labels in enumerate([{}, {"xlscsde.nhs.uk/username": "bob___example.org"}]):
        await create_as_another_tool(
            client,
            {
                "metadata": {"name": f"b{number}", "namespace": namespace, "labels": labels},
                "spec": {"workspace": "w", "username": "Dana@Example.org", "expires": "2099-01-01"},
            },
        )
    seen: list[tuple[int, int]] = []

    report = await client.relabel(namespace, dry_run=True, progress=lambda *p: seen.append(p))

    assert seen == [(0, 2), (1, 2), (2, 2)]
    assert [(c.name, c.old, c.new, c.value) for c in report.changed] == [
        ("b0", None, "dana___example.org", "Dana@Example.org"),
        ("b1", "bob___example.org", "dana___example.org", "Dana@Example.org"),
    ]
