"""What can go wrong with a control plane: the binaries missing, their build failing, or
etcd or kube-apiserver not coming up."""

from __future__ import annotations

__all__ = [
    "ControlPlaneBuildError",
    "ControlPlaneError",
    "ControlPlaneStartError",
    "ControlPlaneUnavailable",
]


class ControlPlaneError(RuntimeError):
    """Base class of every control-plane failure."""


class ControlPlaneUnavailable(ControlPlaneError):
    """No binaries were found and they cannot be built here; ``reason`` names what is missing."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ControlPlaneBuildError(ControlPlaneError):
    """``go build`` ran but failed; the message ends with the tail of its output."""


class ControlPlaneStartError(ControlPlaneError):
    """etcd or kube-apiserver did not come up; the message ends with the tail of their logs."""

    def __init__(self, message: str, logs: str) -> None:
        super().__init__(f"{message}\n{logs}" if logs else message)
        self.logs = logs
