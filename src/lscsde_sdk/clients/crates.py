"""The AnalyticsCrate client, recording events for its changes like the other kinds."""

from __future__ import annotations

from .._generated import clients as generated
from ..models import AnalyticsCrate, AnalyticsCrateStatus
from .recording import RecordingClient

__all__ = ["AnalyticsCrateClient"]


class AnalyticsCrateClient(
    RecordingClient[AnalyticsCrate, AnalyticsCrateStatus],
    generated.AnalyticsCrateClient,
):
    """Reads and writes AnalyticsCrates, recording CrateCreated/Updated/Deleted events."""
