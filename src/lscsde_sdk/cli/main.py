"""The ``lscsde`` entry point: the argument parser, and turning every failure into one line.

``main(argv)`` runs one command and returns its exit code (see :mod:`lscsde_sdk.cli.errors`);
it never raises and never prints a traceback (set ``LSCSDE_DEBUG=1`` to get one for an
unexpected error). Cluster commands run in one ``asyncio.run`` over one connection.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from typing import TextIO

from .. import __version__
from ..errors import LscsdeError, NotFoundError
from . import (
    access,
    bindings,
    crates,
    crds,
    datasources,
    dev,
    grants,
    relabel,
    validate,
    workspaces,
)
from .errors import EXIT_FAILED, EXIT_OK, EXIT_UNUSABLE, CliError, describe_error, request_target
from .output import Printer
from .parsing import (
    CliParser,
    ClusterCommand,
    LocalCommand,
    UsageError,
    add_global_options,
    check_format,
)
from .session import namespace_exists, open_session
from .terminal import terminal_width

__all__ = ["build_parser", "main"]

DEBUG_ENV = "LSCSDE_DEBUG"
_EXIT_INTERRUPTED = 130
_EPILOG = (
    "Exit codes: 0 success (also a --watch ended with Ctrl-C); 1 the operation failed (not "
    "found, permission denied, invalid manifests, CRD drift); 2 bad arguments (a selector "
    "the API server refuses too), an unusable kubeconfig, or no API server."
)


def build_parser() -> CliParser:
    parser = CliParser(
        prog="lscsde",
        description=(
            "Inspect and administer the LSC SDE analytics workspace resources "
            "(xlscsde.nhs.uk/v1) with kubectl's conventions."
        ),
        epilog=_EPILOG,
    )
    parser.add_argument("--version", action="version", version=f"lscsde {__version__}")
    add_global_options(parser, defaults=True)
    commands = parser.add_subparsers(
        title="commands", dest="command_name", metavar="COMMAND", required=True
    )
    for module in (
        workspaces,
        bindings,
        datasources,
        crates,
        access,
        grants,
        relabel,
        validate,
        crds,
        dev,
    ):
        module.register(commands)
    return parser


class _WarningsTo(logging.Handler):
    """The SDK's warnings (a binding to a missing workspace, an event not recorded) as
    ``warning: ...`` lines on stderr."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__(logging.WARNING)
        self.stream = stream

    def emit(self, record: logging.LogRecord) -> None:
        self.stream.write(f"warning: {record.getMessage()}\n")


@contextlib.contextmanager
def _sdk_warnings(stream: TextIO) -> Iterator[None]:
    logger = logging.getLogger("lscsde_sdk")
    handler = _WarningsTo(stream)
    propagate = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


async def _run_cluster(command: ClusterCommand, args: argparse.Namespace, printer: Printer) -> int:
    async with open_session(args.kubeconfig, args.context, args.namespace) as session:
        try:
            return await command.run(args, session, printer)
        except NotFoundError as error:
            # "workspace x not found" would hide the likelier mistake: a mistyped namespace.
            target = request_target(error.method or "", error.path or "")
            if target is not None and target.namespace is not None:
                if await namespace_exists(session, target.namespace) is False:
                    raise CliError(f"namespace {target.namespace} not found") from error
            raise describe_error(error, session.server) from error
        except LscsdeError as error:
            raise describe_error(error, session.server) from error


def _run(args: argparse.Namespace, printer: Printer) -> int:
    command = args.command
    if isinstance(command, ClusterCommand):
        return asyncio.run(_run_cluster(command, args, printer))
    assert isinstance(command, LocalCommand)
    return command.run(args, printer)


def _error_line(stream: TextIO, message: str) -> None:
    """``error: <message>`` as one line, whatever line breaks the message (a server's, a
    parser's) holds."""
    stream.write(f"error: {' '.join(message.split())}\n")


def main(
    argv: Sequence[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    """Run ``lscsde`` with ``argv`` (default: the process's arguments), writing to
    ``stdout``/``stderr`` (default: the process's); the exit code."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            args = build_parser().parse_args(argv)
        check_format(args, "lscsde")
    except UsageError as error:
        _error_line(err, str(error))
        return EXIT_UNUSABLE
    except SystemExit as exit:  # --help, --version
        return exit.code if isinstance(exit.code, int) else EXIT_UNUSABLE
    printer = Printer(
        out,
        err,
        args.output,
        width=terminal_width(out),
        headers=not args.no_headers,
        managed_fields=args.show_managed_fields,
    )
    try:
        with _sdk_warnings(err):
            return _run(args, printer)
    except CliError as error:
        _error_line(err, error.message)
        return error.exit_code
    except LscsdeError as error:
        failure = describe_error(error)
        _error_line(err, failure.message)
        return failure.exit_code
    except KeyboardInterrupt:
        if getattr(args, "watch", False):
            return EXIT_OK  # Ctrl-C is how a watch ends
        err.write("error: interrupted\n")
        return _EXIT_INTERRUPTED
    except Exception as error:
        if os.environ.get(DEBUG_ENV):
            raise
        _error_line(
            err, f"unexpected {type(error).__name__}: {error} (set {DEBUG_ENV}=1 to see where)"
        )
        return EXIT_FAILED
    finally:
        out.flush()
