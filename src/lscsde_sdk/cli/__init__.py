"""The ``lscsde`` command line tool (also ``python -m lscsde_sdk``).

One module per command group (``workspaces``, ``bindings``, ``datasources``, ``crates``,
``access``, ``grants``, ``validate``, ``crds``, ``dev``); :mod:`.main` holds the parser and
turns failures into one line and an exit code; :mod:`.output` renders tables, JSON and YAML.
"""

from __future__ import annotations

from .main import main

__all__ = ["main"]
