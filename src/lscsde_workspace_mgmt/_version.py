"""The version of this package: that of lscsde-sdk, which ships it."""

from __future__ import annotations

from lscsde_sdk import __version__

__all__ = ["__version__"]
