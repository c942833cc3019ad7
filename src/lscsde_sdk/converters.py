"""Turning AnalyticsWorkspaces into what JupyterHub's KubeSpawner consumes.

:meth:`AnalyticsWorkspaceConverter.to_workspace_dict` builds one KubeSpawner profile per
workspace. Dates follow the schema: a workspace can be used from its ``availableFrom`` date
and stops being usable on its ``expires`` date, so it is available on day ``d`` when
``availableFrom <= d < expires`` (:func:`is_available`), which is when
:func:`days_until_expiry` is positive.

"Today" is evaluated on every call (:func:`today`, the local date), never at import.

``spec.jupyterWorkspace.resources`` is a container's resources block: ``requests`` and
``limits``, each a map from resource name to a Kubernetes quantity
(:mod:`lscsde_sdk.quantities`). :func:`kubespawner_override` hands them to KubeSpawner's
settings:

* ``memory`` to ``mem_guarantee`` / ``mem_limit`` as an ``int`` of bytes, as Kubernetes reads
  the quantity (:func:`memory_bytes`). KubeSpawner's byte settings read ``"8G"`` as 8 GiB
  (powers of 1024) where Kubernetes means 8,000,000,000 bytes; a number of bytes means the same to
  both.
* ``cpu`` to ``cpu_guarantee`` / ``cpu_limit`` as ``float`` cores (:func:`cpu_cores`).
* every other resource (``nvidia.com/gpu``, ``ephemeral-storage``, ``hugepages-2Mi``) to
  ``extra_resource_guarantees`` / ``extra_resource_limits`` as the quantity string given
  (numbers as their decimal text), which KubeSpawner copies into the container's resources.
  Nothing is added or reconciled: for extended resources such as GPUs Kubernetes requires the
  request to equal the limit when both are set, and uses the limit as the request when only
  the limit is set; the API server enforces that when the pod is created.

A value that is not a quantity, a negative one, a section that is not a map, or a key other
than ``requests`` and ``limits`` (``claims`` has no KubeSpawner setting) raises
:class:`~lscsde_sdk.errors.InvalidWorkspaceError` naming the workspace, the field and the
value. ``null`` sections count as absent; a ``null`` amount is an error.

The profile also carries ``resources_display`` (:func:`describe_resources`): the same
requests and limits as short figures for the spawn form ("8 GiB", "0.5 CPU"); and, for forms
that do their own arithmetic or formatting, memory and CPU as plain numbers
(:data:`RESOURCE_NUMBER_KEYS`: ``memory_guarantee_gib``, ``memory_limit_gib`` in GiB, 2³⁰ bytes;
``cpu_guarantee_cores``, ``cpu_limit_cores`` in cores; ``None`` where not set).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Any, Final

from .errors import InvalidParameterError, InvalidQuantityError, InvalidWorkspaceError
from .labels import WORKSPACE_POD_LABEL
from .models import AnalyticsWorkspace, JupyterWorkspaceSpec
from .quantities import parse_quantity

__all__ = [
    "RESOURCE_NUMBER_KEYS",
    "WORKSPACE_POD_LABEL",
    "AnalyticsWorkspaceConverter",
    "DateLike",
    "cpu_cores",
    "dated_profile",
    "days_until_expiry",
    "describe_resources",
    "format_bytes",
    "format_cpu",
    "is_available",
    "kubespawner_override",
    "memory_bytes",
    "resource_quantity",
    "to_date",
    "today",
    "version_profile",
]

#: A calendar date, a moment (its own date is used) or an ISO 8601 string of either.
DateLike = date | datetime | str

#: Pod label naming the workspace a notebook pod belongs to (set through ``extra_labels``).

_RESOURCES_FIELD: Final = "spec.jupyterWorkspace.resources"
_SECTIONS: Final = ("requests", "limits")
# The largest amount Kubernetes' int64 accessors (Value, MilliValue) can return.
_INT64_MAX: Final = 2**63 - 1
_SIMPLE_KEY: Final = re.compile(r"[A-Za-z0-9_-]+")
_BINARY_UNITS: Final = ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB")
_TENTH: Final = Decimal("0.1")
_MILLI: Final = Decimal("0.001")
_GIB: Final = 2**30

#: The profile keys holding a Jupyter workspace's memory (GiB) and CPU (cores) as numbers:
#: ``float``, or ``None`` where the workspace's resources do not set it.
RESOURCE_NUMBER_KEYS: Final = (
    "memory_guarantee_gib",
    "memory_limit_gib",
    "cpu_guarantee_cores",
    "cpu_limit_cores",
)


def today() -> date:
    """The local date now; what ``day`` defaults to (looked up on every call)."""
    return date.today()


def to_date(value: DateLike, what: str = "date") -> date:
    """``value`` as a calendar date; :class:`InvalidParameterError` if it is not one."""
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
    raise InvalidParameterError(
        f"{what} must be a date, a datetime or an ISO 8601 date string, got {value!r}"
    )


def days_until_expiry(expires: DateLike, day: DateLike | None = None) -> int:
    """Whole days from ``day`` (default: today) to ``expires``: 1 on the last usable day, 0
    on the expiry date itself, negative after it."""
    start = to_date(day, "day") if day is not None else today()
    return (to_date(expires, "expires") - start).days


def is_available(workspace: AnalyticsWorkspace, day: DateLike | None = None) -> bool:
    """Whether ``workspace`` can be used on ``day`` (default: today):
    ``availableFrom <= day < expires``. A workspace without spec cannot."""
    if workspace.spec is None:
        return False
    on = to_date(day, "day") if day is not None else today()
    validity = workspace.spec.validity
    return validity.available_from <= on < validity.expires


# -- quantities ------------------------------------------------------------------------------


def _amount(value: object) -> Decimal:
    amount = parse_quantity(value)
    if amount < 0:
        raise InvalidQuantityError(value, "a resource amount must not be negative")
    return amount


def memory_bytes(value: object) -> int:
    """A memory quantity as whole bytes, as Kubernetes reads it: ``"8G"`` -> 8000000000,
    ``"8Gi"`` -> 8589934592, ``"1.5Gi"`` -> 1610612736; a fraction of a byte rounds up.

    Raises :class:`~lscsde_sdk.errors.InvalidQuantityError` for a malformed or negative
    quantity, or one above 2⁶³-1 bytes.
    """
    amount = _amount(value)
    if amount > _INT64_MAX:
        raise InvalidQuantityError(value, "more bytes than Kubernetes can represent (2^63-1)")
    return int(amount.to_integral_value(rounding=ROUND_CEILING))


def _cores(value: object) -> Decimal:
    amount = _amount(value)
    if amount * 1000 > _INT64_MAX:
        raise InvalidQuantityError(value, "more CPU than Kubernetes can represent")
    return amount


def cpu_cores(value: object) -> float:
    """A CPU quantity as cores: ``"500m"`` -> 0.5, ``"2"`` -> 2.0, ``1`` -> 1.0.

    Raises :class:`~lscsde_sdk.errors.InvalidQuantityError` for a malformed or negative
    quantity.
    """
    return float(_cores(value))


def resource_quantity(value: object) -> str:
    """A quantity as the string KubeSpawner passes on to Kubernetes: a string unchanged, a
    number as its decimal text (``1`` -> ``"1"``). Raises
    :class:`~lscsde_sdk.errors.InvalidQuantityError` for a malformed or negative quantity."""
    _amount(value)
    return value if isinstance(value, str) else repr(value)


# -- friendly figures ------------------------------------------------------------------------


def _plain(amount: Decimal) -> str:
    # normalize() drops trailing zeros; "f" keeps 1E+3 as "1000".
    return format(amount.normalize(), "f")


def format_bytes(amount: int) -> str:
    """Bytes in the largest binary unit that keeps the figure at least 1, with at most one
    decimal (half up): ``8589934592`` -> ``"8 GiB"``, ``8000000000`` -> ``"7.5 GiB"``,
    ``536870912`` -> ``"512 MiB"``, ``1000`` -> ``"1000 B"``."""
    figure = Decimal(amount)
    unit = 0
    while figure >= 1024 and unit < len(_BINARY_UNITS) - 1:
        figure /= 1024
        unit += 1
    figure = figure.quantize(_TENTH, rounding=ROUND_HALF_UP)
    if figure >= 1024 and unit < len(_BINARY_UNITS) - 1:  # 1023.96 MiB shows as 1 GiB
        figure = (figure / 1024).quantize(_TENTH, rounding=ROUND_HALF_UP)
        unit += 1
    return f"{_plain(figure)} {_BINARY_UNITS[unit]}"


def format_cpu(cores: Decimal | float) -> str:
    """Cores to the millicore (rounded up, as Kubernetes does): ``0.5`` -> ``"0.5 CPU"``,
    ``1`` -> ``"1 CPU"``, ``2`` -> ``"2 CPUs"``."""
    amount = cores if isinstance(cores, Decimal) else Decimal(repr(cores))
    amount = amount.quantize(_MILLI, rounding=ROUND_CEILING)
    return f"{_plain(amount)} {'CPU' if 0 < amount <= 1 else 'CPUs'}"


def _describe_other(name: str, amount: Decimal) -> str:
    if name == "ephemeral-storage" or name.startswith("hugepages-"):
        return f"{format_bytes(int(amount.to_integral_value(rounding=ROUND_CEILING)))} {name}"
    return f"{_plain(amount)} \N{MULTIPLICATION SIGN} {name}"


# -- resources -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Section:
    """One of ``requests`` / ``limits``, read."""

    memory: int | None = None
    cpu: Decimal | None = None
    # Other resources: name -> (quantity string for KubeSpawner, amount).
    other: dict[str, tuple[str, Decimal]] = field(default_factory=dict)


def _workspace_id(namespace: str | None, name: str | None) -> str:
    return f"{namespace}/{name}" if namespace else str(name)


def _resource_field(section: str, name: str) -> str:
    # Map keys that are not plain words go in brackets, as Kubernetes writes field paths.
    key = f".{name}" if _SIMPLE_KEY.fullmatch(name) else f"[{name}]"
    return f"{_RESOURCES_FIELD}.{section}{key}"


def _read_section(workspace: str, section: str, values: object) -> _Section:
    if not isinstance(values, Mapping):
        raise InvalidWorkspaceError(
            workspace,
            f"{_RESOURCES_FIELD}.{section}",
            values,
            "must be a map from resource name to quantity",
        )
    memory: int | None = None
    cpu: Decimal | None = None
    other: dict[str, tuple[str, Decimal]] = {}
    for name, value in values.items():
        if not isinstance(name, str) or not name:
            raise InvalidWorkspaceError(
                workspace, f"{_RESOURCES_FIELD}.{section}", name, "a resource name is required"
            )
        try:
            if name == "memory":
                memory = memory_bytes(value)
            elif name == "cpu":
                cpu = _cores(value)
            else:
                other[name] = (resource_quantity(value), parse_quantity(value))
        except InvalidQuantityError as error:
            raise InvalidWorkspaceError(
                workspace, _resource_field(section, name), value, error.reason
            ) from error
    return _Section(memory=memory, cpu=cpu, other=other)


def _read_resources(
    namespace: str | None, name: str | None, jupyter: JupyterWorkspaceSpec
) -> dict[str, _Section]:
    """The workspace's ``requests`` and ``limits`` that are set, checked."""
    workspace = _workspace_id(namespace, name)
    resources: object = jupyter.resources
    if resources is None:
        return {}
    if not isinstance(resources, Mapping):
        raise InvalidWorkspaceError(
            workspace, _RESOURCES_FIELD, resources, "must be a map with requests and limits"
        )
    unknown = sorted((key for key in resources if key not in _SECTIONS), key=str)
    if unknown:
        raise InvalidWorkspaceError(
            workspace,
            f"{_RESOURCES_FIELD}.{unknown[0]}",
            resources[unknown[0]],
            "only requests and limits can be given to KubeSpawner",
        )
    return {
        section: _read_section(workspace, section, resources[section])
        for section in _SECTIONS
        if resources.get(section) is not None
    }


def kubespawner_override(
    name: str | None,
    jupyter: JupyterWorkspaceSpec,
    *,
    namespace: str | None = None,
    sections: dict[str, _Section] | None = None,
) -> dict[str, Any]:
    """KubeSpawner's per-profile settings for a workspace's ``jupyterWorkspace`` block.

    ``image``; ``extra_labels`` (the workspace's plus :data:`WORKSPACE_POD_LABEL`: ``name``,
    which :meth:`lscsde_sdk.managers.AnalyticsWorkspaceManager.mount_workspace` reads back
    from the pod); from ``resources`` (see the module docs), each only when set,
    ``mem_guarantee``, ``mem_limit`` (int bytes), ``cpu_guarantee``, ``cpu_limit`` (float
    cores), ``extra_resource_guarantees`` and ``extra_resource_limits`` (quantity strings);
    ``default_url``; ``node_selector``; ``tolerations`` as plain dicts.

    Raises :class:`~lscsde_sdk.errors.InvalidWorkspaceError` (naming ``namespace/name``) for
    resources that cannot be used. ``sections``: the resources already read.
    """
    override: dict[str, Any] = {
        "image": jupyter.image,
        "extra_labels": {**(jupyter.extra_labels or {}), WORKSPACE_POD_LABEL: name},
    }
    if sections is None:
        sections = _read_resources(namespace, name, jupyter)
    for section, memory_key, cpu_key, other_key in (
        ("requests", "mem_guarantee", "cpu_guarantee", "extra_resource_guarantees"),
        ("limits", "mem_limit", "cpu_limit", "extra_resource_limits"),
    ):
        read = sections.get(section)
        if read is None:
            continue
        if read.memory is not None:
            override[memory_key] = read.memory
        if read.cpu is not None:
            override[cpu_key] = float(read.cpu)
        if read.other:
            override[other_key] = {key: text for key, (text, _) in read.other.items()}
    if jupyter.default_uri:
        override["default_url"] = jupyter.default_uri
    if jupyter.node_selector:
        override["node_selector"] = _json_copy(jupyter.node_selector)
    if jupyter.tolerations:
        override["tolerations"] = [_json_copy(dict(item)) for item in jupyter.tolerations]
    return override


def _json_copy(value: Any) -> Any:
    """A copy of JSON-like data (maps, lists, scalars): what a profile hands KubeSpawner is
    its own, never the model's (which may be an informer's shared object)."""
    if isinstance(value, Mapping):
        return {key: _json_copy(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_copy(item) for item in value]
    return value


def describe_resources(
    name: str | None,
    jupyter: JupyterWorkspaceSpec,
    *,
    namespace: str | None = None,
    sections: dict[str, _Section] | None = None,
) -> dict[str, dict[str, str]]:
    """What the workspace requests and limits, in words for the spawn form:
    ``{"requests": {...}, "limits": {...}}``, each section only when set, each mapping a
    resource name to its figure: ``cpu`` first (``"0.5 CPU"``, ``"2 CPUs"``), then
    ``memory`` (``"8 GiB"``, ``"7.5 GiB"``), then the others by name: counted ones as
    ``"1 \N{MULTIPLICATION SIGN} nvidia.com/gpu"``, byte amounts (``ephemeral-storage``,
    ``hugepages-*``) as ``"10 GiB ephemeral-storage"``.

    Raises :class:`~lscsde_sdk.errors.InvalidWorkspaceError` like :func:`kubespawner_override`.
    """
    described: dict[str, dict[str, str]] = {}
    if sections is None:
        sections = _read_resources(namespace, name, jupyter)
    for section, read in sections.items():
        figures: dict[str, str] = {}
        if read.cpu is not None:
            figures["cpu"] = format_cpu(read.cpu)
        if read.memory is not None:
            figures["memory"] = format_bytes(read.memory)
        for key in sorted(read.other):
            figures[key] = _describe_other(key, read.other[key][1])
        if figures:
            described[section] = figures
    return described


def _resource_numbers(sections: dict[str, _Section]) -> dict[str, float | None]:
    """The :data:`RESOURCE_NUMBER_KEYS` of a profile."""
    numbers: dict[str, float | None] = dict.fromkeys(RESOURCE_NUMBER_KEYS)
    for section, kind in (("requests", "guarantee"), ("limits", "limit")):
        read = sections.get(section)
        if read is None:
            continue
        if read.memory is not None:
            numbers[f"memory_{kind}_gib"] = read.memory / _GIB
        if read.cpu is not None:
            numbers[f"cpu_{kind}_cores"] = float(read.cpu)
    return numbers


class AnalyticsWorkspaceConverter:
    """Builds KubeSpawner profiles from AnalyticsWorkspaces."""

    def days_until_expiry(self, expires: DateLike, day: DateLike | None = None) -> int:
        """See :func:`days_until_expiry`."""
        return days_until_expiry(expires, day)

    def to_workspace_dict(
        self,
        workspace: AnalyticsWorkspace,
        day: DateLike | None = None,
        *,
        expires: date | None = None,
    ) -> dict[str, Any]:
        """The KubeSpawner profile of ``workspace``:

        * ``display_name``, ``description``;
        * for a Jupyter workspace only: ``workspace_definition``, the ``jupyterWorkspace``
          block as a dict (schema names); ``kubespawner_override`` (see
          :func:`kubespawner_override`); ``resources_display``, the requests and limits in
          words (see :func:`describe_resources`); ``memory_guarantee_gib``,
          ``memory_limit_gib`` (GiB) and ``cpu_guarantee_cores``, ``cpu_limit_cores`` (cores)
          as numbers, ``None`` where not set;
        * ``slug``: the workspace's name;
        * ``start_date``, ``end_date``: ISO dates of ``validity``, the end being ``expires``
          when given (a user's effective expiry, see :mod:`lscsde_sdk.access`);
        * ``ws_days_left``: :func:`days_until_expiry` of ``end_date`` from ``day``, as a
          ``timedelta`` of whole days (templates read ``ws_days_left.days``).

        Values a workspace without spec does not have are ``None``. Raises
        :class:`~lscsde_sdk.errors.InvalidWorkspaceError` for resources that cannot be used.
        """
        return dated_profile(version_profile(workspace), workspace, day, expires=expires)


def version_profile(workspace: AnalyticsWorkspace) -> dict[str, Any]:
    """The part of ``workspace``'s KubeSpawner profile that depends on the workspace alone
    (every key of :meth:`AnalyticsWorkspaceConverter.to_workspace_dict` but ``end_date`` and
    ``ws_days_left``, which :func:`dated_profile` adds)."""
    spec = workspace.spec
    metadata = workspace.metadata
    profile: dict[str, Any] = {
        "display_name": spec.display_name if spec else None,
        "description": spec.description if spec else None,
    }
    jupyter = spec.jupyter_workspace if spec else None
    if jupyter is not None:
        profile["workspace_definition"] = jupyter.model_dump(
            mode="json", by_alias=True, exclude_none=True
        )
        sections = _read_resources(metadata.namespace, metadata.name, jupyter)
        profile["kubespawner_override"] = kubespawner_override(
            metadata.name, jupyter, namespace=metadata.namespace, sections=sections
        )
        profile["resources_display"] = describe_resources(
            metadata.name, jupyter, namespace=metadata.namespace, sections=sections
        )
        profile.update(_resource_numbers(sections))
    validity = spec.validity if spec else None
    profile["slug"] = metadata.name
    profile["start_date"] = validity.available_from.isoformat() if validity else None
    return profile


def dated_profile(
    profile: dict[str, Any],
    workspace: AnalyticsWorkspace,
    day: DateLike | None = None,
    *,
    expires: date | None = None,
) -> dict[str, Any]:
    """``profile`` (``workspace``'s :func:`version_profile`, changed in place and returned)
    with ``end_date`` and ``ws_days_left`` on ``day``: of ``expires`` when given, else of
    the workspace's own expiry."""
    validity = workspace.spec.validity if workspace.spec else None
    end = expires or (validity.expires if validity else None)
    profile["end_date"] = end.isoformat() if end else None
    profile["ws_days_left"] = timedelta(days=days_until_expiry(end, day)) if end else None
    return profile
