"""Shared fixtures: the real control plane (lscsde_sdk.testing) and example manifests."""

from __future__ import annotations

pytest_plugins = ["lscsde_sdk.testing.pytest_plugin"]
