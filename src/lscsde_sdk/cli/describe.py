"""The text of ``describe``, laid out as kubectl lays out its own: ``Key:  value`` lines
aligned per block, nested sections indented by two, tables under a heading, ``<none>`` for
what is empty.

:meth:`Description.model` shows a spec or status field by field (``displayName`` as
``Display Name``). Secrets (connection strings, tokens) are shown as ``**********``, and
so are fields this SDK does not know (a newer CRD release may have put a secret there);
``kubectl.kubernetes.io/last-applied-configuration`` is not shown, as it repeats the object
with its secrets.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Final

from pydantic import BaseModel, SecretStr

from ..resource import CustomResource
from ..secrets import MASK
from .output import Column, render_table

__all__ = ["NONE", "UNKNOWN_FIELD", "Description", "age", "one_line"]

NONE: Final = "<none>"
#: How a field this SDK does not know is shown.
UNKNOWN_FIELD: Final = f"{MASK} (a field this SDK does not know; not shown)"
_LAST_APPLIED: Final = "kubectl.kubernetes.io/last-applied-configuration"
_HIDDEN_ANNOTATION: Final = "(not shown: it repeats the object, secrets included)"
_WORD_START = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def one_line(text: str) -> str:
    """``text`` with control characters (line breaks, tabs) as spaces."""
    return "".join(" " if unicodedata.category(c).startswith("C") else c for c in text)


def _title(name: str) -> str:
    """``displayName`` -> ``Display Name``, as kubectl describe names a custom resource's
    fields."""
    words = _WORD_START.sub(" ", name).split(" ")
    return " ".join(word[:1].upper() + word[1:] for word in words)


def age(moment: datetime, now: datetime | None = None) -> str:
    """How long ago ``moment`` was, in kubectl's units: seconds up to 2 minutes, minutes up
    to 3 hours, hours up to 2 days, then days (``45s``, ``12m``, ``5h``, ``3d``)."""
    seconds = max(0, int(((now or datetime.now(UTC)) - moment).total_seconds()))
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 3 * 3600:
        return f"{seconds // 60}m"
    if seconds < 48 * 3600:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


def _scalar(value: Any) -> str:
    if isinstance(value, SecretStr):
        return MASK
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return one_line(str(value))


def _is_scalar(value: Any) -> bool:
    return not isinstance(value, BaseModel | Mapping | list | tuple)


@dataclass(frozen=True)
class _Field:
    indent: int
    key: str
    values: tuple[str, ...]  # one line each; () for a heading
    bullet: bool = False  # the first field of a list item: "- Key: value"


@dataclass(frozen=True)
class _Text:
    text: str


class Description:
    """The lines of one ``describe``; :meth:`text` lays them out."""

    def __init__(self, width: int | None = None) -> None:
        #: The terminal's width (free text in tables is cut to it), ``None`` when piped.
        self.width = width
        self._entries: list[_Field | _Text] = []

    def field(self, key: str, value: Any, indent: int = 0) -> None:
        """``Key:  value``; a list of values one per line; empty as ``<none>``."""
        if isinstance(value, list | tuple):
            values = tuple(_scalar(v) for v in value) or (NONE,)
        else:
            values = (NONE,) if value is None or value == "" else (_scalar(value),)
        self._entries.append(_Field(indent, key, values))

    def heading(self, key: str, indent: int = 0) -> None:
        """``Key:`` above the indented lines that follow."""
        self._entries.append(_Field(indent, key, ()))

    def table(
        self,
        key: str,
        columns: Sequence[Column],
        rows: Iterable[Sequence[str]],
        indent: int = 0,
        *,
        note: str | None = None,
    ) -> None:
        """``Key:`` with a table under it (``note`` after the key), or ``Key:  <none>``."""
        rows = list(rows)
        if not rows:
            self.field(key, f"{NONE}{f'  ({note})' if note else ''}", indent)
            return
        self.field(key, f"({note})", indent) if note else self.heading(key, indent)
        width = None if self.width is None else self.width - indent - 2
        for line in render_table(columns, rows, width).splitlines():
            self._entries.append(_Text(" " * (indent + 2) + line))

    def metadata(self, item: CustomResource) -> None:
        """Name, namespace, kind, labels, annotations and age of ``item``."""
        metadata = item.metadata
        self.field("Name", metadata.name)
        self.field("Namespace", metadata.namespace)
        self.field("Kind", f"{item.__resource__.kind} ({item.__resource__.api_version})")
        labels = metadata.labels or {}
        self.field("Labels", [f"{key}={value}" for key, value in sorted(labels.items())])
        annotations = {
            key: _HIDDEN_ANNOTATION if key == _LAST_APPLIED else value
            for key, value in (metadata.annotations or {}).items()
        }
        self.field("Annotations", [f"{key}: {value}" for key, value in sorted(annotations.items())])
        created = metadata.creation_timestamp
        self.field("Created", f"{created.isoformat()} ({age(created)} ago)" if created else None)
        if metadata.deletion_timestamp is not None:
            self.field("Deleting Since", metadata.deletion_timestamp.isoformat())

    def resource(self, item: CustomResource) -> None:
        """:meth:`metadata`, then the spec and the status field by field."""
        self.metadata(item)
        for key in ("spec", "status"):
            value = getattr(item, key, None)
            if value is None:
                self.field(key.title(), None)
            else:
                self.model(key.title(), value)

    def model(self, key: str, value: Any, indent: int = 0) -> None:
        """``value`` (a model, mapping, list or scalar) under ``key``, field by field."""
        self._value(key, value, indent, bullet=False)

    def _value(self, key: str, value: Any, indent: int, *, bullet: bool) -> None:
        if _is_scalar(value):
            self._entries.append(_Field(indent, key, (_scalar(value),), bullet))
        elif isinstance(value, list | tuple):
            if all(_is_scalar(element) for element in value):
                shown = ", ".join(_scalar(element) for element in value) or NONE
                self._entries.append(_Field(indent, key, (shown,), bullet))
                return
            self._entries.append(_Field(indent, key, (), bullet))
            for element in value:
                self._item(element, indent + 2)
        else:
            children = list(_children(value))
            self._entries.append(_Field(indent, key, () if children else (NONE,), bullet))
            for child_key, child in children:
                self._value(child_key, child, indent + 2, bullet=False)

    def _item(self, element: Any, indent: int) -> None:
        """One element of a list: ``- value``, or ``- Key: value`` then the object's other
        fields under it."""
        if _is_scalar(element) or isinstance(element, list | tuple):
            self._entries.append(_Text(f"{' ' * indent}- {_scalar(element)}"))
            return
        for position, (child_key, child) in enumerate(_children(element)):
            self._value(child_key, child, indent + 2, bullet=position == 0)

    def text(self) -> str:
        """The lines, the values of each block of fields aligned as kubectl aligns them."""
        lines: list[str] = []
        entries = self._entries
        # Top-level values line up over the whole description, nested ones per block.
        top = [e for e in entries if isinstance(e, _Field) and e.indent == 0 and e.values]
        top_pad = max((len(e.key) for e in top), default=0) + 3
        index = 0
        while index < len(entries):
            entry = entries[index]
            if isinstance(entry, _Text):
                lines.append(entry.text.rstrip())
                index += 1
                continue
            end = index
            while (
                end < len(entries)
                and isinstance(entries[end], _Field)
                and entries[end].indent == entry.indent  # type: ignore[union-attr]
            ):
                end += 1
            block = [e for e in entries[index:end] if isinstance(e, _Field)]
            pad = max((len(f.key) for f in block if f.values), default=0) + 3
            if entry.indent == 0:
                pad = top_pad
            for field in block:
                lines.extend(_field_lines(field, pad))
            index = end
        return "".join(line + "\n" for line in lines)


def _field_lines(field: _Field, pad: int) -> list[str]:
    lead = " " * field.indent
    if field.bullet:
        lead = " " * max(field.indent - 2, 0) + "- "
    if not field.values:
        return [f"{lead}{field.key}:"]
    first = f"{lead}{field.key}:".ljust(field.indent + pad)
    rest = " " * (field.indent + pad)
    return [(first if i == 0 else rest) + value for i, value in enumerate(field.values)]


def _children(value: Any) -> Iterable[tuple[str, Any]]:
    """The fields of a model (titled, unknown ones masked) or the entries of a mapping (keys
    as they are: they are data, such as resource names), leaving out empty ones."""
    if isinstance(value, BaseModel):
        for name, info in type(value).model_fields.items():
            child = getattr(value, name)
            if child is not None:
                yield _title(info.alias or name), child
        for extra in value.__pydantic_extra__ or {}:
            yield _title(extra), UNKNOWN_FIELD
    elif isinstance(value, Mapping):
        for key, child in value.items():
            if child is not None:
                yield str(key), child
