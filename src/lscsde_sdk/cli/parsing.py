"""The argument parser's conventions, shared by every command module.

* Errors in the arguments are one line (``error: ...``) and exit code 2, argparse's
  convention, without the usage block (:class:`CliParser`).
* The global options (``--kubeconfig``, ``--context``, ``-n/--namespace``, ``-o/--output``)
  are accepted before the command and after it, as kubectl accepts them anywhere.
* Each command is a :class:`ClusterCommand` (runs inside one connection to the API server)
  or a :class:`LocalCommand` (no cluster, or manages its own); :func:`add_command` declares
  either.
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn

from .output import FORMATS, Printer

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


def add_global_options(parser: argparse.ArgumentParser, *, defaults: bool) -> None:
    """The kubectl-style options. On the top-level parser (``defaults``) they have their
    defaults; on each command they default to nothing, so a value given before the command
    is kept unless given again after it."""

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
        choices=FORMATS,
        default=default("table"),
        help="output format (default: table)",
    )


def add_command(
    commands: argparse._SubParsersAction[CliParser],
    name: str,
    command: ClusterCommand | LocalCommand,
    *,
    help: str,
    description: str | None = None,
) -> CliParser:
    """Declare ``name`` under ``commands``, with the global options, running ``command``."""
    parser = commands.add_parser(name, help=help, description=description or help)
    add_global_options(parser, defaults=False)
    parser.set_defaults(command=command)
    return parser


def add_group(
    commands: argparse._SubParsersAction[CliParser], name: str, *, help: str
) -> argparse._SubParsersAction[CliParser]:
    """A command group (``workspaces``, ``crds``, ...) whose subcommands are required."""
    parser = commands.add_parser(name, help=help, description=help)
    return parser.add_subparsers(
        title="commands", dest=f"{name}_command", metavar="COMMAND", required=True
    )
