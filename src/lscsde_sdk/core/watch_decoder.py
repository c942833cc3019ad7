"""The watch wire format: typed events, and a pure decoder from the stream's bytes to them.

A watch answer is a chunked stream of JSON documents, one per line: ``{"type": ...,
"object": ...}``. Chunks do not line up with lines. :class:`WatchDecoder` is fed chunks as
they come and returns what their complete lines hold, keeping a partial line for the next
chunk; it does no I/O, so it is tested without a server.

* ``ADDED``, ``MODIFIED``, ``DELETED``: a :class:`WatchEvent` with the object validated
  straight from the line's bytes by pydantic-core (no Python per object);
* ``BOOKMARK``: a :class:`WatchEvent` with no object and the version it carries;
* ``ERROR``: a :class:`WatchStatus` (the server ends the watch; 410 Gone means the version
  watched from is too old);
* anything else (not JSON, not a watch event, a stream that ends inside a line) is a
  :class:`MalformedWatchEventError`, which names what was wrong but quotes nothing of it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from ..resource import CustomResource
from .errors import ApiError, LscsdeError, api_error_from_response
from .redaction import Redaction

__all__ = [
    "EventType",
    "MalformedWatchEventError",
    "WatchDecoder",
    "WatchEvent",
    "WatchStatus",
]

ResourceT = TypeVar("ResourceT", bound=CustomResource)


class EventType(StrEnum):
    ADDED = "ADDED"
    MODIFIED = "MODIFIED"
    DELETED = "DELETED"
    BOOKMARK = "BOOKMARK"


@dataclass(frozen=True)
class WatchEvent(Generic[ResourceT]):
    """One change. ``object`` is the object after it (for ``DELETED``, its last state; for
    ``BOOKMARK``, ``None``). ``final_state_unknown``: a ``DELETED`` found by listing again,
    whose object is the last state seen (or only its name) rather than its final one."""

    type: EventType
    object: ResourceT | None
    resource_version: str | None
    final_state_unknown: bool = False


@dataclass(frozen=True)
class WatchStatus:
    """An ``ERROR`` event: the server ends the watch with this ``Status``."""

    code: int
    reason: str | None
    message: str | None
    body: bytes  # the Status as JSON, for the typed error

    @property
    def expired(self) -> bool:
        """The version the watch started from is too old (410: list again)."""
        return self.code == 410

    def error(self, path: str, redaction: Redaction | None = None) -> ApiError:
        """The typed error of this status (:class:`~lscsde_sdk.errors.GoneError` for 410),
        with what ``redaction`` says is secret masked."""
        return api_error_from_response(
            self.code, self.body, method="WATCH", path=path, redaction=redaction
        )


class MalformedWatchEventError(LscsdeError):
    """A watch stream carried something that is not a watch event. The message says what
    was wrong and where, never the content (it may hold an object's secrets)."""


# -- the line's shapes, validated in one pydantic-core call ------------------------------------


class _BookmarkMeta(BaseModel):
    model_config = ConfigDict(validate_by_alias=True)
    resource_version: Annotated[str | None, Field(alias="resourceVersion")] = None


class _BookmarkObject(BaseModel):
    metadata: _BookmarkMeta = Field(default_factory=_BookmarkMeta)


class _BookmarkLine(BaseModel):
    type: Literal["BOOKMARK"]
    object: _BookmarkObject


class _ErrorLine(BaseModel):
    type: Literal["ERROR"]
    object: dict[str, Any]


class _ObjectLine(BaseModel, Generic[ResourceT]):
    type: Literal["ADDED", "MODIFIED", "DELETED"]
    object: ResourceT


_ADAPTERS: dict[type[CustomResource], TypeAdapter[Any]] = {}


def line_adapter(kind: type[CustomResource]) -> TypeAdapter[Any]:
    """The validator of one line of a watch of ``kind`` (built once per kind)."""
    adapter = _ADAPTERS.get(kind)
    if adapter is None:
        line = Annotated[
            _ObjectLine[kind] | _BookmarkLine | _ErrorLine,  # type: ignore[valid-type]
            Field(discriminator="type"),
        ]
        adapter = _ADAPTERS[kind] = TypeAdapter(line)
    return adapter


_OBJECT_TYPES = frozenset(("ADDED", "MODIFIED", "DELETED"))


class WatchDecoder(Generic[ResourceT]):
    """Turns the chunks of a watch of ``kind`` into its events, line by line."""

    def __init__(self, kind: type[ResourceT]) -> None:
        self.kind = kind
        self._adapter = line_adapter(kind)
        self._partial: list[bytes] = []  # the start of a line whose end has not come yet

    def feed(self, chunk: bytes) -> Iterator[WatchEvent[ResourceT] | WatchStatus]:
        """The events of the lines ``chunk`` completes, decoded as they are iterated (a
        malformed line raises when reached, after the events before it)."""
        return map(self.decode_line, self._complete_lines(chunk))

    def end(self) -> None:
        """The stream ended: :class:`MalformedWatchEventError` if it ended inside a line."""
        rest = b"".join(self._partial).strip()
        self._partial.clear()
        if rest:
            raise MalformedWatchEventError(
                f"the watch stream ended inside an event ({len(rest)} bytes without a line end)"
            )

    def decode_line(self, line: bytes) -> WatchEvent[ResourceT] | WatchStatus:
        """One complete line (without its ``\\n``)."""
        try:
            parsed = self._adapter.validate_json(line)
        except ValidationError as error:
            raise self._refused(line, error) from None
        if isinstance(parsed, _ObjectLine):
            obj = parsed.object
            return WatchEvent(EventType(parsed.type), obj, obj.metadata.resource_version)
        if isinstance(parsed, _BookmarkLine):
            return WatchEvent(EventType.BOOKMARK, None, parsed.object.metadata.resource_version)
        status = parsed.object
        code = status.get("code")
        return WatchStatus(
            code=code if isinstance(code, int) and 400 <= code <= 599 else 500,
            reason=_text(status.get("reason")),
            message=_text(status.get("message")),
            body=json.dumps(status).encode(),
        )

    def _complete_lines(self, chunk: bytes) -> list[bytes]:
        # Split now (not lazily) so that the partial line is kept whatever the caller reads.
        if b"\n" not in chunk:
            if chunk:
                self._partial.append(chunk)
            return []
        first, *lines, rest = chunk.split(b"\n")
        if self._partial:
            first = b"".join((*self._partial, first))
            self._partial.clear()
        if rest:
            self._partial.append(rest)
        return [line for line in (first, *lines) if line.strip()]

    def _refused(self, line: bytes, error: ValidationError) -> Exception:
        """Why ``line`` was refused: an object the models refuse is its (redacted)
        ValidationError, as from ``from_api``; anything else is a malformed line."""
        try:
            document = json.loads(line)
        except ValueError:
            return MalformedWatchEventError(f"a watch event is not JSON ({len(line)} bytes)")
        if not isinstance(document, dict):
            return MalformedWatchEventError(
                f"a watch event is a JSON {type(document).__name__}, not an object"
            )
        kind = document.get("type")
        obj = document.get("object")
        if kind in _OBJECT_TYPES and isinstance(obj, dict):
            try:
                self.kind.from_api(obj)
            except ValidationError as refused:
                return refused  # already redacted by from_api
        if not isinstance(kind, str) or kind not in (*_OBJECT_TYPES, "BOOKMARK", "ERROR"):
            shown = repr(kind) if isinstance(kind, str) and len(kind) <= 20 else "missing"
            return MalformedWatchEventError(f"a watch event has an unknown type ({shown})")
        where = "; ".join(
            ".".join(str(step) for step in detail["loc"]) or "line" for detail in error.errors()
        )
        return MalformedWatchEventError(f"a {kind} watch event is malformed at {where}")


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None
