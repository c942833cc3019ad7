"""``python -m lscsde_sdk.cli.devserver``: the detached supervisor of ``lscsde dev up``.

With ``--detach`` it is only the launcher: it starts the supervisor in a new session (no
terminal, so closing one does not hang it up), its output appended to the state directory's
log, prints its PID and exits at once. The supervisor is then nobody's child and outlives
the command that started it; it serves the control plane
(:func:`lscsde_sdk.cli.devplane.serve`) until SIGTERM.

Nothing imports this module: it is only ever run.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from .devplane import serve
from .devstate import LOG_FILE, SUPERVISOR_MODULE

__all__ = ["detach", "main"]


def detach(state_dir: Path, namespace: str) -> int:
    """Start the supervisor in a new session and return its PID without waiting for it."""
    state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    with (state_dir / LOG_FILE).open("ab") as log:
        supervisor = subprocess.Popen(
            [
                sys.executable,
                "-u",
                "-m",
                SUPERVISOR_MODULE,
                "--state-dir",
                str(state_dir),
                "--namespace",
                namespace,
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
        )
    return supervisor.pid


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m {SUPERVISOR_MODULE}", description=__doc__)
    parser.add_argument("--state-dir", required=True, type=Path)
    parser.add_argument("--namespace", required=True)
    parser.add_argument(
        "--detach", action="store_true", help="start the supervisor, print its PID, exit"
    )
    args = parser.parse_args(argv)
    if args.detach:
        print(detach(args.state_dir, args.namespace), flush=True)
        return 0
    try:
        return serve(args.state_dir, args.namespace, mode="detached", progress=sys.stderr)
    except Exception as error:  # the log is all there is: one clear line, then exit 1
        print(f"error: {type(error).__name__}: {error}", file=sys.stderr, flush=True)
        return 1


if __name__ == "__main__":
    sys.exit(main())
