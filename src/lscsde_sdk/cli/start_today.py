"""Whether a user may start a workspace on a day, and if not, why, in words.

A user may start a workspace from its ``availableFrom`` date until, not including, the
earlier of its own ``expires`` and the latest ``expires`` of the user's bindings to it (the
rule the lookups apply; see :mod:`lscsde_sdk.access`). ``describe`` and ``access`` say which
of those dates decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final, Literal

from ..models import AnalyticsWorkspace

__all__ = [
    "EXPIRED",
    "MISSING",
    "NOT_YET_AVAILABLE",
    "PERMITTED",
    "StartCheck",
    "applies_on",
    "start_check",
]

State = Literal["permitted", "expired", "not yet available", "missing"]
PERMITTED: Final[State] = "permitted"
EXPIRED: Final[State] = "expired"
NOT_YET_AVAILABLE: Final[State] = "not yet available"
MISSING: Final[State] = "missing"


@dataclass(frozen=True)
class StartCheck:
    """The answer for one day: ``state``, and ``reason`` naming the date that decides."""

    state: State
    reason: str
    #: The day access ends (the first day it no longer applies), when permitted.
    ends: date | None = None

    @property
    def allowed(self) -> bool:
        return self.state == PERMITTED

    @property
    def answer(self) -> str:
        """``yes, until ...`` or ``no: <why>``."""
        return f"yes, {self.reason}" if self.allowed else f"no: {self.reason}"


def start_check(
    workspace: AnalyticsWorkspace | None, name: str, binding_expires: date, day: date
) -> StartCheck:
    """Whether a user whose (latest) binding to workspace ``name`` expires on
    ``binding_expires`` may start it on ``day``; ``workspace`` is ``None`` when it does not
    exist."""
    if workspace is None:
        return StartCheck(MISSING, f"workspace {name} does not exist")
    if workspace.spec is None:
        return StartCheck(MISSING, f"workspace {name} has no spec")
    validity = workspace.spec.validity
    if day < validity.available_from:
        return StartCheck(NOT_YET_AVAILABLE, f"workspace opens on {validity.available_from}")
    if day >= validity.expires:
        return StartCheck(EXPIRED, f"workspace expired on {validity.expires}")
    if day >= binding_expires:
        return StartCheck(EXPIRED, f"binding expired on {binding_expires}")
    ends = min(validity.expires, binding_expires)
    decides = "binding" if binding_expires < validity.expires else "workspace"
    return StartCheck(
        PERMITTED, f"until {ends} ({(ends - day).days} days left; the {decides} ends then)", ends
    )


def applies_on(expires: date | None, missing: str | None, day: date) -> str:
    """Whether a data source binding applies on ``day``: ``yes``, or ``no: <why>``. It stops
    applying on its ``expires`` date (``None``: never); ``missing`` names the workspace or
    data source it joins when that does not exist."""
    if missing is not None:
        return f"no: {missing} does not exist"
    if expires is not None and day >= expires:
        return f"no: expired on {expires}"
    return "yes"
