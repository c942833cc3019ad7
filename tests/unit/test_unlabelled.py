"""The warning about objects without their index label: once per process, kind, namespace
and label, from any thread, and never more than a bounded set remembers."""

from __future__ import annotations

import logging
import threading

import pytest

from lscsde_sdk.indexing import unlabelled
from lscsde_sdk.indexing.unlabelled import REMEMBERED, warn_once

LABEL = "xlscsde.nhs.uk/username"


@pytest.fixture(autouse=True)
def nothing_reported_yet(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(unlabelled, "_reported", set())


def test_each_namespace_is_reported_once(caplog: pytest.LogCaptureFixture) -> None:
    log = logging.getLogger("test.unlabelled")
    with caplog.at_level(logging.WARNING):
        assert warn_once(log, "AnalyticsWorkspaceBinding", "hub", LABEL, 3)
        assert not warn_once(log, "AnalyticsWorkspaceBinding", "hub", LABEL, 4)
        assert warn_once(log, "AnalyticsWorkspaceBinding", "other", LABEL, 1)
        assert warn_once(log, "AnalyticsDataSourceBinding", "hub", "xlscsde.nhs.uk/workspace", 2)
    assert [record.getMessage() for record in caplog.records] == [
        "3 AnalyticsWorkspaceBinding objects in namespace hub carry no xlscsde.nhs.uk/username "
        "label: lookups read them on every call; `lscsde relabel -n hub` labels them and "
        "restores the fast path",
        "1 AnalyticsWorkspaceBinding objects in namespace other carry no "
        "xlscsde.nhs.uk/username label: lookups read them on every call; "
        "`lscsde relabel -n other` labels them and restores the fast path",
        "2 AnalyticsDataSourceBinding objects in namespace hub carry no "
        "xlscsde.nhs.uk/workspace label: lookups read them on every call; "
        "`lscsde relabel -n hub` labels them and restores the fast path",
    ]
    assert all(record.levelno == logging.WARNING for record in caplog.records)


def test_threads_racing_on_one_namespace_report_it_once() -> None:
    log = logging.getLogger("test.unlabelled")
    results: list[bool] = []
    start = threading.Barrier(8)

    def report() -> None:
        start.wait()
        results.append(warn_once(log, "AnalyticsWorkspaceBinding", "hub", LABEL, 1))

    threads = [threading.Thread(target=report) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]


def test_what_is_remembered_is_bounded() -> None:
    log = logging.getLogger("test.unlabelled")
    for index in range(REMEMBERED):
        assert warn_once(log, "AnalyticsWorkspaceBinding", f"ns-{index}", LABEL, 1)
    assert not warn_once(log, "AnalyticsWorkspaceBinding", "one-too-many", LABEL, 1)
    assert len(unlabelled._reported) == REMEMBERED
