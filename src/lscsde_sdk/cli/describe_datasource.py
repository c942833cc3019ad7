"""``lscsde datasources describe NAME``: a data source, the workspaces it is bound to, and
its recent events. Secrets in its connections are shown masked."""

from __future__ import annotations

import argparse
from typing import Final

from ..clients import (
    AnalyticsDataSourceBindingClient,
    AnalyticsDataSourceClient,
    AnalyticsWorkspaceClient,
)
from ..converters import today
from .describe import Description
from .lookup_labels import label_states
from .object_events import describe_events
from .output import Column, Printer
from .session import Session
from .start_today import applies_on

__all__ = ["describe_datasource"]

BINDING_COLUMNS: Final = (
    Column("NAME"),
    Column("WORKSPACE"),
    Column("EXPIRES"),
    Column("APPLIES TODAY"),
)


async def describe_datasource(args: argparse.Namespace, session: Session, printer: Printer) -> int:
    transport, namespace = session.transport, session.namespace
    client = AnalyticsDataSourceClient(transport)
    datasource = await client.get(namespace, args.name)
    out = Description(printer.width)
    out.resource(datasource)
    out.field("Lookup Label", [s.explain() for s in label_states(client.field_indexes, datasource)])
    bindings = sorted(
        (
            binding
            for binding in await AnalyticsDataSourceBindingClient(transport).list(namespace)
            if binding.spec is not None and binding.spec.datasource == datasource.name
        ),
        key=lambda binding: binding.name,
    )
    workspaces = await AnalyticsWorkspaceClient(transport).get_many(
        namespace, sorted({b.spec.workspace for b in bindings if b.spec})
    )
    day = today()
    rows = []
    for binding in bindings:
        spec = binding.spec
        assert spec is not None
        missing = None if spec.workspace in workspaces else f"workspace {spec.workspace}"
        applies = applies_on(spec.expires, missing, day)
        rows.append([binding.name, spec.workspace, str(spec.expires or "never"), applies])
    out.table(
        "Bindings",
        BINDING_COLUMNS,
        rows,
        note="every data source binding of the namespace naming it, whoever wrote it",
    )
    await describe_events(out, transport, datasource)
    printer.out.write(out.text())
    return 0
