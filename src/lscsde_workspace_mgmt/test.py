"""Runs the shipped self-checks (``lscsde_workspace_mgmt.tests``): ``python -m
lscsde_workspace_mgmt.test``. Exit status 0 when all pass."""

from __future__ import annotations

import sys
import unittest

from .tests import MODULES


def suite() -> unittest.TestSuite:
    return unittest.defaultTestLoader.loadTestsFromNames(MODULES)


def main() -> int:
    result = unittest.TextTestRunner(verbosity=1).run(suite())
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
