"""Turning AnalyticsWorkspaces into what JupyterHub's KubeSpawner consumes.

:meth:`AnalyticsWorkspaceConverter.to_workspace_dict` builds one KubeSpawner profile per
workspace. Dates follow the schema: a workspace can be used from its ``availableFrom`` date
and stops being usable on its ``expires`` date, so it is available on day ``d`` when
``availableFrom <= d < expires`` (:func:`is_available`), which is when
:func:`days_until_expiry` is positive.

"Today" is evaluated on every call (:func:`today`, the local date), never at import.
"""

from __future__ import annotations

import copy
import re
from datetime import date, datetime
from decimal import ROUND_CEILING, Decimal, InvalidOperation
from typing import Any

from .errors import InvalidParameterException
from .models import AnalyticsWorkspace, JupyterWorkspaceSpec

__all__ = [
    "AnalyticsWorkspaceConverter",
    "DateLike",
    "days_until_expiry",
    "is_available",
    "kubespawner_override",
    "to_date",
    "today",
]

#: A calendar date, a moment (its own date is used) or an ISO 8601 string of either.
DateLike = date | datetime | str

_QUANTITY = re.compile(
    r"(?P<number>[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))"
    r"(?:(?P<exponent>[eE][+-]?[0-9]+)|(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E))?"
)
_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {"m": Decimal("0.001"), "k": Decimal(10**3), "M": Decimal(10**6)}
_DECIMAL |= {"G": Decimal(10**9), "T": Decimal(10**12), "P": Decimal(10**15)}
_DECIMAL |= {"E": Decimal(10**18)}
# What KubeSpawner's byte traits accept as they are: a number with a K, M, G or T suffix.
_KUBESPAWNER_BYTES = re.compile(r"[0-9]*\.?[0-9]+[KMGT]")


def today() -> date:
    """The local date now; what ``date_now`` defaults to (looked up on every call)."""
    return date.today()


def to_date(value: DateLike, what: str = "date") -> date:
    """``value`` as a calendar date; :class:`InvalidParameterException` if it is not one."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
        try:
            return datetime.fromisoformat(value).date()
        except ValueError:
            pass
    raise InvalidParameterException(
        f"{what} must be a date, a datetime or an ISO 8601 date string, got {value!r}"
    )


def days_until_expiry(expires: DateLike, date_now: DateLike | None = None) -> int:
    """Whole days from ``date_now`` (default: today) to ``expires``: 1 on the last usable
    day, 0 on the expiry date itself, negative after it."""
    day = to_date(date_now, "date_now") if date_now is not None else today()
    return (to_date(expires, "expires") - day).days


def is_available(workspace: AnalyticsWorkspace, on: DateLike | None = None) -> bool:
    """Whether ``workspace`` can be used on ``on`` (default: today):
    ``availableFrom <= on < expires``. A workspace without spec cannot."""
    if workspace.spec is None:
        return False
    day = to_date(on, "on") if on is not None else today()
    validity = workspace.spec.validity
    return validity.available_from <= day < validity.expires


def _quantity(value: Any) -> Decimal | None:
    """A Kubernetes quantity (``500m``, ``2``, ``8Gi``, ``1e3``) as a number, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return Decimal(str(value))
    if not isinstance(value, str):
        return None
    match = _QUANTITY.fullmatch(value.strip())
    if match is None:
        return None
    try:
        number = Decimal(match["number"])
    except InvalidOperation:
        return None
    if match["exponent"]:
        return number * Decimal(10) ** int(match["exponent"][1:])
    suffix = match["suffix"]
    if suffix in _BINARY:
        return number * _BINARY[suffix]
    if suffix:
        return number * _DECIMAL[suffix]
    return number


def _cpu(value: Any) -> Any:
    # KubeSpawner's CPU settings are floats (cores); "500m" or "2" would be rejected.
    amount = _quantity(value)
    return value if amount is None else float(amount)


def _memory(value: Any) -> Any:
    # KubeSpawner's byte settings take an int or "<n>K|M|G|T"; those pass unchanged (so values
    # mean what they always meant there). Other Kubernetes quantities ("8Gi", "1e9") would be
    # rejected, so they become whole bytes as Kubernetes reads them.
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _KUBESPAWNER_BYTES.fullmatch(value.strip()):
        return value
    amount = _quantity(value)
    return value if amount is None else int(amount.to_integral_value(rounding=ROUND_CEILING))


def kubespawner_override(name: str | None, jupyter: JupyterWorkspaceSpec) -> dict[str, Any]:
    """KubeSpawner's per-profile settings for a workspace's ``jupyterWorkspace`` block.

    ``image``; ``extra_labels`` (the workspace's plus ``workspace: <name>``, which
    :meth:`lscsde_sdk.managers.AnalyticsWorkspaceManager.mount_workspace` reads back from the
    pod); ``mem_guarantee``/``cpu_guarantee`` from ``resources.requests`` and
    ``mem_limit``/``cpu_limit`` from ``resources.limits``, each only when set; ``default_url``;
    ``node_selector``; ``tolerations`` as plain dicts.
    """
    override: dict[str, Any] = {
        "image": jupyter.image,
        "extra_labels": {**(jupyter.extra_labels or {}), "workspace": name},
    }
    resources = jupyter.resources or {}
    requests = resources.get("requests") or {}
    limits = resources.get("limits") or {}
    for key, source, field, convert in (
        ("mem_guarantee", requests, "memory", _memory),
        ("mem_limit", limits, "memory", _memory),
        ("cpu_guarantee", requests, "cpu", _cpu),
        ("cpu_limit", limits, "cpu", _cpu),
    ):
        value = source.get(field) if isinstance(source, dict) else None
        if value is not None and value != "":
            override[key] = convert(value)
    if jupyter.default_uri:
        override["default_url"] = jupyter.default_uri
    if jupyter.node_selector:
        override["node_selector"] = copy.deepcopy(jupyter.node_selector)
    if jupyter.tolerations:
        override["tolerations"] = [copy.deepcopy(dict(item)) for item in jupyter.tolerations]
    return override


class AnalyticsWorkspaceConverter:
    """Builds KubeSpawner profiles from AnalyticsWorkspaces."""

    def days_until_expiry(self, expires: DateLike, date_now: DateLike | None = None) -> int:
        """See :func:`days_until_expiry`."""
        return days_until_expiry(expires, date_now)

    def to_workspace_dict(
        self, workspace: AnalyticsWorkspace, date_now: DateLike | None = None
    ) -> dict[str, Any]:
        """The KubeSpawner profile of ``workspace``:

        * ``display_name``, ``description``;
        * ``workspace_definition``: the ``jupyterWorkspace`` block as a dict (schema names),
          and ``kubespawner_override`` (see :func:`kubespawner_override`), both only for a
          Jupyter workspace;
        * ``slug``: the workspace's name;
        * ``start_date``, ``end_date``: ISO dates of ``validity`` (pass a workspace with its
          effective expiry to show when access ends for the user);
        * ``ws_days_left``: :func:`days_until_expiry` of ``end_date`` from ``date_now``.

        Values a workspace without spec does not have are ``None``.
        """
        spec = workspace.spec
        profile: dict[str, Any] = {
            "display_name": spec.display_name if spec else None,
            "description": spec.description if spec else None,
        }
        jupyter = spec.jupyter_workspace if spec else None
        if jupyter is not None:
            profile["workspace_definition"] = jupyter.model_dump(
                mode="json", by_alias=True, exclude_none=True
            )
            profile["kubespawner_override"] = kubespawner_override(workspace.metadata.name, jupyter)
        validity = spec.validity if spec else None
        profile["slug"] = workspace.metadata.name
        profile["start_date"] = validity.available_from.isoformat() if validity else None
        profile["end_date"] = validity.expires.isoformat() if validity else None
        profile["ws_days_left"] = (
            days_until_expiry(validity.expires, date_now) if validity else None
        )
        return profile
