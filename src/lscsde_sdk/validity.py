"""Where a workspace or a workspace binding stands in its own dates, and when that changes.

The rules are those of the lookups (:mod:`lscsde_sdk.access`, :mod:`lscsde_sdk.converters`):
a workspace can be used from its ``availableFrom`` date (inclusive) until its ``expires`` date
(exclusive); a binding grants access until its ``expires`` date (exclusive). Days are local
dates (:func:`lscsde_sdk.converters.today`), so a phase changes at local midnight.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum

from .models import AnalyticsWorkspace, AnalyticsWorkspaceBinding

__all__ = [
    "Phase",
    "Validity",
    "binding_validity",
    "seconds_until",
    "workspace_validity",
]


class Phase(StrEnum):
    """Where an object stands on a day; the value is the ``statusText`` that says so."""

    NOT_YET_AVAILABLE = "Not yet available"
    AVAILABLE = "Available"
    EXPIRED = "Expired"


@dataclass(frozen=True)
class Validity:
    """The days an object can be used: from ``available_from`` (``None``: always) until,
    not including, ``expires``."""

    available_from: date | None
    expires: date

    def phase(self, day: date) -> Phase:
        """The phase on ``day``."""
        if day >= self.expires:
            return Phase.EXPIRED
        if self.available_from is not None and day < self.available_from:
            return Phase.NOT_YET_AVAILABLE
        return Phase.AVAILABLE

    def next_change(self, day: date) -> date | None:
        """The first day after ``day`` whose phase differs from ``day``'s; ``None`` once
        expired (nothing changes any more)."""
        if day >= self.expires:
            return None
        if self.available_from is not None and day < self.available_from:
            # An object that expires before it becomes available goes straight to expired.
            return min(self.available_from, self.expires)
        return self.expires


def workspace_validity(workspace: AnalyticsWorkspace) -> Validity | None:
    """The workspace's ``spec.validity``; ``None`` for a workspace without spec."""
    if workspace.spec is None:
        return None
    validity = workspace.spec.validity
    return Validity(validity.available_from, validity.expires)


def binding_validity(binding: AnalyticsWorkspaceBinding) -> Validity | None:
    """The binding's own dates (it grants access until ``spec.expires``); ``None`` for a
    binding without spec."""
    if binding.spec is None:
        return None
    return Validity(None, binding.spec.expires)


def seconds_until(day: date, now: datetime) -> float:
    """Seconds from ``now`` (local, naive or aware) to the local midnight that starts ``day``;
    0 when that is past."""
    start = datetime.combine(day, time.min)
    if now.tzinfo is not None:
        start = start.astimezone()  # local midnight, in the local zone of that day
        now = now.astimezone(start.tzinfo)
    return max(0.0, (start - now).total_seconds())
