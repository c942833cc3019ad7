"""``lscsde dev up`` / ``dev down``: a detached control plane with sample data, reachable
with the kubeconfig it prints, started once, and gone after ``down``."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import IO

import pytest
import pytest_asyncio
from kubernetes_asyncio import client, config

from lscsde_sdk.cli.devstate import DevState, ProcessRef, read_state
from lscsde_sdk.cli.devup import FOREGROUND_READY, START_TIMEOUT
from lscsde_sdk.cli.sample_data import DEV_NAMESPACE, SAMPLE_USER
from lscsde_sdk.envtest import ControlPlaneBinaries
from lscsde_sdk.managers import AnalyticsWorkspaceManager

from .conftest import Result, run_cli
from .console import ctrl_c_reaches_it

pytestmark = pytest.mark.integration

PERMITTED = ["cancer-outcomes", "diabetes-cohort"]


def parent_of(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat[stat.rindex(")") + 2 :].split()[1])


async def cli(*argv: str) -> Result:
    return await asyncio.to_thread(run_cli, list(argv))


@pytest_asyncio.fixture(loop_scope="session")
async def state_dir(
    control_plane_binaries: ControlPlaneBinaries, tmp_path: Path
) -> AsyncIterator[Path]:
    """A state directory whose control plane, if any is left, is stopped afterwards."""
    directory = tmp_path / "dev"
    try:
        yield directory
    finally:
        state = read_state(directory)
        if state is not None and state.supervisor.alive():
            await cli("dev", "down", "--state-dir", str(directory))


async def test_up_starts_a_detached_seeded_control_plane_that_down_stops(
    state_dir: Path,
) -> None:
    up = await cli("dev", "up", "--state-dir", str(state_dir))

    assert up.code == 0, up.err
    state = read_state(state_dir)
    assert isinstance(state, DevState)
    kubeconfig = state_dir / "kubeconfig.yaml"
    assert state.kubeconfig == str(kubeconfig)
    assert f"kubeconfig: {kubeconfig}" in up.out_lines
    assert f"{SAMPLE_USER} may start:" in up.out_lines
    start = up.out_lines.index(f"{SAMPLE_USER} may start:")
    assert [line.split()[0] for line in up.out_lines[start + 2 : start + 4]] == PERMITTED
    assert "CustomResourceDefinition analyticsworkspaces.xlscsde.nhs.uk created" in up.err
    assert kubeconfig.stat().st_mode & 0o077 == 0  # admin credentials: owner only

    # Detached: nobody's child here; etcd and kube-apiserver are the supervisor's.
    processes = [state.supervisor, *state.children.values()]
    assert all(process.alive() for process in processes)
    assert parent_of(state.supervisor.pid) != os.getpid()
    assert {parent_of(child.pid) for child in state.children.values()} == {state.supervisor.pid}

    # The printed kubeconfig works for the SDK (and kubectl), defaulting to the namespace.
    configuration = client.Configuration()
    await config.load_kube_config(config_file=str(kubeconfig), client_configuration=configuration)
    async with client.ApiClient(configuration=configuration) as api:
        profiles = await AnalyticsWorkspaceManager(api).permitted_profiles(
            DEV_NAMESPACE, SAMPLE_USER
        )
    assert [profile["slug"] for profile in profiles] == PERMITTED
    access = await cli("--kubeconfig", str(kubeconfig), "access", SAMPLE_USER, "-o", "json")
    assert access.code == 0, access.err
    assert json.loads(access.out)["namespace"] == DEV_NAMESPACE

    # Up again: the same one, nothing new started.
    again = await cli("dev", "up", "--state-dir", str(state_dir), "-o", "json")
    assert again.code == 0, again.err
    assert again.err == f"already running (pid {state.supervisor.pid}, detached)\n"
    shown = json.loads(again.out)
    assert (shown["kubeconfig"], shown["supervisor"]) == (str(kubeconfig), state.supervisor.pid)
    assert [item["slug"] for item in shown["permitted"]] == PERMITTED
    assert read_state(state_dir) == state

    down = await cli("dev", "down", "--state-dir", str(state_dir))

    assert down.code == 0, down.err
    assert down.out == f"stopped the dev control plane at {state.server}\n"
    assert not any(process.alive() for process in processes)
    assert not await asyncio.to_thread(state_dir.exists)


async def test_down_when_nothing_runs_says_so(tmp_path: Path) -> None:
    result = await cli("dev", "down", "--state-dir", str(tmp_path / "none"))

    assert result.code == 0
    assert result.err == f"no dev control plane is running (nothing in {tmp_path / 'none'})\n"


async def test_a_stale_state_is_cleaned_up(tmp_path: Path) -> None:
    state_dir = tmp_path / "stale"
    state_dir.mkdir()
    gone = ProcessRef(pid=2**22 + 12345, started="1")  # above any PID the kernel hands out
    stale = DevState(gone, "detached", "https://127.0.0.1:1", "jupyterhub", "k", {"etcd": gone})
    (state_dir / "state.json").write_text(stale.to_json())

    result = await cli("dev", "down", "--state-dir", str(state_dir))

    assert result.code == 0
    assert result.err == f"no dev control plane is running (state in {state_dir} removed)\n"
    assert not await asyncio.to_thread(state_dir.exists)


class Lines:
    """The lines of a pipe, read as they come by a thread of their own, and an event for the
    first line that ``until`` accepts."""

    def __init__(self, pipe: IO[str], until: Callable[[str], bool] | None = None) -> None:
        self.lines: list[str] = []
        self.seen = threading.Event()
        self._thread = threading.Thread(target=self._read, args=(pipe, until), daemon=True)
        self._thread.start()

    def _read(self, pipe: IO[str], until: Callable[[str], bool] | None) -> None:
        for line in pipe:
            self.lines.append(line.rstrip("\n"))
            if until is not None and until(line.rstrip("\n")):
                self.seen.set()

    def to_the_end(self, timeout: float) -> list[str]:
        """Every line, once the pipe is closed."""
        self._thread.join(timeout)
        assert not self._thread.is_alive(), f"the pipe is still open after {timeout}s"
        return self.lines


def test_foreground_runs_until_ctrl_c_then_stops_cleanly(
    control_plane_binaries: ControlPlaneBinaries, tmp_path: Path
) -> None:
    state_dir = tmp_path / "fg"
    with subprocess.Popen(
        [
            sys.executable,
            "-m",
            "lscsde_sdk",
            "dev",
            "up",
            "--foreground",
            "--state-dir",
            str(state_dir),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=ctrl_c_reaches_it,
    ) as process:  # closes both pipes at the end
        try:
            assert process.stdout is not None and process.stderr is not None
            # The last line of the description on stdout, and the ready line on stderr: each
            # pipe has its own reader, so each is waited for (stdout is written first, but its
            # reader may not have read it yet when stderr's line arrives).
            out = Lines(process.stdout, until=lambda line: line.startswith("  kubectl "))
            err = Lines(process.stderr, until=lambda line: line == FOREGROUND_READY)
            assert err.seen.wait(START_TIMEOUT), "\n".join(err.lines)
            assert out.seen.wait(START_TIMEOUT), "\n".join(out.lines)
            state = read_state(state_dir)
            assert state is not None and state.mode == "foreground"
            assert state.supervisor.pid == process.pid
            ready = list(out.lines)
            assert ready[0].startswith(f"dev control plane: {state.server} (namespace jupyterhub")
            assert f"kubeconfig: {state_dir / 'kubeconfig.yaml'}" in ready

            process.send_signal(signal.SIGINT)
            process.wait(timeout=120)
            out_lines, err_lines = out.to_the_end(120), err.to_the_end(120)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()

    assert process.returncode == 0, "\n".join(err_lines)
    assert out_lines == ready  # nothing more on stdout
    assert err_lines[err_lines.index(FOREGROUND_READY) :] == [FOREGROUND_READY, "stopping"]
    assert not any(child.alive() for child in state.children.values())
    assert read_state(state_dir) is None
