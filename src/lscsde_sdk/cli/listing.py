"""What every list command shares: its selection options, and listing, showing and watching
the objects they select.

* ``-l/--selector`` and ``--field-selector`` are sent to the API server, which filters (for
  custom resources it supports the fields ``metadata.name`` and ``metadata.namespace``). A
  selector the server refuses is a usage error (exit 2) quoting the server's reason.
* ``-A/--all-namespaces`` lists every namespace and adds a NAMESPACE column.
* ``-w/--watch`` prints the list, then one line per change (the object's row, as kubectl
  prints it; ``--output-watch-events`` adds an EVENT column), until Ctrl-C, which exits 0.
  Changes come from the SDK's resuming watch (:class:`lscsde_sdk.runtime.Watcher`), which
  carries on across dropped connections, server timeouts and stalled streams without
  showing a change twice. With ``-o json``/``yaml`` each object is printed as its own
  document; with ``-o name``, its name.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final, Generic, TypeVar

from ..core.client import CustomResourceClient
from ..errors import BadRequestError
from ..resource import CustomResource
from ..runtime import EventType, Watcher, object_key
from .errors import EXIT_UNUSABLE, CliError
from .output import Column, Printer, TableLayout, resource_name, to_json, to_yaml
from .session import Session, check_empty_result

__all__ = [
    "EVENT_COLUMN",
    "NAMESPACE_COLUMN",
    "ListView",
    "ObjectTable",
    "Scope",
    "add_list_options",
    "list_objects",
    "run_list",
]

T = TypeVar("T", bound=CustomResource)

NAMESPACE_COLUMN: Final = Column("NAMESPACE")
EVENT_COLUMN: Final = Column("EVENT")


def add_list_options(parser: argparse.ArgumentParser, *, watch: bool = True) -> None:
    """``-l``, ``--field-selector``, ``-A`` and (with ``watch``) ``-w``,
    ``--output-watch-events``."""
    parser.add_argument(
        "-l",
        "--selector",
        metavar="SELECTOR",
        help="only objects whose labels match (key=value, key!=value, 'key in (a,b)', !key, "
        "comma-separated), selected by the API server",
    )
    parser.add_argument(
        "--field-selector",
        metavar="SELECTOR",
        help="only objects whose fields match, selected by the API server; it supports "
        "metadata.name and metadata.namespace for these kinds (metadata.name=NAME)",
    )
    parser.add_argument(
        "-A",
        "--all-namespaces",
        action="store_true",
        help="every namespace instead of one (adds a NAMESPACE column)",
    )
    if watch:
        parser.add_argument(
            "-w",
            "--watch",
            action="store_true",
            help="after the list, print a line per change until Ctrl-C (exit 0)",
        )
        parser.add_argument(
            "--output-watch-events",
            action="store_true",
            help="with --watch: show each change's type (ADDED, MODIFIED, DELETED)",
        )


@dataclass(frozen=True)
class Scope:
    """What a list selects: a namespace (``None``: all) and the selectors."""

    namespace: str | None
    label_selector: str | None = None
    field_selector: str | None = None

    @classmethod
    def of(cls, args: argparse.Namespace, session: Session) -> Scope:
        return cls(
            None if args.all_namespaces else session.namespace,
            args.selector,
            args.field_selector,
        )

    @property
    def all_namespaces(self) -> bool:
        return self.namespace is None


async def list_objects(
    client: CustomResourceClient[T, Any], scope: Scope, *, keep_managed_fields: bool = False
) -> list[T]:
    """Every object ``scope`` selects (with ``metadata.managedFields`` only when
    ``keep_managed_fields``). A selector the server refuses is a usage error."""
    try:
        return await client.list(
            scope.namespace,
            label_selector=scope.label_selector,
            field_selector=scope.field_selector,
            keep_managed_fields=keep_managed_fields,
        )
    except BadRequestError as error:
        if scope.label_selector is None and scope.field_selector is None:
            raise
        raise CliError(
            f"the API server refused the selector: {error.message}", EXIT_UNUSABLE
        ) from error


@dataclass(frozen=True)
class ObjectTable(Generic[T]):
    """How a list command shows objects: its columns, and an object's cells in them."""

    columns: tuple[Column, ...]
    row: Callable[[T], list[str]]


class ListView(Generic[T]):
    """Prints objects of one kind in the printer's format: all at once, or (``--watch``)
    a first list, then one object per change in the same columns."""

    def __init__(
        self,
        printer: Printer,
        table: ObjectTable[T],
        scope: Scope,
        *,
        watch_events: bool = False,
    ) -> None:
        self.printer = printer
        self.table = table
        self.scope = scope
        self.watch_events = watch_events
        self._layout: TableLayout | None = None

    @property
    def columns(self) -> tuple[Column, ...]:
        columns = self.table.columns
        if self.scope.all_namespaces:
            columns = (NAMESPACE_COLUMN, *columns)
        if self.watch_events:
            columns = (EVENT_COLUMN, *columns)
        return columns

    def cells(self, item: T, event: str = EventType.ADDED.value) -> list[str]:
        cells = self.table.row(item)
        if self.scope.all_namespaces:
            cells = [item.metadata.namespace or "", *cells]
        if self.watch_events:
            cells = [event, *cells]
        return cells

    def show(self, items: Sequence[T]) -> None:
        """The objects as the command's result."""
        self.printer.show(
            self.printer.resources(items),
            self.columns,
            [self.cells(item) for item in items],
            [resource_name(item) for item in items],
        )

    def start(self, items: Sequence[T]) -> None:
        """The first list of a watch: the table (or each object) as it is now."""
        printer = self.printer
        if printer.tabular:
            self._layout = printer.layout(self.columns, [self.cells(item) for item in items])
            printer.out.write(self._layout.render())
        else:
            for item in items:
                self.change(EventType.ADDED.value, item)
        printer.flush()

    def change(self, event: str, item: T) -> None:
        """One change, as a line (a table row or a name) or a document (JSON, YAML)."""
        printer = self.printer
        if printer.tabular:
            if self._layout is None:
                self._layout = printer.layout(self.columns, [])
            shown = printer.columns(self.columns)
            cells = self.cells(item, event)
            printer.line(self._layout.line([cells[i] for i in shown]))
        elif printer.format == "name":
            prefix = f"{event} " if self.watch_events else ""
            printer.line(f"{prefix}{resource_name(item)}")
        else:
            data = printer.resource(item)
            if self.watch_events:
                data = {"type": event, "object": data}
            printer.out.write(
                to_json(data) if printer.format == "json" else f"---\n{to_yaml(data)}"
            )
        printer.flush()


async def _watch(
    view: ListView[T],
    client: CustomResourceClient[T, Any],
    shown: dict[str, str | None],
    keep: Callable[[T], bool],
) -> None:
    """Print each change to the objects ``keep`` accepts (the client-side filters of a
    command); ``shown`` maps the objects printed so far to their resourceVersion.

    The watch lists for itself first rather than start at the version of the list shown:
    then, should its version expire during a long disconnection, it knows every object and
    reports those deleted meanwhile. Its first list reports each object as added; those
    already shown at that version are not printed again."""
    scope = view.scope
    watcher = Watcher(
        client,
        scope.namespace,
        label_selector=scope.label_selector,
        field_selector=scope.field_selector,
    )
    async for event in watcher.events():
        item = event.object
        if event.type is EventType.BOOKMARK or item is None:
            continue
        key = object_key(item)
        if event.type is EventType.DELETED or not keep(item):
            # Deleted, or changed so that the command's filters no longer accept it.
            if key in shown:
                del shown[key]
                view.change(EventType.DELETED.value, item)
            continue
        if key in shown and shown[key] == event.resource_version:
            continue  # listed (again) by the watch: not a change
        # An object shown before can only have changed, whatever its listing says.
        change = EventType.MODIFIED if key in shown else EventType.ADDED
        shown[key] = event.resource_version
        view.change(change.value, item)


async def run_list(
    args: argparse.Namespace,
    session: Session,
    printer: Printer,
    client: CustomResourceClient[T, Any],
    table: ObjectTable[T],
    what: str,
    keep: Callable[[T], bool] | None = None,
) -> int:
    """A list command: the objects the options select (and ``keep`` accepts), shown in the
    printer's format; with ``--watch``, then every change until Ctrl-C. ``what`` names the
    objects in the note that none were found."""
    accept = keep or (lambda _: True)
    scope = Scope.of(args, session)
    listed = await list_objects(client, scope, keep_managed_fields=printer.managed_fields)
    items = [item for item in listed if accept(item)]
    if not items:
        if scope.all_namespaces:
            if printer.tabular:
                printer.note(f"No {what} found in any namespace.")
        else:
            await check_empty_result(session, printer, what)
    view = ListView(printer, table, scope, watch_events=args.watch and args.output_watch_events)
    if not args.watch:
        view.show(items)
        return 0
    view.start(items)
    shown = {object_key(item): item.metadata.resource_version for item in items}
    await _watch(view, client, shown, accept)
    return 0
