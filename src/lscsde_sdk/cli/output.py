"""What the commands print: tables as kubectl prints them, names, JSON and YAML.

Every command shows one result in the format of ``-o/--output``:

* ``table`` (the default) for people: every cell whole, columns aligned. Only free-text
  columns (display names, descriptions, status texts: ``Column(shrink=True)``) are ever cut,
  and only when stdout is a terminal narrower than the table; names are never cut, and piped
  output is never cut at all. ``--no-headers`` leaves out the header line.
* ``wide``: the table with the columns that are useful but long (``Column(wide=True)``).
* ``name``: ``<kind>.<group>/<name>`` of each object, one per line, as ``kubectl get -o name``
  prints custom resources (:func:`resource_name`).
* ``json`` / ``yaml``: the same data for programs. Resources are shown as the API server
  returns them (``model.to_api()``) but for ``metadata.managedFields``, which kubectl leaves
  out too unless ``--show-managed-fields`` (:meth:`Printer.resource`); several of them as a
  ``List``, as kubectl does.

Progress, notes and warnings go to stderr so that stdout stays parseable.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal, TextIO

import yaml

from ..resource import CustomResource

__all__ = [
    "ELLIPSIS",
    "FORMATS",
    "REPORT_FORMATS",
    "Column",
    "Format",
    "Printer",
    "TableLayout",
    "fit_widths",
    "render_table",
    "resource_name",
    "to_json",
    "to_yaml",
    "truncate",
]

Format = Literal["table", "wide", "name", "json", "yaml"]
#: Every output format (commands that print objects accept them all).
FORMATS: Final[tuple[Format, ...]] = ("table", "wide", "name", "json", "yaml")
#: The formats of commands whose result is not a set of objects (a report, a state).
REPORT_FORMATS: Final[tuple[Format, ...]] = ("table", "json", "yaml")
#: Marks a cell that was cut to fit.
ELLIPSIS: Final = "…"
_GAP: Final = 2


@dataclass(frozen=True)
class Column:
    """A table column.

    ``shrink``: its cells are free text (a display name, a description) that may be cut when
    stdout is a terminal narrower than the table, never below ``min_width`` (default: the
    header's width); other columns (names, dates, states) are never cut. ``wide``: shown only
    with ``-o wide``.
    """

    header: str
    shrink: bool = False
    min_width: int | None = None
    wide: bool = False

    @property
    def narrowest(self) -> int:
        return max(1, self.min_width if self.min_width is not None else len(self.header))


def resource_name(item: CustomResource) -> str:
    """``<kind>.<group>/<name>``, lower-case kind: what ``kubectl get -o name`` prints for a
    custom resource, and what kubectl accepts back (``kubectl get <that>``)."""
    info = item.__resource__
    return f"{info.kind.lower()}.{info.group}/{item.metadata.name or ''}"


def _one_line(text: str) -> str:
    """``text`` with line breaks, tabs and other control characters shown as spaces, so a
    multi-line description cannot break the table's layout."""
    return "".join(" " if unicodedata.category(c).startswith("C") else c for c in text)


def truncate(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters, ending in ``…`` when cut."""
    if len(text) <= width:
        return text
    return text[: max(width - 1, 0)] + ELLIPSIS if width > 0 else ""


def fit_widths(
    columns: Sequence[Column],
    rows: Sequence[Sequence[str]],
    width: int | None = None,
    *,
    headers: bool = True,
) -> list[int]:
    """Column widths: each column as wide as its widest cell (and its header, when
    ``headers`` are shown); with a ``width`` (a terminal's), the widest free-text column
    narrowed one character at a time until the table fits in it (with two spaces between
    columns) or no free-text column can give more."""
    widths = [
        max([len(column.header) if headers else 0, *(len(row[index]) for row in rows)])
        for index, column in enumerate(columns)
    ]
    if width is None:
        return widths
    budget = width - _GAP * (len(columns) - 1)
    while sum(widths) > budget:
        candidates = [
            index
            for index, column in enumerate(columns)
            if column.shrink and widths[index] > column.narrowest
        ]
        if not candidates:
            break
        widest = max(candidates, key=lambda index: widths[index])
        widths[widest] -= 1
    return widths


def _cells(row: Sequence[Any], columns: Sequence[Column]) -> list[str]:
    cells = [_one_line(str(cell)) for cell in row]
    if len(cells) != len(columns):
        raise ValueError(f"a row has {len(cells)} cells for {len(columns)} columns: {cells}")
    return cells


class TableLayout:
    """The columns' widths, fixed by the rows first shown, for printing rows one at a time
    (``--watch`` prints the table, then a line per change in the same columns).

    ``width`` is the terminal's (``None``: not a terminal, nothing is cut). A later row with
    a longer cell is printed whole (free text cut to its column in a terminal). ``headers``:
    whether the header line is printed (and counts for the widths)."""

    def __init__(
        self,
        columns: Sequence[Column],
        rows: Iterable[Sequence[Any]],
        width: int | None = None,
        *,
        headers: bool = True,
    ) -> None:
        self.columns = tuple(columns)
        self.rows = [_cells(row, self.columns) for row in rows]
        self.width = width
        self.headers = headers
        self.widths = fit_widths(self.columns, self.rows, width, headers=headers)

    def line(self, row: Sequence[Any]) -> str:
        cells = _cells(row, self.columns)
        parts = []
        for column, cell, width in zip(self.columns, cells, self.widths, strict=True):
            if column.shrink and self.width is not None:
                cell = truncate(cell, width)
            parts.append(cell.ljust(width))
        return (" " * _GAP).join(parts).rstrip()

    def header(self) -> str:
        return self.line([column.header for column in self.columns])

    def render(self) -> str:
        lines = [self.header()] if self.headers else []
        lines += [self.line(row) for row in self.rows]
        return "".join(line + "\n" for line in lines)


def render_table(
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    width: int | None = None,
    *,
    headers: bool = True,
) -> str:
    """The rows under their headers, aligned; free text cut to fit ``width`` when one is
    given (see :func:`fit_widths`)."""
    return TableLayout(columns, rows, width, headers=headers).render()


def to_json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def to_yaml(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False)


class Printer:
    """Writes a command's result to ``out`` in ``format``, and notes to ``err``.

    ``width``: the terminal's width when ``out`` is a terminal (free text is cut to fit it),
    ``None`` otherwise. ``headers``: whether tables have their header line.
    ``managed_fields``: whether resources shown as JSON or YAML keep
    ``metadata.managedFields`` (``--show-managed-fields``)."""

    def __init__(
        self,
        out: TextIO,
        err: TextIO,
        format: Format = "table",
        *,
        width: int | None = None,
        headers: bool = True,
        managed_fields: bool = False,
    ) -> None:
        self.out = out
        self.err = err
        self.format = format
        self.width = width
        self.headers = headers
        self.managed_fields = managed_fields

    def resource(self, item: CustomResource) -> dict[str, Any]:
        """``item`` as the API server returns it, without ``metadata.managedFields`` unless
        :attr:`managed_fields`: the server's bookkeeping of who set which field, as long as
        the rest of the object, and hidden by kubectl too."""
        data = item.to_api()
        metadata = data.get("metadata")
        if not self.managed_fields and isinstance(metadata, dict):
            metadata.pop("managedFields", None)
        return data

    def resources(self, items: Iterable[CustomResource]) -> dict[str, Any]:
        """Objects as the API server returns a list of them (``kubectl get -o json`` does
        the same for several objects), each as :meth:`resource` shows it."""
        return {
            "apiVersion": "v1",
            "kind": "List",
            "metadata": {"resourceVersion": ""},
            "items": [self.resource(item) for item in items],
        }

    @property
    def tabular(self) -> bool:
        """Whether the result is a table (``table`` or ``wide``)."""
        return self.format in ("table", "wide")

    def columns(self, columns: Sequence[Column]) -> list[int]:
        """The indexes of the columns this format shows (``wide`` ones only with -o wide)."""
        return [i for i, column in enumerate(columns) if self.format == "wide" or not column.wide]

    def layout(self, columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> TableLayout:
        """The table of ``rows`` with the columns this format shows."""
        shown = self.columns(columns)
        return TableLayout(
            [columns[i] for i in shown],
            ([row[i] for i in shown] for row in rows),
            self.width,
            headers=self.headers,
        )

    def show(
        self,
        data: Any,
        columns: Sequence[Column] = (),
        rows: Iterable[Sequence[Any]] = (),
        names: Iterable[str] | None = None,
    ) -> None:
        """The result: ``rows`` under ``columns`` as a table, ``names`` one per line, else
        ``data`` as JSON/YAML."""
        if self.format == "json":
            self.out.write(to_json(data))
        elif self.format == "yaml":
            self.out.write(to_yaml(data))
        elif self.format == "name":
            if names is None:
                raise ValueError("this result has no object names to print")
            self.out.write("".join(f"{name}\n" for name in names))
        else:
            self.out.write(self.layout(columns, rows).render())

    def line(self, text: str = "") -> None:
        """A line of the result (stdout)."""
        self.out.write(text + "\n")

    def flush(self) -> None:
        """Make what was printed visible now (stdout is block-buffered when piped)."""
        self.out.flush()
        self.err.flush()

    def note(self, text: str) -> None:
        """Progress or a remark about the result (stderr)."""
        self.err.write(text + "\n")
        self.err.flush()
