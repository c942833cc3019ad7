"""A kopf operator for one consumer's kind ($LSCSDE_TEST_CONSUMER), run by test_kopf_roles
under that consumer's Role: it reports on each object in its status and in an event when it
is created, and again when it is updated."""

from __future__ import annotations

import os
from typing import Any

from lscsde_sdk.clients import (
    AnalyticsCrateClient,
    AnalyticsDataSourceClient,
    AnalyticsWorkspaceBindingClient,
    CustomResourceClient,
)
from lscsde_sdk.operator import Context, Operator

KINDS: dict[str, type[CustomResourceClient[Any, Any]]] = {
    "datasource-operator": AnalyticsDataSourceClient,
    "crate-operator": AnalyticsCrateClient,
    "workspace-binding-operator": AnalyticsWorkspaceBindingClient,
}

consumer = os.environ["LSCSDE_TEST_CONSUMER"]
operator = Operator(f"xlscsde.nhs.uk/{consumer}")
kind = operator.kind(KINDS[consumer])


@kind.on_create()
async def created(resource: Any, ctx: Context[Any, Any]) -> None:
    ctx.status.status_text = "Handled"
    await ctx.record("Handled", f"{resource.name} handled")


@kind.on_update(field="spec")
async def updated(resource: Any, ctx: Context[Any, Any]) -> None:
    ctx.status.status_text = f"Handled generation {resource.metadata.generation}"
