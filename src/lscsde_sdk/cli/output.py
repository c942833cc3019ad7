"""What the commands print: tables that fit 80 columns, JSON and YAML.

Every command shows one result in the format of ``-o/--output``: a table (the default) for
people, or the same data as JSON or YAML for programs. Resources are shown in JSON and YAML as
the API server returns them (``model.to_api()``); several of them as a ``List``, as kubectl
does. Progress, notes and warnings go to stderr so that stdout stays parseable.
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
    "TABLE_WIDTH",
    "Column",
    "Format",
    "Printer",
    "api_list",
    "fit_widths",
    "render_table",
    "to_json",
    "to_yaml",
    "truncate",
]

Format = Literal["table", "json", "yaml"]
FORMATS: Final[tuple[Format, ...]] = ("table", "json", "yaml")
#: Tables never print lines longer than this.
TABLE_WIDTH: Final = 80
#: Marks a cell that was cut to fit.
ELLIPSIS: Final = "…"
_GAP: Final = 2


@dataclass(frozen=True)
class Column:
    """A table column: its header, and whether its cells may be cut to make the table fit.

    ``min_width`` is the narrowest a cut column becomes (default: its header's width).
    """

    header: str
    shrink: bool = True
    min_width: int | None = None

    @property
    def narrowest(self) -> int:
        return max(1, self.min_width if self.min_width is not None else len(self.header))


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
    columns: Sequence[Column], rows: Sequence[Sequence[str]], width: int = TABLE_WIDTH
) -> list[int]:
    """Column widths that fit the table in ``width`` characters (with two spaces between
    columns): each column as wide as its widest cell, then the widest shrinkable column
    narrowed one character at a time until the table fits or no column can give more."""
    widths = [
        max([len(column.header), *(len(row[index]) for row in rows)])
        for index, column in enumerate(columns)
    ]
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


def render_table(
    columns: Sequence[Column], rows: Iterable[Sequence[str]], width: int = TABLE_WIDTH
) -> str:
    """The rows under their headers, aligned, cut to fit ``width`` (see :func:`fit_widths`)."""
    cells = [[_one_line(str(cell)) for cell in row] for row in rows]
    for row in cells:
        if len(row) != len(columns):
            raise ValueError(f"a row has {len(row)} cells for {len(columns)} columns: {row}")
    widths = fit_widths(columns, cells, width)
    lines = []
    for row in [[column.header for column in columns], *cells]:
        parts = [truncate(cell, widths[i]).ljust(widths[i]) for i, cell in enumerate(row)]
        lines.append((" " * _GAP).join(parts).rstrip())
    return "\n".join(lines) + "\n"


def to_json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def to_yaml(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False)


def api_list(items: Iterable[CustomResource]) -> dict[str, Any]:
    """Objects as the API server returns a list of them (``kubectl get -o json`` does the
    same for several objects)."""
    return {
        "apiVersion": "v1",
        "kind": "List",
        "metadata": {"resourceVersion": ""},
        "items": [item.to_api() for item in items],
    }


class Printer:
    """Writes a command's result to ``out`` in ``format``, and notes to ``err``."""

    def __init__(self, out: TextIO, err: TextIO, format: Format = "table") -> None:
        self.out = out
        self.err = err
        self.format = format

    @property
    def tabular(self) -> bool:
        return self.format == "table"

    def show(
        self, data: Any, columns: Sequence[Column] = (), rows: Iterable[Sequence[str]] = ()
    ) -> None:
        """The result: ``rows`` under ``columns`` as a table, else ``data`` as JSON/YAML."""
        if self.format == "json":
            self.out.write(to_json(data))
        elif self.format == "yaml":
            self.out.write(to_yaml(data))
        else:
            self.out.write(render_table(columns, rows))

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
