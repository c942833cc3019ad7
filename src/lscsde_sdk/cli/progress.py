"""A progress counter on stderr for long operations, drawn only when stderr is a terminal.

``lscsde relabel`` over thousands of objects and ``lscsde crds install`` waiting for the CRDs
to be Established show ``<what>: <done>/<total>`` rewritten in place, and erase it when done.
Piped or redirected, nothing is drawn, so logs and scripts see only the result lines.
"""

from __future__ import annotations

import time
from typing import Final, TextIO

from .terminal import is_terminal

__all__ = ["Progress"]

#: Redraws at most this often: a terminal gains nothing from faster updates, and each costs a
#: write.
_REDRAW_SECONDS: Final = 0.1
# Carriage return, then erase to the end of the line (every terminal emulator knows it).
_ERASE_LINE: Final = "\r\x1b[K"


class Progress:
    """``what: done/total`` on ``stream`` when it is a terminal; nothing otherwise.

    Use :meth:`update` as often as wanted (the first and last counts are always drawn, the
    others at most every 0.1 s), then :meth:`done`, which erases the counter."""

    def __init__(self, stream: TextIO, what: str) -> None:
        self.stream = stream
        self.what = what
        self.enabled = is_terminal(stream)
        self._drawn_at: float | None = None

    def update(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        last = done >= total
        if self._drawn_at is not None and not last and now - self._drawn_at < _REDRAW_SECONDS:
            return
        self._drawn_at = now
        self.stream.write(f"{_ERASE_LINE}{self.what}: {done}/{total}")
        self.stream.flush()

    def done(self) -> None:
        if self.enabled and self._drawn_at is not None:
            self.stream.write(_ERASE_LINE)
            self.stream.flush()
            self._drawn_at = None
