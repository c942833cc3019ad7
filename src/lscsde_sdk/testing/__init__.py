"""Test tooling over a real kube-apiserver: pytest fixtures, a fault-injecting proxy, and
:func:`eventually`. The control plane itself is :mod:`lscsde_sdk.envtest`.

* :mod:`.pytest_plugin` - fixtures (``control_plane``, ``namespace``, ``admin_api``, ...);
  add ``pytest_plugins = ["lscsde_sdk.testing.pytest_plugin"]`` to a conftest.py
* :mod:`.proxy` - :class:`ApiProxy`, an HTTPS proxy in front of kube-apiserver that counts
  traffic and injects :mod:`.faults`; :mod:`.http1` its HTTP/1.1 framing, :mod:`.upstream`
  its connections, :mod:`.traffic` its counters
* :mod:`.waiting` - :func:`eventually`, for conditions nothing signals

Importing this package starts nothing and loads the proxy only when one of its names is used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .waiting import eventually

if TYPE_CHECKING:
    from .faults import Action, AppliedFault, Blackhole, Delay, FaultRule, Reset, Respond
    from .proxy import ApiProxy
    from .traffic import ProxyStats

_EXPORTS = {
    "ApiProxy": "proxy",
    "ProxyStats": "traffic",
    "Action": "faults",
    "AppliedFault": "faults",
    "Blackhole": "faults",
    "Delay": "faults",
    "FaultRule": "faults",
    "Reset": "faults",
    "Respond": "faults",
}

__all__ = [
    "Action",
    "ApiProxy",
    "AppliedFault",
    "Blackhole",
    "Delay",
    "FaultRule",
    "ProxyStats",
    "Reset",
    "Respond",
    "eventually",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later look-ups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
