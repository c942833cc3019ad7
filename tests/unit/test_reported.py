"""ReportedVersions: a problem with one version of an object is reported once."""

from __future__ import annotations

import pytest

from lscsde_sdk.models import AnalyticsDataSource, AnalyticsWorkspace, ObjectMeta
from lscsde_sdk.reported import ReportedVersions


def workspace(name: str, version: str | None, namespace: str = "jupyterhub") -> AnalyticsWorkspace:
    # Only the metadata matters here: no spec needed.
    metadata = ObjectMeta(name=name, namespace=namespace, resource_version=version)
    return AnalyticsWorkspace.model_construct(metadata=metadata)


def test_each_version_of_an_object_is_reported_once() -> None:
    reported = ReportedVersions()
    assert reported.first_report(workspace("stroke", "41"))
    assert not reported.first_report(workspace("stroke", "41"))
    # A new version, another object, namespace or kind: each a first report.
    assert reported.first_report(workspace("stroke", "42"))
    assert reported.first_report(workspace("diabetes", "41"))
    assert reported.first_report(workspace("stroke", "41", namespace="other"))
    datasource = AnalyticsDataSource.model_construct(
        metadata=ObjectMeta(name="stroke", namespace="jupyterhub", resource_version="41")
    )
    assert reported.first_report(datasource)
    assert len(reported) == 5


def test_an_object_without_a_version_is_always_reported() -> None:
    reported = ReportedVersions()
    for _ in range(3):
        assert reported.first_report(workspace("constructed", None))
        assert reported.first_report(workspace("stroke", ""))
    assert len(reported) == 0


def test_memory_is_bounded_forgetting_the_least_recently_reported_first() -> None:
    reported = ReportedVersions(max_versions=3)
    for version in ("1", "2", "3"):
        reported.first_report(workspace("ws", version))
    assert not reported.first_report(workspace("ws", "1"))  # now the most recent
    assert reported.first_report(workspace("ws", "4"))  # forgets "2"
    assert len(reported) == 3
    assert not reported.first_report(workspace("ws", "1"))
    assert reported.first_report(workspace("ws", "2"))
    for version in range(2_000):
        reported.first_report(workspace("ws", str(version)))
    assert len(reported) == 3
    with pytest.raises(ValueError, match="max_versions must be at least 1"):
        ReportedVersions(max_versions=0)
