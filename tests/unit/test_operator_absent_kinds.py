"""An operator with handlers for a kind the CRD release lacks imports, registers nothing for
it, and refuses to start, naming the handler and the kind."""

from __future__ import annotations

from typing import Any

import kopf
import pytest

from lscsde_sdk.absent import stand_in
from lscsde_sdk.operator import Context, Operator


async def test_handlers_of_an_absent_kind_are_not_registered_and_startup_refuses() -> None:
    registry = kopf.OperatorRegistry()
    operator = Operator("xlscsde.nhs.uk/test", registry=registry)
    absent_client: Any = stand_in(
        "AnalyticsWidgetClient", "AnalyticsWidget", "0.0.9", "lscsde_sdk.clients"
    )
    widgets = operator.kind(absent_client)

    @widgets.on_create()
    async def created(widget: Any, ctx: Context[Any, Any]) -> None:
        pass

    assert widgets.absent is not None
    assert registry._changing.get_all_handlers() == []
    with pytest.raises(kopf.PermanentError, match=r"created: .*AnalyticsWidget.*0\.0\.9"):
        await operator._start(settings=kopf.OperatorSettings())
