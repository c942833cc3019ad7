"""Whether output goes to a terminal, and how wide it is.

Tables cut free text only to fit a terminal, and progress counters are drawn only on one:
piped or redirected output is never cut and never carries progress.
"""

from __future__ import annotations

import os
from typing import TextIO

__all__ = ["is_terminal", "terminal_width"]


def is_terminal(stream: TextIO) -> bool:
    """Whether ``stream`` writes to a terminal (not a pipe, a file or an in-memory buffer)."""
    try:
        return stream.isatty()
    except (AttributeError, OSError, ValueError):  # closed, or a stream without a descriptor
        return False


def terminal_width(stream: TextIO) -> int | None:
    """The width of the terminal ``stream`` writes to: ``$COLUMNS`` when set (as shells and
    :func:`shutil.get_terminal_size` honour it), else the terminal's own; ``None`` when
    ``stream`` is not a terminal."""
    if not is_terminal(stream):
        return None
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    try:
        return os.get_terminal_size(stream.fileno()).columns or None
    except (AttributeError, OSError, ValueError):
        return None
