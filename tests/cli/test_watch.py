"""``-w/--watch`` on every list, through the ``lscsde`` console script: the table, then a
line per change as it happens, until Ctrl-C (SIGINT), which exits 0.

Each step waits for a positive signal (the line it expects on stdout), bounded by a generous
timeout that only turns a hang into a failure."""

from __future__ import annotations

import asyncio
import json
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from kubernetes_asyncio import client

from lscsde_sdk.cli.sample_data import SampleData
from lscsde_sdk.clients import (
    AnalyticsCrateClient,
    AnalyticsDataSourceClient,
    AnalyticsWorkspaceBindingClient,
    AnalyticsWorkspaceClient,
)
from lscsde_sdk.envtest import ControlPlane

from ..integration.factories import workspace
from .console import ctrl_c_reaches_it, lscsde_script, script_env

pytestmark = pytest.mark.integration

_LINE_TIMEOUT = 60.0


class Watching:
    """A running ``lscsde ... -w`` whose stdout is read line by line."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []

    async def line(self) -> str:
        assert self.process.stdout is not None
        raw = await asyncio.wait_for(self.process.stdout.readline(), _LINE_TIMEOUT)
        if not raw:
            stderr = await self.process.stderr.read() if self.process.stderr else b""
            pytest.fail(f"the watch ended early: {stderr.decode()}")
        text = raw.decode().rstrip("\n")
        self.lines.append(text)
        return text

    async def line_where(self, wanted: Callable[[str], bool]) -> str:
        while not wanted(text := await self.line()):
            pass
        return text

    async def interrupt(self) -> tuple[int, str]:
        self.process.send_signal(signal.SIGINT)
        _, err = await asyncio.wait_for(self.process.communicate(), _LINE_TIMEOUT)
        return await self.process.wait(), err.decode()


@asynccontextmanager
async def watching(kubeconfig: Path, *argv: str) -> AsyncIterator[Watching]:
    process = await asyncio.create_subprocess_exec(
        lscsde_script(),
        *argv,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=script_env(kubeconfig),
        preexec_fn=ctrl_c_reaches_it,
    )
    try:
        yield Watching(process)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


Change = Callable[[client.ApiClient, str], Awaitable[object]]


async def _describe_workspace(api: client.ApiClient, ns: str) -> object:
    return await AnalyticsWorkspaceClient(api).merge_patch(
        ns, "genomics-pilot", {"spec": {"displayName": "Genomics pilot, phase 2"}}
    )


async def _extend_binding(api: client.ApiClient, ns: str) -> object:
    bindings = AnalyticsWorkspaceBindingClient(api)
    binding = next(b for b in await bindings.list(ns) if b.name.startswith("genomics-pilot-"))
    return await bindings.merge_patch(ns, binding.name, {"spec": {"expires": "2099-12-31"}})


async def _rename_source(api: client.ApiClient, ns: str) -> object:
    return await AnalyticsDataSourceClient(api).merge_patch(
        ns, "hospital-episodes", {"spec": {"displayName": "Hospital episodes, renamed"}}
    )


async def _rename_crate(api: client.ApiClient, ns: str) -> object:
    return await AnalyticsCrateClient(api).merge_patch(
        ns, "outcomes-crate", {"spec": {"displayName": "Outcomes crate, renamed"}}
    )


@pytest.mark.parametrize(
    ("command", "change", "expected"),
    [
        ("workspaces", _describe_workspace, "Genomics pilot, phase 2"),
        ("bindings", _extend_binding, "2099-12-31"),
        ("datasources", _rename_source, "Hospital episodes, renamed"),
        ("crates", _rename_crate, "Outcomes crate, renamed"),
    ],
)
async def test_watch_prints_the_table_then_a_line_per_change_until_ctrl_c(
    control_plane: ControlPlane,
    admin_api: client.ApiClient,
    namespace: str,
    sample: SampleData,
    command: str,
    change: Change,
    expected: str,
) -> None:
    async with watching(
        control_plane.kubeconfig_path(), command, "list", "-w", "-n", namespace
    ) as watch:
        header = await watch.line()
        assert header.split()[0] == "NAME"
        first_rows = [await watch.line() for _ in range(_count(sample, command))]
        await change(admin_api, namespace)
        changed = await watch.line_where(lambda text: expected in text)
        code, err = await watch.interrupt()

    assert code == 0, err
    assert err == ""
    assert changed.split()[0] in {row.split()[0] for row in first_rows}
    # The change's line is in the table's columns.
    assert changed.index(changed.split()[1]) == first_rows[0].index(first_rows[0].split()[1])


def _count(sample: SampleData, command: str) -> int:
    return len(
        {
            "workspaces": sample.workspaces,
            "bindings": sample.workspace_bindings,
            "datasources": sample.datasources,
            "crates": sample.crates,
        }[command]
    )


async def test_watch_events_name_each_change_including_deletions(
    control_plane: ControlPlane, admin_api: client.ApiClient, namespace: str
) -> None:
    workspaces = AnalyticsWorkspaceClient(admin_api)
    await workspaces.create(workspace(namespace, "first"))
    async with watching(
        control_plane.kubeconfig_path(),
        "workspaces", "list", "-w", "--output-watch-events", "-n", namespace,
    ) as watch:  # fmt: skip
        assert (await watch.line()).split()[:2] == ["EVENT", "NAME"]
        assert (await watch.line()).split()[:2] == ["ADDED", "first"]
        await workspaces.create(workspace(namespace, "second"))
        assert (await watch.line()).split()[:2] == ["ADDED", "second"]
        await workspaces.merge_patch(namespace, "first", {"spec": {"description": "v2"}})
        assert (await watch.line()).split()[:2] == ["MODIFIED", "first"]
        await workspaces.delete(namespace, "second")
        assert (await watch.line()).split()[:2] == ["DELETED", "second"]
        code, _ = await watch.interrupt()

    assert code == 0


async def test_watch_as_json_prints_each_object_as_it_changes(
    control_plane: ControlPlane, admin_api: client.ApiClient, namespace: str
) -> None:
    workspaces = AnalyticsWorkspaceClient(admin_api)
    await workspaces.create(workspace(namespace, "first"))
    async with watching(
        control_plane.kubeconfig_path(), "workspaces", "list", "-w", "-o", "json", "-n", namespace
    ) as watch:
        await watch.line_where(lambda text: text == "}")
        await workspaces.merge_patch(namespace, "first", {"spec": {"description": "v2"}})
        await watch.line_where(lambda text: text == "}")
        code, _ = await watch.interrupt()

    documents = "\n".join(watch.lines).replace("}\n{", "}\x00{").split("\x00")
    assert [json.loads(doc)["spec"]["description"] for doc in documents] == [
        "A workspace for client tests",
        "v2",
    ]
    assert code == 0


async def test_watch_filters_on_the_commands_own_options(
    control_plane: ControlPlane, admin_api: client.ApiClient, namespace: str, sample: SampleData
) -> None:
    bindings = AnalyticsWorkspaceBindingClient(admin_api)
    async with watching(
        control_plane.kubeconfig_path(),
        "bindings", "list", "-w", "--user", "trainee@example.org", "-n", namespace,
    ) as watch:  # fmt: skip
        await watch.line()  # header
        row = await watch.line()
        assert "trainee@example.org" in row
        for name in sample.workspace_bindings:  # every binding changes; one line is printed
            await bindings.merge_patch(namespace, name, {"spec": {"comments": "audited"}})
        await bindings.merge_patch(namespace, row.split()[0], {"spec": {"comments": "last"}})
        changes = [await watch.line(), await watch.line()]
        code, _ = await watch.interrupt()

    assert [line.split()[0] for line in changes] == [row.split()[0]] * 2
    assert code == 0
