"""Kubernetes Events (events.k8s.io/v1, else core/v1) about AWMS objects.

:class:`EventRecorder` records what happened to an object (``WorkspaceCreated``,
``DataSourceBindingDeleted``, ...) so that ``kubectl describe`` and ``kubectl events`` show it.
:class:`lscsde_sdk.recording.Recording` records one after every create, update and delete
made through it.

Events are a side channel: :meth:`EventRecorder.record` never raises for a failed event (for
example when RBAC does not allow creating events); it logs a warning and returns ``None``.
:meth:`EventRecorder.emit` is the strict form that raises.

Every event is built to pass the API server's validation of events.k8s.io/v1 events:

* ``metadata.name`` is ``<object name>.<16 hex digits>``, a unique DNS subdomain of at most
  253 characters, in the object's namespace;
* ``eventTime`` is a MicroTime: RFC 3339 in UTC with microseconds;
* ``reportingController`` is a qualified name such as ``xlscsde.nhs.uk/lscsde-sdk``;
* ``reportingInstance``, ``action`` and ``reason`` are at most 128 characters;
* ``note`` is at most 1024 bytes of UTF-8 (longer notes are cut on a character boundary and
  end with ``...``);
* ``regarding`` names the object (apiVersion, kind, namespace, name, uid, resourceVersion);
* ``type`` is ``Normal`` or ``Warning``.

Where RBAC allows only core/v1 Events (``create`` on ``events`` in the core group, as many
Helm charts grant) and refuses events.k8s.io ones, the recorder records the same event as a
core/v1 Event instead (:func:`core_event`), says so once in its log, and records core/v1
Events from then on.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Final, Literal

from .core.transport import Request, Transport
from .errors import ForbiddenError, InvalidParameterError
from .resource import CustomResource

if TYPE_CHECKING:
    # Only for annotations: importing kubernetes_asyncio.client costs half a second.
    from kubernetes_asyncio.client import ApiClient

__all__ = [
    "DEFAULT_REPORTING_CONTROLLER",
    "DEFAULT_REPORTING_USER",
    "EventRecorder",
    "EventSubject",
    "EventType",
    "ResourceChange",
    "build_event",
    "core_event",
    "event_name",
    "micro_time",
    "reporting_instance_from_env",
    "truncate_note",
    "validate_reporting_controller",
]

#: The controller named in events unless another is configured.
DEFAULT_REPORTING_CONTROLLER: Final = "xlscsde.nhs.uk/lscsde-sdk"
#: Who the default notes say made a change unless another user is configured.
DEFAULT_REPORTING_USER: Final = "Unknown User"

EventType = Literal["Normal", "Warning"]


class ResourceChange(StrEnum):
    """What a successful write did to an object (the verb of its event)."""

    CREATED = "Created"
    UPDATED = "Updated"
    DELETED = "Deleted"


#: What an event can be about: a model, or the object as the API server returns it.
EventSubject = CustomResource | Mapping[str, Any]

EVENTS_API_VERSION: Final = "events.k8s.io/v1"
CORE_EVENTS_API_VERSION: Final = "v1"
NAME_MAX_LENGTH: Final = 253
REPORTING_INSTANCE_MAX_LENGTH: Final = 128
ACTION_MAX_LENGTH: Final = 128
REASON_MAX_LENGTH: Final = 128
NOTE_MAX_BYTES: Final = 1024

_NAME_SUFFIX_HEX_DIGITS = 16
_ELLIPSIS = "..."
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_QUALIFIED_NAME_PART = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
_QUALIFIED_NAME_PART_MAX = 63
_EVENT_TYPES: Final = ("Normal", "Warning")

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _KindWording:
    reason_prefix: str  # "WorkspaceBinding" -> WorkspaceBindingCreated
    noun: str  # "Workspace Binding" -> "Workspace Binding Created by ..."


# How events name each kind; the reasons are those lscsde_workspace_mgmt used.
_WORDING: Final[dict[str, _KindWording]] = {
    "AnalyticsWorkspace": _KindWording("Workspace", "Workspace"),
    "AnalyticsWorkspaceBinding": _KindWording("WorkspaceBinding", "Workspace Binding"),
    "AnalyticsDataSource": _KindWording("DataSource", "DataSource"),
    "AnalyticsDataSourceBinding": _KindWording("DataSourceBinding", "DataSource Binding"),
    "AnalyticsCrate": _KindWording("Crate", "Crate"),
}


# -- pure helpers (no I/O) ------------------------------------------------------------------


def micro_time(moment: datetime | None = None) -> str:
    """``moment`` (default: now) as a Kubernetes MicroTime: ``2025-01-02T03:04:05.123456Z``."""
    moment = moment or datetime.now(UTC)
    if moment.tzinfo is None:
        raise InvalidParameterError(f"event time {moment!r} has no time zone")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def truncate_note(note: str, limit: int = NOTE_MAX_BYTES) -> str:
    """``note`` cut to at most ``limit`` bytes of UTF-8, ending with ``...`` when cut.

    The cut never splits a multi-byte character.
    """
    encoded = note.encode("utf-8")
    if len(encoded) <= limit:
        return note
    room = limit - len(_ELLIPSIS)
    return encoded[:room].decode("utf-8", errors="ignore") + _ELLIPSIS


def event_name(object_name: str | None, fallback: str = "event", suffix: str | None = None) -> str:
    """A unique event name: ``<object name>.<suffix>``, suffix 16 random hex digits.

    Object names of custom resources are DNS subdomains, so the result is one too; a long
    name is shortened so the whole stays within 253 characters.
    """
    suffix = suffix or secrets.token_hex(_NAME_SUFFIX_HEX_DIGITS // 2)
    base = (object_name or fallback).lower()
    base = base[: NAME_MAX_LENGTH - len(suffix) - 1].rstrip("-.")
    name = f"{base}.{suffix}" if base else suffix
    if not _DNS_SUBDOMAIN.fullmatch(name):
        # Only a name that was never a valid object name gets here; fall back to the suffix.
        name = f"{fallback}.{suffix}"
    return name


def validate_reporting_controller(value: str) -> str:
    """``value`` if it is a qualified name (``[prefix/]name``, as the server requires)."""
    prefix, slash, name = value.rpartition("/")
    problems = []
    if slash and (
        not prefix or len(prefix) > NAME_MAX_LENGTH or not _DNS_SUBDOMAIN.fullmatch(prefix)
    ):
        problems.append(f"prefix {prefix!r} must be a DNS subdomain (e.g. xlscsde.nhs.uk)")
    if len(name) > _QUALIFIED_NAME_PART_MAX or not _QUALIFIED_NAME_PART.fullmatch(name):
        problems.append(
            f"name {name!r} must be 1-63 letters, digits, '-', '_' or '.', starting and ending "
            "with a letter or digit"
        )
    if problems:
        raise InvalidParameterError(
            f"reporting controller {value!r} is not a qualified name: {'; '.join(problems)}"
        )
    return value


def reporting_instance_from_env() -> str:
    """This process's instance name for events: ``$HOSTNAME`` (a pod's name), else the host."""
    instance = os.environ.get("HOSTNAME") or os.environ.get("COMPUTERNAME") or socket.gethostname()
    return (instance or "unknown")[:REPORTING_INSTANCE_MAX_LENGTH]


def _reference(subject: EventSubject) -> dict[str, Any]:
    """The ``regarding`` reference of an object, with what it has of the six fields."""
    if isinstance(subject, CustomResource):
        info = type(subject).__resource__
        reference = {
            "apiVersion": info.api_version,
            "kind": info.kind,
            "namespace": subject.metadata.namespace,
            "name": subject.metadata.name,
            "uid": subject.metadata.uid,
            "resourceVersion": subject.metadata.resource_version,
        }
    elif isinstance(subject, Mapping):
        metadata = subject.get("metadata") or {}
        reference = {
            "apiVersion": subject.get("apiVersion"),
            "kind": subject.get("kind"),
            "namespace": metadata.get("namespace"),
            "name": metadata.get("name"),
            "uid": metadata.get("uid"),
            "resourceVersion": metadata.get("resourceVersion"),
        }
    else:
        raise TypeError(
            f"an event is about a model or an API object mapping, got {type(subject).__name__}"
        )
    return {key: value for key, value in reference.items() if value}


def _check_length(field: str, value: str, limit: int) -> str:
    if not value:
        raise InvalidParameterError(f"an event needs a non-empty {field}")
    if len(value) > limit:
        raise InvalidParameterError(
            f"event {field} {value[:40]!r}... is {len(value)} characters; the limit is {limit}"
        )
    return value


def build_event(
    subject: EventSubject,
    *,
    reason: str,
    note: str,
    reporting_controller: str,
    reporting_instance: str,
    type: EventType = "Normal",
    action: str | None = None,
    now: datetime | None = None,
    name_suffix: str | None = None,
) -> dict[str, Any]:
    """The events.k8s.io/v1 Event body for ``subject`` (see the module docs for the rules).

    Raises :class:`InvalidParameterError` for what the server would reject and cannot be
    fixed here: an object without name or namespace, an empty or over-long reason or action,
    an unknown type.
    """
    regarding = _reference(subject)
    namespace = regarding.get("namespace")
    if not namespace or not regarding.get("name") or not regarding.get("kind"):
        raise InvalidParameterError(
            f"an event needs an object with kind, name and namespace, got {regarding}"
        )
    if type not in _EVENT_TYPES:
        raise InvalidParameterError(f"event type must be Normal or Warning, got {type!r}")
    reason = _check_length("reason", reason, REASON_MAX_LENGTH)
    action = _check_length("action", action or reason, ACTION_MAX_LENGTH)
    return {
        "apiVersion": EVENTS_API_VERSION,
        "kind": "Event",
        "metadata": {
            "name": event_name(regarding["name"], str(regarding["kind"]).lower(), name_suffix),
            "namespace": namespace,
        },
        "eventTime": micro_time(now),
        "reportingController": reporting_controller,
        "reportingInstance": reporting_instance[:REPORTING_INSTANCE_MAX_LENGTH],
        "action": action,
        "reason": reason,
        "note": truncate_note(note),
        "type": type,
        "regarding": regarding,
    }


def core_event(event: Mapping[str, Any]) -> dict[str, Any]:
    """The core/v1 Event saying what the events.k8s.io/v1 ``event`` (of :func:`build_event`)
    says: the same name, time, reason, action, type and reporting controller and instance,
    ``note`` as ``message`` and ``regarding`` as ``involvedObject``, and ``source.component``
    for the "From" column of ``kubectl describe``."""
    return {
        "apiVersion": CORE_EVENTS_API_VERSION,
        "kind": "Event",
        "metadata": dict(event["metadata"]),
        "eventTime": event["eventTime"],
        "reportingComponent": event["reportingController"],
        "reportingInstance": event["reportingInstance"],
        "source": {"component": event["reportingController"]},
        "action": event["action"],
        "reason": event["reason"],
        "message": event["note"],
        "type": event["type"],
        "involvedObject": dict(event["regarding"]),
    }


# -- the recorder ----------------------------------------------------------------------------


class EventRecorder:
    """Records events about AWMS objects through a :class:`Transport`.

    ``reporting_controller`` names the component (a qualified name such as
    ``xlscsde.nhs.uk/jupyterhub``), ``reporting_user`` the user named in default notes, and
    ``reporting_instance`` the running copy of it (default: ``$HOSTNAME``, read now).
    """

    def __init__(
        self,
        api: ApiClient | Transport,
        *,
        log: logging.Logger | None = None,
        reporting_controller: str = DEFAULT_REPORTING_CONTROLLER,
        reporting_user: str = DEFAULT_REPORTING_USER,
        reporting_instance: str | None = None,
    ) -> None:
        self.transport = Transport.of(api)
        self.log = log or _log
        self.reporting_controller = validate_reporting_controller(reporting_controller)
        self.reporting_user = reporting_user
        self.reporting_instance = (reporting_instance or reporting_instance_from_env())[
            :REPORTING_INSTANCE_MAX_LENGTH
        ]
        #: Whether events go to core/v1 because events.k8s.io ones were refused.
        self.core_events = False

    async def emit(
        self,
        subject: EventSubject,
        reason: str,
        note: str,
        type: EventType = "Normal",
        action: str | None = None,
    ) -> dict[str, Any]:
        """Create the event and return it as the server stored it; raises on any failure.

        An events.k8s.io Event refused by RBAC is recorded as a core/v1 Event (see the module
        doc); when that is refused too, the first refusal is raised."""
        body = build_event(
            subject,
            reason=reason,
            note=note,
            type=type,
            action=action,
            reporting_controller=self.reporting_controller,
            reporting_instance=self.reporting_instance,
        )
        namespace = body["metadata"]["namespace"]
        if not self.core_events:
            path = f"/apis/{EVENTS_API_VERSION}/namespaces/{namespace}/events"
            try:
                created: dict[str, Any] = await self.transport.send_json(
                    Request("POST", path, body=body)
                )
                return created
            except ForbiddenError as refused:
                try:
                    created = await self._create_core(namespace, body)
                except ForbiddenError:
                    raise refused from None
                if not self.core_events:  # concurrent events may all have been refused
                    self.core_events = True
                    self.log.warning(
                        "%s may not create events.k8s.io Events in namespace %s; recording "
                        "core/v1 Events instead from now on",
                        self.reporting_controller,
                        namespace,
                    )
                return created
        return await self._create_core(namespace, body)

    async def _create_core(self, namespace: str, body: Mapping[str, Any]) -> dict[str, Any]:
        path = f"/api/{CORE_EVENTS_API_VERSION}/namespaces/{namespace}/events"
        created: dict[str, Any] = await self.transport.send_json(
            Request("POST", path, body=core_event(body))
        )
        return created

    async def record(
        self,
        subject: EventSubject,
        reason: str,
        note: str,
        type: EventType = "Normal",
        action: str | None = None,
    ) -> dict[str, Any] | None:
        """Create the event; on failure log a warning and return ``None``.

        An event only reports an operation, so failing to record one (RBAC, a server error,
        a network error, an object without namespace) must never fail that operation.
        """
        try:
            return await self.emit(subject, reason, note, type=type, action=action)
        except Exception as exc:  # any failure, see the docstring; cancellation still propagates
            reference = _safe_reference(subject)
            self.log.warning("could not record event %s about %s: %s", reason, reference, exc)
            return None

    async def record_change(
        self,
        subject: EventSubject,
        change: ResourceChange | str,
        note: str | None = None,
        *,
        kind: str | None = None,
    ) -> dict[str, Any] | None:
        """Record that ``subject`` was created, updated or deleted: reason
        ``<Kind><Change>`` (``WorkspaceBindingCreated``, ``CrateDeleted``, ...), action the
        change, and by default the note ``"<Kind> <Change> by <reporting user>"``.

        The wording is that of ``kind`` (default: the subject's own kind), so a caller that
        knows the kind gets its wording even for a plain mapping without one."""
        change = ResourceChange(change)
        kind = kind or str(_safe_reference(subject).get("kind") or "Object")
        wording = _WORDING.get(kind) or _generic_wording(kind)
        note = note or f"{wording.noun} {change.value} by {self.reporting_user}"
        return await self.record(
            subject, f"{wording.reason_prefix}{change.value}", note, action=change.value
        )


def _generic_wording(kind: str) -> _KindWording:
    """The wording of a kind the table does not list: ``AnalyticsFooBar`` -> ``FooBar``,
    "Foo Bar"."""
    prefix = kind.removeprefix("Analytics") or kind
    return _KindWording(prefix, re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", prefix))


def _safe_reference(subject: EventSubject) -> dict[str, Any]:
    # For log messages and wording only: never raises.
    try:
        return _reference(subject)
    except Exception:
        return {"object": type(subject).__name__}
