"""The ``lscsde`` command line tool (also ``python -m lscsde_sdk``).

One module per command group (``workspaces``, ``bindings``, ``datasources``, ``crates``,
``access``, ``grants``, ``relabel``, ``validate``, ``crds``, ``dev``) and per ``describe``
(``describe_workspace``, ...); :mod:`.main` holds the parser and turns failures into one line
and an exit code; :mod:`.output` renders tables, names, JSON and YAML; :mod:`.listing` gives
every list its selection options and ``--watch``; :mod:`.describe` lays out ``describe``.
"""

from __future__ import annotations

from .main import main

__all__ = ["main"]
