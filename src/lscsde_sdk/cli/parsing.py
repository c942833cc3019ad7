"""The argument parser's conventions, shared by every command module.

* Errors in the arguments are one line (``error: ...``) and exit code 2, argparse's
  convention, without the usage block (:class:`CliParser`).
* The global options (``--kubeconfig``, ``--context``, ``-n/--namespace``, ``-o/--output``,
  ``--no-headers``, ``--show-managed-fields``) are accepted before the command and after
  it, as kubectl accepts them anywhere. Each command declares the output formats it has
  (:func:`add_command`).
* Each command is a :class:`ClusterCommand` (runs inside one connection to the API server)
  or a :class:`LocalCommand` (no cluster, or manages its own); :func:`add_command` declares
  either.
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn

from .output import FORMATS, REPORT_FORMATS, Format, Printer

if TYPE_CHECKING:
    from .session import Session

__all__ = [
    "CliParser",
    "ClusterCommand",
    "LocalCommand",
    "UsageError",
    "add_command",
    "add_global_options",
    "add_group",
    "check_format",
]


class UsageError(Exception):
    """The command line cannot be used (argparse's complaint, made one line)."""


class CliParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are raised as :class:`UsageError` (the caller prints
    them as one line and exits 2) instead of printing the usage and exiting."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see: {self.prog} --help)")


@dataclass(frozen=True)
class ClusterCommand:
    """A command that talks to the API server through one :class:`Session`."""

    run: Callable[[argparse.Namespace, Session, Printer], Awaitable[int]]


@dataclass(frozen=True)
class LocalCommand:
    """A command that needs no connection (or opens its own)."""

    run: Callable[[argparse.Namespace, Printer], int]


def add_global_options(
    parser: argparse.ArgumentParser, *, defaults: bool, formats: Sequence[Format] = FORMATS
) -> None:
    """The kubectl-style options. On the top-level parser (``defaults``) they have their
    defaults; on each command they default to nothing, so a value given before the command
    is kept unless given again after it. ``formats``: the choices of ``-o``."""

    def default(value: Any) -> Any:
        return value if defaults else argparse.SUPPRESS

    group = parser.add_argument_group("global options")
    group.add_argument(
        "--kubeconfig",
        metavar="PATH",
        default=default(None),
        help="kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)",
    )
    group.add_argument(
        "--context",
        metavar="NAME",
        default=default(None),
        help="kubeconfig context (default: its current context)",
    )
    group.add_argument(
        "-n",
        "--namespace",
        metavar="NS",
        default=default(None),
        help="namespace (default: the context's namespace, else 'default')",
    )
    group.add_argument(
        "-o",
        "--output",
        choices=formats,
        default=default("table"),
        help="output format (default: table; wide adds columns; name prints kind.group/name)",
    )
    group.add_argument(
        "--no-headers",
        action="store_true",
        default=default(False),
        help="tables without their header line",
    )
    group.add_argument(
        "--show-managed-fields",
        action="store_true",
        default=default(False),
        help="keep metadata.managedFields in JSON and YAML output (left out by default)",
    )


def add_command(
    commands: argparse._SubParsersAction[CliParser],
    name: str,
    command: ClusterCommand | LocalCommand,
    *,
    help: str,
    description: str | None = None,
    formats: Sequence[Format] = REPORT_FORMATS,
) -> CliParser:
    """Declare ``name`` under ``commands``, with the global options, running ``command``.
    ``formats``: the output formats it has (commands that print objects have them all;
    ``wide`` and ``name`` only make sense for those)."""
    parser = commands.add_parser(name, help=help, description=description or help)
    add_global_options(parser, defaults=False, formats=formats)
    parser.set_defaults(command=command, formats=tuple(formats))
    return parser


def check_format(args: argparse.Namespace, prog: str) -> None:
    """:class:`UsageError` when ``-o`` (given before the command, where every format is a
    choice) names a format the command does not have."""
    formats: tuple[str, ...] = getattr(args, "formats", FORMATS)
    if args.output not in formats:
        raise UsageError(
            f"argument -o/--output: invalid choice: {args.output!r} for this command "
            f"(choose from {', '.join(repr(f) for f in formats)}) (see: {prog} --help)"
        )


def add_group(
    commands: argparse._SubParsersAction[CliParser], name: str, *, help: str
) -> argparse._SubParsersAction[CliParser]:
    """A command group (``workspaces``, ``crds``, ...) whose subcommands are required."""
    parser = commands.add_parser(name, help=help, description=help)
    return parser.add_subparsers(
        title="commands", dest=f"{name}_command", metavar="COMMAND", required=True
    )
