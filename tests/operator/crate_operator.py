"""A kopf operator whose crate handler keeps reading its crate until it is gone: the run of a
handler whose object is deleted meanwhile (test_typed_handlers)."""

from __future__ import annotations

import asyncio

from lscsde_sdk.models import AnalyticsCrate, AnalyticsCrateStatus
from lscsde_sdk.operator import Context, Operator

operator = Operator("xlscsde.nhs.uk/test-crate-operator")


@operator.crates.on_create()
async def follow(crate: AnalyticsCrate, ctx: Context[AnalyticsCrate, AnalyticsCrateStatus]) -> None:
    ctx.logger.info("following the crate until it is gone")
    while True:
        await ctx.client.get(crate.namespace or "", crate.name)
        # The handler's poll interval, not a wait in a test: the test waits for the
        # NotFound this loop ends with once the crate is deleted.
        await asyncio.sleep(0.05)
