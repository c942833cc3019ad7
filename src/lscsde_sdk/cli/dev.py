"""``lscsde dev up`` and ``lscsde dev down``: a local kube-apiserver with the CRDs and sample
data, for trying the SDK, the command line tool and kubectl without a cluster.

``up`` is :func:`lscsde_sdk.cli.devup.up`, imported only when it runs: it needs the control
plane (:mod:`lscsde_sdk.envtest`), which no other command loads. ``down`` stops what ``up``
recorded in the state directory (:mod:`lscsde_sdk.cli.devstate`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .devstate import (
    clear_state,
    default_state_dir,
    kill_leftovers,
    locked,
    read_state,
    stop_supervisor,
)
from .output import Printer
from .parsing import CliParser, LocalCommand, add_command, add_group

__all__ = ["down", "register", "up"]


def up(args: argparse.Namespace, printer: Printer) -> int:
    """``dev up`` (see :mod:`lscsde_sdk.cli.devup`)."""
    from . import devup  # the control plane: loaded by this command only

    return devup.up(args, printer)


def down(args: argparse.Namespace, printer: Printer) -> int:
    state_dir = Path(args.state_dir).expanduser() if args.state_dir else default_state_dir()
    if not state_dir.is_dir():
        printer.note(f"no dev control plane is running (nothing in {state_dir})")
        return 0
    with locked(state_dir):
        state = read_state(state_dir)
        if state is None or not state.supervisor.alive():
            if state is not None:
                kill_leftovers(state.children.values())
            clear_state(state_dir, everything=True)
            printer.note(f"no dev control plane is running (state in {state_dir} removed)")
            return 0
        printer.note(f"stopping the dev control plane (pid {state.supervisor.pid})")
        clean = stop_supervisor(state.supervisor)
        kill_leftovers(state.children.values())
        clear_state(state_dir, everything=True)
    if printer.tabular:
        printer.line(f"stopped the dev control plane at {state.server}")
    else:
        printer.show({"stopped": True, "server": state.server, "clean": clean})
    return 0


def register(commands: argparse._SubParsersAction[CliParser]) -> None:
    group = add_group(commands, "dev", help="a local control plane with sample data")
    starting = add_command(
        group,
        "up",
        LocalCommand(up),
        help="start it (detached)",
        description=(
            "Start a local kube-apiserver and etcd (built once from Go modules, then cached), "
            "install the CRDs, seed sample data, and print what the sample user may start and "
            "the admin kubeconfig to use until 'lscsde dev down'. It keeps running detached; "
            "if one is already running, it is shown again."
        ),
    )
    starting.add_argument(
        "--foreground", action="store_true", help="run in this process until Ctrl-C"
    )
    starting.add_argument(
        "--exit-after-seed",
        action="store_true",
        help="stop right after seeding and printing (a demo; implies --foreground)",
    )
    stopping = add_command(group, "down", LocalCommand(down), help="stop it and remove its state")
    for parser in (starting, stopping):
        parser.add_argument(
            "--state-dir",
            metavar="DIR",
            help="where its state is kept (default: ~/.cache/lscsde-sdk/dev)",
        )
