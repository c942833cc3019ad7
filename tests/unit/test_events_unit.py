"""Event bodies (what the API server validates) and the recorder's failure handling."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from kubernetes_asyncio.client import ApiClient

from lscsde_sdk.clients import Transport
from lscsde_sdk.core.transport import Request
from lscsde_sdk.errors import ForbiddenError, InvalidParameterError
from lscsde_sdk.events import (
    DEFAULT_REPORTING_CONTROLLER,
    EventRecorder,
    ResourceChange,
    build_event,
    event_name,
    micro_time,
    reporting_instance_from_env,
    truncate_note,
    validate_reporting_controller,
)
from lscsde_sdk.models import AnalyticsWorkspace, AnalyticsWorkspaceBinding

DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
MICRO_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")


class FakeTransport(Transport):
    """Records requests; answers with the request body, or raises ``error``."""

    def __init__(self, error: Exception | None = None) -> None:
        super().__init__(ApiClient.__new__(ApiClient))  # never used to send
        self.requests: list[Request] = []
        self.error = error

    async def send_json(self, request: Request) -> Any:
        self.requests.append(request)
        if self.error is not None:
            raise self.error
        return request.body


def binding() -> AnalyticsWorkspaceBinding:
    return AnalyticsWorkspaceBinding.from_api(
        {
            "apiVersion": "xlscsde.nhs.uk/v1",
            "kind": "AnalyticsWorkspaceBinding",
            "metadata": {
                "name": "outcomes-researcher1",
                "namespace": "jupyterhub",
                "uid": "5f0c1a3e-0000-4000-8000-000000000001",
                "resourceVersion": "42",
            },
            "spec": {
                "workspace": "outcomes",
                "username": "r1@example.org",
                "expires": "2026-06-30",
            },
        }
    )


# -- pure helpers ----------------------------------------------------------------------------


def test_micro_time_is_rfc3339_utc_with_microseconds() -> None:
    moment = datetime(2026, 3, 1, 12, 30, 5, 123, tzinfo=timezone(timedelta(hours=2)))
    assert micro_time(moment) == "2026-03-01T10:30:05.000123Z"
    assert MICRO_TIME.fullmatch(micro_time())


def test_micro_time_rejects_naive_datetimes() -> None:
    with pytest.raises(InvalidParameterError, match="time zone"):
        micro_time(datetime(2026, 3, 1))


def test_short_notes_are_unchanged() -> None:
    assert truncate_note("Workspace Created by joe") == "Workspace Created by joe"
    assert truncate_note("x" * 1024) == "x" * 1024


def test_long_notes_are_cut_to_1024_bytes() -> None:
    note = truncate_note("x" * 5000)
    assert len(note.encode()) == 1024
    assert note.endswith("...")


def test_notes_are_cut_on_a_character_boundary() -> None:
    note = truncate_note("é" * 1000)  # 2 bytes each
    encoded = note.encode("utf-8")
    assert len(encoded) <= 1024
    assert note.endswith("...")
    assert set(note[:-3]) == {"é"}
    note = truncate_note("€" * 500)  # 3 bytes each
    assert len(note.encode("utf-8")) <= 1024 and set(note[:-3]) == {"€"}


def test_event_names_are_unique_dns_subdomains() -> None:
    first, second = event_name("outcomes-researcher1"), event_name("outcomes-researcher1")
    assert first != second
    assert re.fullmatch(r"outcomes-researcher1\.[0-9a-f]{16}", first)
    assert event_name("x", suffix="abc") == "x.abc"


def test_long_object_names_give_names_within_253_characters() -> None:
    name = event_name(("a" * 62 + ".") * 4 + "b")  # a 253-character DNS subdomain
    assert len(name) <= 253
    assert DNS_SUBDOMAIN.fullmatch(name)
    # A cut that would leave a trailing dot or dash is tidied.
    cut = event_name("a" * 235 + ".-b" + "c" * 20, suffix="0" * 16)
    assert DNS_SUBDOMAIN.fullmatch(cut) and len(cut) <= 253


@pytest.mark.parametrize(
    "controller",
    ["xlscsde.nhs.uk/lscsde-sdk", "xlscsde.nhs.uk/unspecified-controller", "jupyterhub", "a/b_c.d"],
)
def test_valid_reporting_controllers(controller: str) -> None:
    assert validate_reporting_controller(controller) == controller


@pytest.mark.parametrize(
    "controller",
    ["", "my controller", "/x", "xlscsde.nhs.uk/", "XLSCSDE.nhs.uk/x", "a/-b", "x" * 64, "a/b/c"],
)
def test_invalid_reporting_controllers_are_refused(controller: str) -> None:
    with pytest.raises(InvalidParameterError, match="qualified name"):
        validate_reporting_controller(controller)


def test_recorder_checks_its_controller_at_construction() -> None:
    with pytest.raises(InvalidParameterError):
        EventRecorder(FakeTransport(), reporting_controller="not valid")


def test_build_event_from_a_model() -> None:
    now = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    body = build_event(
        binding(),
        reason="WorkspaceBindingCreated",
        note="Workspace Binding Created by joe",
        reporting_controller=DEFAULT_REPORTING_CONTROLLER,
        reporting_instance="jupyterhub-0",
        now=now,
        name_suffix="0123456789abcdef",
    )
    assert body == {
        "apiVersion": "events.k8s.io/v1",
        "kind": "Event",
        "metadata": {"name": "outcomes-researcher1.0123456789abcdef", "namespace": "jupyterhub"},
        "eventTime": "2026-03-01T09:00:00.000000Z",
        "reportingController": "xlscsde.nhs.uk/lscsde-sdk",
        "reportingInstance": "jupyterhub-0",
        "action": "WorkspaceBindingCreated",
        "reason": "WorkspaceBindingCreated",
        "note": "Workspace Binding Created by joe",
        "type": "Normal",
        "regarding": {
            "apiVersion": "xlscsde.nhs.uk/v1",
            "kind": "AnalyticsWorkspaceBinding",
            "namespace": "jupyterhub",
            "name": "outcomes-researcher1",
            "uid": "5f0c1a3e-0000-4000-8000-000000000001",
            "resourceVersion": "42",
        },
    }


def test_build_event_from_a_mapping_leaves_out_unknown_reference_fields() -> None:
    body = build_event(
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "ns"}},
        reason="Mounted",
        note="n",
        type="Warning",
        action="Mount",
        reporting_controller="a/b",
        reporting_instance="i" * 300,
    )
    assert body["regarding"] == {"apiVersion": "v1", "kind": "Pod", "namespace": "ns", "name": "p"}
    assert body["type"] == "Warning"
    assert body["action"] == "Mount"
    assert len(body["reportingInstance"]) == 128


@pytest.mark.parametrize(
    ("subject", "kwargs", "message"),
    [
        (
            {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}},
            {},
            "namespace",
        ),
        (binding(), {"reason": "R" * 129}, "reason"),
        (binding(), {"reason": ""}, "reason"),
        (binding(), {"action": "A" * 129}, "action"),
        (binding(), {"type": "Error"}, "Normal or Warning"),
    ],
)
def test_build_event_refuses_what_the_server_would(
    subject: Any, kwargs: dict[str, Any], message: str
) -> None:
    arguments: dict[str, Any] = {
        "reason": "Test",
        "note": "n",
        "reporting_controller": "a/b",
        "reporting_instance": "i",
    }
    with pytest.raises(InvalidParameterError, match=message):
        build_event(subject, **(arguments | kwargs))


def test_reporting_instance_is_read_from_hostname_at_construction(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HOSTNAME", "jupyterhub-7d9f")
    recorder = EventRecorder(FakeTransport())
    monkeypatch.setenv("HOSTNAME", "another-host")
    assert recorder.reporting_instance == "jupyterhub-7d9f"
    assert reporting_instance_from_env() == "another-host"
    assert EventRecorder(FakeTransport(), reporting_instance="explicit").reporting_instance == (
        "explicit"
    )


# -- recording -------------------------------------------------------------------------------


async def test_record_change_names_reason_action_and_default_note() -> None:
    transport = FakeTransport()
    recorder = EventRecorder(transport, reporting_user="admin@example.org")
    event = await recorder.record_change(binding(), ResourceChange.CREATED)
    assert event is not None
    assert transport.requests[0].method == "POST"
    assert transport.requests[0].path == "/apis/events.k8s.io/v1/namespaces/jupyterhub/events"
    assert event["reason"] == "WorkspaceBindingCreated"
    assert event["action"] == "Created"
    assert event["note"] == "Workspace Binding Created by admin@example.org"


async def test_record_change_names_the_kind_and_the_change() -> None:
    recorder = EventRecorder(FakeTransport())
    workspace = AnalyticsWorkspace.from_api(
        {"kind": "AnalyticsWorkspace", "metadata": {"name": "w", "namespace": "ns"}}
    )
    event = await recorder.record_change(workspace, ResourceChange.DELETED)
    assert event is not None and event["reason"] == "WorkspaceDeleted"
    event = await recorder.record_change(binding(), ResourceChange.UPDATED, "moved")
    assert event is not None and (event["reason"], event["note"]) == (
        "WorkspaceBindingUpdated",
        "moved",
    )


async def test_record_change_words_an_unlisted_kind_from_its_name() -> None:
    recorder = EventRecorder(FakeTransport())
    subject = {
        "apiVersion": "xlscsde.nhs.uk/v1",
        "kind": "AnalyticsVirtualDesktop",
        "metadata": {"name": "d", "namespace": "ns"},
    }
    event = await recorder.record_change(subject, ResourceChange.CREATED)
    assert event is not None
    assert (event["reason"], event["note"]) == (
        "VirtualDesktopCreated",
        "Virtual Desktop Created by Unknown User",
    )


async def test_record_change_takes_the_wording_of_a_given_kind() -> None:
    recorder = EventRecorder(FakeTransport())
    event = await recorder.record_change(
        {"metadata": {"name": "c", "namespace": "ns"}, "kind": "Thing"},
        ResourceChange.DELETED,
        kind="AnalyticsCrate",
    )
    assert event is not None and event["reason"] == "CrateDeleted"


async def test_record_logs_and_returns_none_when_the_server_refuses(
    caplog: pytest.LogCaptureFixture,
) -> None:
    refused = ForbiddenError(403, "Forbidden", 'events.events.k8s.io is forbidden: User "joe"')
    recorder = EventRecorder(FakeTransport(refused))
    with caplog.at_level(logging.WARNING, logger="lscsde_sdk.events"):
        assert await recorder.record(binding(), "Test", "note") is None
    assert "could not record event Test" in caplog.text
    assert "outcomes-researcher1" in caplog.text
    with pytest.raises(ForbiddenError):
        await recorder.emit(binding(), "Test", "note")


async def test_record_logs_invalid_subjects_instead_of_raising(
    caplog: pytest.LogCaptureFixture,
) -> None:
    transport = FakeTransport()
    recorder = EventRecorder(transport, log=logging.getLogger("custom"))
    with caplog.at_level(logging.WARNING, logger="custom"):
        assert await recorder.record({"kind": "Pod", "metadata": {"name": "p"}}, "T", "n") is None
    assert "namespace" in caplog.text
    assert transport.requests == []
