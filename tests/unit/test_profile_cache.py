"""The profile cache gives exactly what the converter gives, converts each workspace version
once, and hands every caller a profile of its own."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from lscsde_sdk import converters
from lscsde_sdk.converters import AnalyticsWorkspaceConverter
from lscsde_sdk.errors import InvalidWorkspaceError
from lscsde_sdk.models import AnalyticsWorkspace
from lscsde_sdk.profile_cache import ProfileCache
from tests.examples import load_example

WORKSPACES = [
    "workspace-jupyter-full",
    "workspace-jupyter-minimal",
    "workspace-vm-int",
    "workspace-vm-string",
]
DAY = date(2026, 3, 1)


def read(example: str, *, uid: str | None = "uid-1", version: str | None = "7") -> Any:
    manifest = load_example(example)
    manifest["metadata"].update(uid=uid, resourceVersion=version)
    return AnalyticsWorkspace.from_api(manifest)


def counting_conversions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    converted: list[str] = []
    convert = converters.version_profile

    def counted(workspace: AnalyticsWorkspace) -> dict[str, Any]:
        converted.append(workspace.metadata.resource_version or "")
        return convert(workspace)

    monkeypatch.setattr("lscsde_sdk.profile_cache.version_profile", counted)
    return converted


@pytest.mark.parametrize("example", WORKSPACES)
@pytest.mark.parametrize("expires", [None, date(2026, 3, 20)])
def test_a_profile_is_what_the_converter_gives_on_a_miss_and_on_a_hit(
    example: str, expires: date | None
) -> None:
    workspace = read(example)
    cache = ProfileCache()
    expected = AnalyticsWorkspaceConverter().to_workspace_dict(workspace, DAY, expires=expires)

    first = cache.profile(workspace, DAY, expires=expires)
    again = cache.profile(workspace, DAY, expires=expires)

    assert first == expected and again == expected
    assert list(again) == list(expected)  # the same keys in the same order
    assert len(cache) == 1


def test_each_version_is_converted_once_and_dates_follow_each_call(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    converted = counting_conversions(monkeypatch)
    cache = ProfileCache()
    workspace = read("workspace-jupyter-full")

    early = cache.profile(workspace, date(2026, 1, 1), expires=date(2026, 6, 1))
    later = cache.profile(workspace, date(2026, 5, 31), expires=date(2026, 6, 1))
    changed = cache.profile(read("workspace-jupyter-full", version="8"), DAY)

    assert converted == ["7", "8"]
    assert early["ws_days_left"].days == 151 and later["ws_days_left"].days == 1
    assert changed["end_date"] == workspace.spec.validity.expires.isoformat()


def test_every_caller_gets_a_profile_of_its_own() -> None:
    cache = ProfileCache()
    workspace = read("workspace-jupyter-full")
    first = cache.profile(workspace, DAY)
    first["kubespawner_override"]["extra_labels"]["changed"] = "by a caller"
    first["display_name"] = "changed"

    second = cache.profile(workspace, DAY)
    second["kubespawner_override"]["image"] = "changed too"
    third = cache.profile(workspace, DAY)

    expected = AnalyticsWorkspaceConverter().to_workspace_dict(workspace, DAY)
    assert second["display_name"] == expected["display_name"]
    assert third == expected


def test_workspaces_without_a_uid_or_version_are_converted_every_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    converted = counting_conversions(monkeypatch)
    cache = ProfileCache()
    for _ in range(2):
        cache.profile(read("workspace-jupyter-full", uid=None), DAY)
        cache.profile(read("workspace-jupyter-full", version=None), DAY)

    assert len(converted) == 4 and len(cache) == 0


def test_a_workspace_that_cannot_be_converted_fails_every_time_and_is_not_kept() -> None:
    manifest = load_example("workspace-jupyter-full")
    manifest["metadata"].update(uid="uid-bad", resourceVersion="3")
    manifest["spec"]["jupyterWorkspace"]["resources"] = {"requests": {"memory": "lots"}}
    workspace = AnalyticsWorkspace.from_api(manifest)
    cache = ProfileCache()

    for _ in range(2):
        with pytest.raises(InvalidWorkspaceError, match="memory"):
            cache.profile(workspace, DAY)
    assert len(cache) == 0


def test_the_cache_keeps_the_most_recently_used_versions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    converted = counting_conversions(monkeypatch)
    cache = ProfileCache(size=2)
    one, two, three = (read("workspace-jupyter-full", version=v) for v in ("1", "2", "3"))

    for workspace in (one, two, one, three, one, two):
        cache.profile(workspace, DAY)

    # "2" was the least recently used when "3" came, so only it was converted again.
    assert converted == ["1", "2", "3", "2"]
    assert len(cache) == 2


def test_a_cache_of_size_zero_keeps_nothing() -> None:
    cache = ProfileCache(size=0)
    cache.profile(read("workspace-jupyter-full"), DAY)
    assert len(cache) == 0
    with pytest.raises(ValueError, match="negative"):
        ProfileCache(size=-1)
