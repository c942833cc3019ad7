"""The CLI's modules import where POSIX-only modules are missing (Windows): only ``lscsde dev``,
which locks files with ``fcntl``, needs them, and only when it runs."""

from __future__ import annotations

import subprocess
import sys

_IMPORT_WITHOUT_POSIX_MODULES = """
import sys
for name in ("fcntl", "termios", "resource", "pwd", "grp"):
    sys.modules[name] = None  # what importing them gives on Windows: ImportError
from lscsde_sdk.cli.main import build_parser
build_parser().parse_args(["workspaces", "list"])
import lscsde_sdk.envtest, lscsde_sdk.testing
print("imported")
"""


def test_the_cli_imports_without_posix_only_modules() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _IMPORT_WITHOUT_POSIX_MODULES],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "imported\n"
