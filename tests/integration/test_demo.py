"""The demo (``nox -s demo``) runs end to end against the test control plane."""

from __future__ import annotations

import pytest

from lscsde_sdk.testing import ControlPlane
from lscsde_sdk.testing.demo import run_demo

pytestmark = pytest.mark.integration


async def test_demo_runs_and_shows_the_users_profile(
    control_plane: ControlPlane, capsys: pytest.CaptureFixture[str]
) -> None:
    await run_demo(control_plane, "researcher1@example.org")

    shown = capsys.readouterr().out
    assert '"slug": "cancer-outcomes"' in shown
    assert "/home/jovyan/reference <- claim volume outcomes-reference-data" in shown
    assert "WorkspaceBindingCreated" in shown
