"""The recent Kubernetes Events about one object, for ``describe``.

Events are read from both APIs that serve them, each selecting the object by field on the
server: ``events.k8s.io/v1`` (``regarding.kind``, ``regarding.name``; what this SDK records)
and core ``v1`` (``involvedObject.kind``, ``involvedObject.name``; what older tools and
kubectl's own recorders write). Both APIs serve the same stored events, so one seen through
both is shown once (by uid). They are ordered by when they last happened, newest last, as
``kubectl describe`` orders them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from ..core.transport import Request, Transport
from ..errors import LscsdeError
from ..resource import CustomResource
from .describe import Description, age
from .errors import describe_error
from .output import Column

__all__ = ["EVENT_COLUMNS", "ObjectEvent", "describe_events", "events_about"]

_EVENTS_V1: Final = "/apis/events.k8s.io/v1/namespaces/{namespace}/events"
_CORE_V1: Final = "/api/v1/namespaces/{namespace}/events"


@dataclass(frozen=True)
class ObjectEvent:
    """One event, whichever API it was read from."""

    uid: str
    type: str
    reason: str
    message: str
    source: str
    last_seen: datetime | None
    count: int


def _time(*values: Any) -> datetime | None:
    for value in values:
        if isinstance(value, str) and value:
            try:
                return datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                continue
    return None


def _from_events_v1(event: dict[str, Any]) -> ObjectEvent:
    series = event.get("series") or {}
    return ObjectEvent(
        uid=str((event.get("metadata") or {}).get("uid") or ""),
        type=str(event.get("type") or ""),
        reason=str(event.get("reason") or ""),
        message=str(event.get("note") or ""),
        source=str(
            event.get("reportingController")
            or (event.get("deprecatedSource") or {}).get("component")
            or ""
        ),
        last_seen=_time(
            series.get("lastObservedTime"),
            event.get("deprecatedLastTimestamp"),
            event.get("eventTime"),
            (event.get("metadata") or {}).get("creationTimestamp"),
        ),
        count=int(series.get("count") or event.get("deprecatedCount") or 1),
    )


def _from_core_v1(event: dict[str, Any]) -> ObjectEvent:
    series = event.get("series") or {}
    source = event.get("source") or {}
    return ObjectEvent(
        uid=str((event.get("metadata") or {}).get("uid") or ""),
        type=str(event.get("type") or ""),
        reason=str(event.get("reason") or ""),
        message=str(event.get("message") or ""),
        source=str(event.get("reportingComponent") or source.get("component") or ""),
        last_seen=_time(
            series.get("lastObservedTime"),
            event.get("lastTimestamp"),
            event.get("eventTime"),
            event.get("firstTimestamp"),
            (event.get("metadata") or {}).get("creationTimestamp"),
        ),
        count=int(series.get("count") or event.get("count") or 1),
    )


async def events_about(
    transport: Transport, item: CustomResource
) -> tuple[list[ObjectEvent], list[str]]:
    """The events about ``item``, newest last, and why an API could not be read (one reason
    per API that failed: events are a side view, so a missing permission to read them leaves
    the rest of ``describe`` intact)."""
    kind, name = item.__resource__.kind, item.metadata.name or ""
    namespace = item.metadata.namespace or ""
    reads = (
        (_EVENTS_V1, "regarding", _from_events_v1),
        (_CORE_V1, "involvedObject", _from_core_v1),
    )
    found: dict[str, ObjectEvent] = {}
    problems: list[str] = []
    for path, reference, parse in reads:
        selector = f"{reference}.kind={kind},{reference}.name={name}"
        request = Request(
            "GET", path.format(namespace=namespace), query=[("fieldSelector", selector)]
        )
        try:
            answer = await transport.send_json(request)
        except LscsdeError as error:
            problems.append(describe_error(error).message)
            continue
        for raw in answer.get("items") or []:
            event = parse(raw)
            found.setdefault(event.uid or str(len(found)), event)
    # Events without any time (none the server writes) first, as the oldest.
    ordered = sorted(found.values(), key=lambda e: (e.last_seen is not None, e.last_seen or 0))
    return ordered, problems


EVENT_COLUMNS: Final = (
    Column("LAST SEEN"),
    Column("TYPE"),
    Column("REASON"),
    Column("FROM"),
    Column("MESSAGE", shrink=True, min_width=20),
)


async def describe_events(
    description: Description, transport: Transport, item: CustomResource
) -> None:
    """The ``Events:`` section of ``describe``: :func:`events_about` as a table."""
    events, problems = await events_about(transport, item)
    rows = [
        [
            (age(event.last_seen) if event.last_seen else "?")
            + (f" (x{event.count})" if event.count > 1 else ""),
            event.type,
            event.reason,
            event.source,
            event.message,
        ]
        for event in events
    ]
    note = "; ".join(f"not all events could be read: {problem}" for problem in problems)
    description.table("Events", EVENT_COLUMNS, rows, note=note or None)
