"""The watch stream decoder, without a server: bytes in, typed events out, however the
chunks fall; bookmarks, ERROR statuses (410 Gone among them), partial lines and garbage.
The lines are shaped as kube-apiserver v1.37 writes them (tests/integration/test_watch.py
checks a real stream)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from lscsde_sdk.core.watch_decoder import (
    EventType,
    MalformedWatchEventError,
    WatchDecoder,
    WatchEvent,
    WatchStatus,
)
from lscsde_sdk.errors import GoneError, ServerError
from lscsde_sdk.models import AnalyticsDataSource, AnalyticsWorkspace
from tests.examples import load_example

# A bookmark as the API server sends it after the initial events of a watch without a version.
BOOKMARK = (
    b'{"type":"BOOKMARK","object":{"apiVersion":"xlscsde.nhs.uk/v1","kind":"AnalyticsWorkspace",'
    b'"metadata":{"annotations":{"k8s.io/initial-events-end":"true"},"resourceVersion":"227"}}}'
)
GONE = (
    b'{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},'
    b'"status":"Failure","message":"too old resource version: 1 (227)","reason":"Expired",'
    b'"code":410}}'
)


def workspace_line(event: str, name: str, version: str) -> bytes:
    manifest = load_example("workspace-jupyter-full")
    manifest["metadata"].update(name=name, namespace="ns", resourceVersion=version)
    return json.dumps({"type": event, "object": manifest}, separators=(",", ":")).encode()


def decode_all(
    decoder: WatchDecoder[Any], chunks: list[bytes]
) -> list[WatchEvent[Any] | WatchStatus]:
    return [item for chunk in chunks for item in decoder.feed(chunk)]


def summary(items: list[WatchEvent[Any] | WatchStatus]) -> list[tuple[str, str | None]]:
    return [
        (item.type.value, item.object.name if item.object else item.resource_version)
        if isinstance(item, WatchEvent)
        else ("ERROR", str(item.code))
        for item in items
    ]


STREAM = b"".join(
    line + b"\n"
    for line in (
        workspace_line("ADDED", "a", "10"),
        workspace_line("MODIFIED", "a", "11"),
        BOOKMARK,
        workspace_line("DELETED", "a", "12"),
    )
)
EXPECTED = [("ADDED", "a"), ("MODIFIED", "a"), ("BOOKMARK", "227"), ("DELETED", "a")]


@pytest.mark.parametrize("size", [1, 7, 64, 1000, len(STREAM)])
def test_events_come_out_whole_however_the_chunks_split_the_lines(size: int) -> None:
    decoder = WatchDecoder(AnalyticsWorkspace)
    chunks = [STREAM[i : i + size] for i in range(0, len(STREAM), size)]
    items = decode_all(decoder, chunks)
    assert summary(items) == EXPECTED
    decoder.end()  # the stream ended on a line end: nothing left over


def test_objects_are_typed_models_with_their_version() -> None:
    [added] = decode_all(
        WatchDecoder(AnalyticsWorkspace), [workspace_line("ADDED", "a", "10") + b"\n"]
    )
    assert isinstance(added, WatchEvent)
    assert isinstance(added.object, AnalyticsWorkspace)
    assert (added.type, added.resource_version) == (EventType.ADDED, "10")
    assert added.object.spec is not None and added.object.spec.display_name
    assert not added.final_state_unknown


def test_a_bookmark_carries_only_the_version_to_resume_from() -> None:
    [bookmark] = decode_all(WatchDecoder(AnalyticsWorkspace), [BOOKMARK + b"\n"])
    assert bookmark == WatchEvent(EventType.BOOKMARK, None, "227")


def test_a_bookmark_without_metadata_has_no_version() -> None:
    line = b'{"type":"BOOKMARK","object":{}}\n'
    [bookmark] = decode_all(WatchDecoder(AnalyticsWorkspace), [line])
    assert bookmark == WatchEvent(EventType.BOOKMARK, None, None)


def test_blank_lines_and_carriage_returns_are_skipped() -> None:
    chunks = [b"\n", b"\r\n", BOOKMARK + b"\r\n", b"   \n"]
    assert summary(decode_all(WatchDecoder(AnalyticsWorkspace), chunks)) == [("BOOKMARK", "227")]


def test_410_gone_is_a_status_that_says_the_version_expired() -> None:
    [status] = decode_all(WatchDecoder(AnalyticsWorkspace), [GONE + b"\n"])
    assert isinstance(status, WatchStatus)
    assert (status.code, status.reason, status.expired) == (410, "Expired", True)
    assert status.message == "too old resource version: 1 (227)"
    error = status.error("/apis/xlscsde.nhs.uk/v1/namespaces/ns/analyticsworkspaces")
    assert isinstance(error, GoneError)
    assert "too old resource version" in str(error)


def test_other_errors_are_statuses_with_their_code_and_a_status_without_one_is_500() -> None:
    internal = b'{"type":"ERROR","object":{"kind":"Status","code":500,"message":"etcd down"}}'
    odd = b'{"type":"ERROR","object":{"kind":"Status","message":"no code"}}'
    first, second = decode_all(WatchDecoder(AnalyticsWorkspace), [internal + b"\n" + odd + b"\n"])
    assert isinstance(first, WatchStatus) and isinstance(second, WatchStatus)
    assert (first.code, first.expired) == (500, False)
    assert isinstance(first.error("/x"), ServerError)
    assert second.code == 500


def test_the_events_before_a_malformed_line_are_delivered_first() -> None:
    decoder = WatchDecoder(AnalyticsWorkspace)
    chunk = workspace_line("ADDED", "a", "10") + b"\nnot json at all\n" + BOOKMARK + b"\n"
    events = decoder.feed(chunk)
    assert summary([next(events)]) == [("ADDED", "a")]
    with pytest.raises(MalformedWatchEventError, match="not JSON"):
        next(events)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b"<html>502 Bad Gateway</html>", "not JSON"),
        (b"[1, 2, 3]", "JSON list, not an object"),
        (b'{"type":"SNAPSHOT","object":{}}', "unknown type \\('SNAPSHOT'\\)"),
        (b'{"object":{}}', "unknown type \\(missing\\)"),
        (b'{"type":"ADDED"}', "ADDED watch event is malformed at ADDED.object"),
        (b'{"type":"ERROR","object":"boom"}', "ERROR watch event is malformed"),
        (b'{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":7}}}', "BOOKMARK"),
    ],
)
def test_garbage_is_a_typed_error_that_says_what_was_wrong(line: bytes, reason: str) -> None:
    with pytest.raises(MalformedWatchEventError, match=reason):
        list(WatchDecoder(AnalyticsWorkspace).feed(line + b"\n"))


def test_a_stream_that_ends_inside_a_line_is_malformed() -> None:
    decoder = WatchDecoder(AnalyticsWorkspace)
    line = workspace_line("ADDED", "a", "10")
    assert list(decoder.feed(line[:50])) == []
    with pytest.raises(MalformedWatchEventError, match="ended inside an event"):
        decoder.end()


def test_an_object_the_models_refuse_is_its_validation_error_without_secret_values() -> None:
    source = load_example("datasource-connection-string")
    source["metadata"].update(namespace="ns", resourceVersion="5")
    # A plain string where an object with the value belongs: refused, and it is a secret.
    secret = "Server=db;Password=hunter2-very-secret"
    source["spec"]["connections"][0]["connectionString"] = secret
    line = json.dumps({"type": "MODIFIED", "object": source}).encode()
    with pytest.raises(ValidationError) as refused:
        list(WatchDecoder(AnalyticsDataSource).feed(line + b"\n"))
    assert "connectionString" in str(refused.value)
    assert "hunter2" not in str(refused.value) and "hunter2" not in repr(refused.value)
