"""``lscsde dev up``: a local kube-apiserver with the CRDs and sample data
(:mod:`lscsde_sdk.envtest`), for trying the SDK, the command line tool and kubectl without a
cluster. Only running the command imports this module (see :mod:`lscsde_sdk.cli.dev`).

``up`` builds the control plane's binaries once (cached; progress on stderr), starts the
supervisor (:mod:`lscsde_sdk.cli.devserver`) detached, waits until it has seeded the sample
data, then prints what the sample user may start and the admin kubeconfig to use until
``down``. ``up`` when one is already running prints that one again. ``--foreground`` runs it
in this process until Ctrl-C, and once everything is printed its last line on stderr is
:data:`FOREGROUND_READY`; ``--exit-after-seed`` (``nox -s demo``) stops it right after
printing, in a temporary state directory unless one is given.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

from ..core.transport import Transport
from ..envtest import ControlPlaneError, ControlPlaneStartError, find_binaries
from ..errors import LscsdeError
from .devplane import DevReport, api_client, describe, serve
from .devstate import (
    LOG_FILE,
    SUPERVISOR_MODULE,
    DevState,
    ProcessRef,
    clear_state,
    default_state_dir,
    kill_leftovers,
    locked,
    read_state,
    stop_supervisor,
)
from .errors import CliError, describe_error
from .output import Column, Printer
from .sample_data import DEV_NAMESPACE

__all__ = ["FOREGROUND_READY", "START_TIMEOUT", "up"]

#: How long ``up`` waits for a detached control plane to be ready and seeded.
START_TIMEOUT: Final = 300.0
#: The last line ``up --foreground`` writes to stderr, once all else is printed and the
#: control plane is ready: from then on it runs until Ctrl-C.
FOREGROUND_READY: Final = "running until Ctrl-C (or: lscsde dev down)"
_POLL: Final = 0.2

PROFILE_COLUMNS = (
    Column("WORKSPACE", min_width=12),
    Column("DISPLAY NAME", min_width=12),
    Column("UNTIL", shrink=False),
    Column("DAYS LEFT", shrink=False),
    Column("LIMITS", min_width=10),
)
_KIND_NOUNS: Final = {
    "AnalyticsWorkspace": "workspace",
    "AnalyticsWorkspaceBinding": "workspace binding",
    "AnalyticsDataSource": "data source",
    "AnalyticsDataSourceBinding": "data source binding",
    "AnalyticsCrate": "crate",
}


# -- showing a running control plane ---------------------------------------------------------


def _resources_text(profile: dict[str, Any]) -> str:
    display = profile.get("resources_display") or {}
    section = display.get("limits") or display.get("requests") or {}
    return ", ".join(section.values()) or "-"


def _days(profile: dict[str, Any]) -> int | None:
    left = profile.get("ws_days_left")
    return left.days if left is not None else None


def _show(printer: Printer, state: DevState, report: DevReport, *, lasting: bool = True) -> None:
    """What runs and what the sample user may start; with ``lasting``, how to reach it."""
    profiles = report.profiles
    if not printer.tabular:
        printer.show(
            {
                "server": state.server,
                "namespace": state.namespace,
                "kubeconfig": state.kubeconfig,
                "mode": state.mode,
                "supervisor": state.supervisor.pid,
                "processes": {name: ref.pid for name, ref in state.children.items()},
                "objects": report.counts,
                "sampleUser": report.username,
                "permitted": [
                    {
                        "slug": p.get("slug"),
                        "displayName": p.get("display_name"),
                        "startDate": p.get("start_date"),
                        "endDate": p.get("end_date"),
                        "daysLeft": _days(p),
                        "resources": p.get("resources_display"),
                    }
                    for p in profiles
                ],
            }
        )
        return
    counts = ", ".join(
        f"{count} {_KIND_NOUNS.get(kind, kind)}{'' if count == 1 else 's'}"
        for kind, count in report.counts.items()
    )
    printer.line(
        f"dev control plane: {state.server} "
        f"(namespace {state.namespace}, {state.mode}, pid {state.supervisor.pid})"
    )
    printer.line(f"objects: {counts}")
    printer.line()
    printer.line(f"{report.username} may start:")
    printer.show(
        None,
        PROFILE_COLUMNS,
        [
            [
                str(p.get("slug") or ""),
                str(p.get("display_name") or ""),
                str(p.get("end_date") or ""),
                str(_days(p) if _days(p) is not None else ""),
                _resources_text(p),
            ]
            for p in profiles
        ],
    )
    if not lasting:
        return
    printer.line()
    printer.line(f"kubeconfig: {state.kubeconfig}")
    printer.line(f"  lscsde --kubeconfig {state.kubeconfig} access {report.username}")
    printer.line(f"  kubectl --kubeconfig {state.kubeconfig} get analyticsworkspaces")


async def _describe(state: DevState) -> DevReport:
    try:
        async with await api_client(Path(state.kubeconfig)) as api:
            return await describe(Transport.of(api), state.namespace)
    except LscsdeError as error:
        raise describe_error(error, state.server) from error


# -- up ----------------------------------------------------------------------------------------


def _running(state_dir: Path) -> DevState | None:
    """The recorded control plane if its supervisor still runs; a stale record is removed."""
    state = read_state(state_dir)
    if state is None:
        return None
    if state.supervisor.alive():
        return state
    kill_leftovers(state.children.values())
    clear_state(state_dir)
    return None


def _relay(log: Path, offset: int, printer: Printer) -> int:
    """Copy the complete lines the log gained since ``offset`` to stderr; the new offset."""
    try:
        with log.open("rb") as handle:
            handle.seek(offset)
            data = handle.read()
    except FileNotFoundError:
        return offset
    complete = data[: data.rfind(b"\n") + 1]
    if complete:
        printer.err.write(complete.decode("utf-8", "replace"))
        printer.err.flush()
    return offset + len(complete)


def _launch(state_dir: Path, namespace: str) -> ProcessRef:
    """Start the supervisor through the ``--detach`` launcher, which exits at once: the
    supervisor is then nobody's child here and outlives this process."""
    launcher = subprocess.run(
        [
            sys.executable,
            "-m",
            SUPERVISOR_MODULE,
            "--detach",
            "--state-dir",
            str(state_dir),
            "--namespace",
            namespace,
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if launcher.returncode != 0 or not launcher.stdout.strip().isdigit():
        problem = (launcher.stderr.strip().splitlines() or ["no output"])[-1]
        raise CliError(f"could not start the dev control plane's supervisor: {problem}")
    return ProcessRef.of(int(launcher.stdout.strip()))


def _wait_until_ready(
    state_dir: Path, supervisor: ProcessRef, offset: int, printer: Printer
) -> DevState:
    log = state_dir / LOG_FILE
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        offset = _relay(log, offset, printer)
        state = read_state(state_dir)
        if state is not None and state.supervisor.pid == supervisor.pid:
            return state
        if not supervisor.alive():
            _relay(log, offset, printer)
            raise CliError(f"the dev control plane did not start (its log: {log})")
        if time.monotonic() > deadline:
            raise CliError(
                f"the dev control plane was not ready after {START_TIMEOUT:.0f}s (its log: {log})"
            )
        time.sleep(_POLL)


def _up_detached(state_dir: Path, namespace: str, printer: Printer) -> DevState:
    log = state_dir / LOG_FILE
    offset = log.stat().st_size if log.exists() else 0
    supervisor = _launch(state_dir, namespace)
    try:
        return _wait_until_ready(state_dir, supervisor, offset, printer)
    except BaseException:  # not ready, or Ctrl-C: leave nothing running behind
        stop_supervisor(supervisor)
        raise


@contextlib.contextmanager
def _state_dir_for(args: argparse.Namespace) -> Iterator[Path]:
    if args.state_dir is not None:
        yield Path(args.state_dir).expanduser()
    elif args.exit_after_seed:
        # Nothing outlives the command, so it needs no state another command could read,
        # and it must not disturb a control plane started with `dev up`.
        with tempfile.TemporaryDirectory(prefix="lscsde-dev-") as directory:
            yield Path(directory)
    else:
        yield default_state_dir()


def up(args: argparse.Namespace, printer: Printer) -> int:
    namespace = args.namespace or DEV_NAMESPACE
    with _state_dir_for(args) as state_dir, locked(state_dir) as lock:
        existing = _running(state_dir)
        if existing is not None:
            printer.note(f"already running (pid {existing.supervisor.pid}, {existing.mode})")
            _show(printer, existing, asyncio.run(_describe(existing)))
            return 0
        try:
            find_binaries(build=True, stream=printer.err)  # once, with progress, then cached
            if not (args.foreground or args.exit_after_seed):
                state = _up_detached(state_dir, namespace, printer)
                _show(printer, state, asyncio.run(_describe(state)))
                printer.note(f"stop it with: lscsde dev down --state-dir {state_dir}")
                return 0

            def ready(state: DevState, report: DevReport) -> None:
                lock.release()  # `dev down` from another terminal may now stop it
                _show(printer, state, report, lasting=not args.exit_after_seed)
                printer.flush()  # all of it out before the last line, the ready signal
                printer.note(
                    "stopping (--exit-after-seed)" if args.exit_after_seed else FOREGROUND_READY
                )

            return serve(
                state_dir,
                namespace,
                mode="foreground",
                progress=printer.err,
                on_ready=ready,
                exit_when_ready=args.exit_after_seed,
            )
        except ControlPlaneStartError as error:
            printer.note(error.logs)
            raise CliError(str(error).splitlines()[0]) from error
        except ControlPlaneError as error:
            raise CliError(str(error)) from error
