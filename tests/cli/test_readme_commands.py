"""The README's command line examples run as written, against the sample data.

``dev up`` / ``dev down`` are left to ``test_dev.py``; here the other commands run in order,
as the admin of the test control plane, in a namespace holding what ``dev up`` seeds (the
README's ``export KUBECONFIG`` points at that)."""

from __future__ import annotations

import glob
import re
import shlex
from datetime import date, timedelta
from pathlib import Path

import pytest

from lscsde_sdk.cli.sample_data import SampleData

from .conftest import Cli

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
_UNLABELLED = re.compile(r"objects in namespace (\S+) carry no ")


def readme_commands() -> list[list[str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Command line") :]
    block = re.search(r"```bash\n(.*?)```", section, flags=re.S)
    assert block is not None
    commands = []
    for line in block.group(1).splitlines():
        argv = shlex.split(line, comments=True)
        if argv[:1] == ["lscsde"] and argv[1:2] != ["dev"]:
            commands.append(argv[1:])
    return commands


def as_run_here(argv: list[str]) -> list[str]:
    """Globs expanded from the repository root, as a shell in a checkout would; a date that
    has passed since the README was written moved into the future."""
    expanded: list[str] = []
    for arg in argv:
        if any(c in arg for c in "*?["):
            expanded += sorted(glob.glob(str(ROOT / arg)))
        elif _DATE.fullmatch(arg) and date.fromisoformat(arg) <= date.today():
            expanded.append((date.today() + timedelta(days=90)).isoformat())
        else:
            expanded.append(arg)
    return expanded


def test_the_readme_shows_the_command_line() -> None:
    assert len(readme_commands()) >= 10


async def test_the_readme_commands_run_in_order(cli: Cli, sample: SampleData) -> None:
    for argv in readme_commands():
        result = await cli(*as_run_here(argv))

        assert result.code == 0, f"lscsde {shlex.join(argv)}:\n{result.out}{result.err}"
        assert own_warnings(result.err, cli.namespace) == [], result.err


def own_warnings(err: str, namespace: str) -> list[str]:
    """The warnings of a run, less those about unlabelled bindings in other namespaces: other
    tests share the control plane, and ``access -A`` reads every namespace."""
    found = []
    for line in err.splitlines():
        other = _UNLABELLED.search(line)
        if line.startswith("warning:") and (other is None or other.group(1) == namespace):
            found.append(line)
    return found
