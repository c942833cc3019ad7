"""The result types of the CRD drift check: :class:`Change`, :class:`Finding`, :class:`DriftReport`.

Public through :mod:`lscsde_sdk.drift`; kept apart so the comparison and the server access
can both use them without importing each other.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from .errors import LscsdeError

__all__ = ["Change", "CrdManifestError", "DriftReport", "Finding", "show_value", "sorted_findings"]


class CrdManifestError(LscsdeError, ValueError):
    """A manifest given to the drift check is not a usable CustomResourceDefinition."""


class Change(enum.StrEnum):
    """What differs between the SDK's CRD and the server's.

    "server-only" / "sdk-only" say on which side something exists; the SDK side is the
    CRD release the models were generated from.
    """

    # The whole CRD and its versions (Finding.version is None unless a version is named).
    CRD_MISSING = "crd-missing"
    SCOPE = "scope"
    NAMES = "names"
    VERSION_SERVER_ONLY = "version-server-only"
    VERSION_SDK_ONLY = "version-sdk-only"
    STORAGE_VERSION = "storage-version"
    VERSION_FIELD = "version-field"  # deprecated, deprecationWarning, selectableFields
    SUBRESOURCE = "subresource"
    PRINTER_COLUMN = "printer-column"
    # The openAPIV3Schema of a version served on both sides.
    SERVER_ONLY = "server-only"
    SDK_ONLY = "sdk-only"
    TYPE = "type"
    FORMAT = "format"
    PATTERN = "pattern"
    ENUM = "enum"
    DEFAULT = "default"
    NULLABLE = "nullable"
    BOUNDS = "bounds"  # minimum, maxLength, minItems, multipleOf, uniqueItems, ...
    EXTENSION = "extension"  # x-kubernetes-* other than x-kubernetes-validations
    REQUIRED_SERVER_ONLY = "required-server-only"
    REQUIRED_SDK_ONLY = "required-sdk-only"
    COMBINATOR = "combinator"  # anyOf, oneOf, allOf, not
    VALIDATION_SERVER_ONLY = "validation-server-only"
    VALIDATION_SDK_ONLY = "validation-sdk-only"
    VALIDATION_CHANGED = "validation-changed"
    KEYWORD = "keyword"  # any other schema keyword (title, example, ...)


def _freeze(value: Any) -> Any:
    """JSON data made read-only: mappings become read-only views, lists become tuples."""
    if isinstance(value, Mapping):
        return MappingProxyType({key: _freeze(item) for key, item in value.items()})
    if isinstance(value, list | tuple):
        return tuple(_freeze(item) for item in value)
    return value


def _thaw(value: Any) -> Any:
    """The plain JSON data (dicts and lists) of a :func:`_freeze` result."""
    if isinstance(value, Mapping):
        return {key: _thaw(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return [_thaw(item) for item in value]
    return value


_SHOWN_CHARS = 80


def show_value(value: Any) -> str:
    """``value`` as compact one-line JSON, shortened for messages; ``(absent)`` for None."""
    if value is None:
        return "(absent)"
    if isinstance(value, str):  # quoted but not JSON-escaped: patterns stay readable
        text = '"' + value.replace("\n", "\\n") + '"'
    else:
        text = json.dumps(_thaw(value), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 1] + "…"


@dataclass(frozen=True)
class Finding:
    """One difference between the SDK's CRD of ``kind`` and the server's.

    ``path`` locates it. For schema changes it is the property path in the version's
    openAPIV3Schema (``spec.jupyterWorkspace.image``; ``[]`` is an array's items, ``{}`` an
    additionalProperties value, ``""`` the root) and ``keyword`` is the schema keyword that
    differs (``pattern``, ``maxLength``, ``required``, ``x-kubernetes-validations``, ...).
    For the CRD's own fields it names the field (``scope``, ``names.shortNames``,
    ``subresources.scale``, ``additionalPrinterColumns[Expires]``, ``storage``) and
    ``version`` is None for fields of the whole CRD. ``sdk_value`` / ``server_value`` are
    the differing values (None: absent on that side), read-only; :meth:`to_dict` gives
    plain JSON. ``message`` says in one line what differs, without the location.
    """

    kind: str
    version: str | None
    path: str
    change: Change
    message: str
    keyword: str | None = None
    sdk_value: Any = None
    server_value: Any = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "change", Change(self.change))
        object.__setattr__(self, "sdk_value", _freeze(self.sdk_value))
        object.__setattr__(self, "server_value", _freeze(self.server_value))

    # Findings go into sets in tests and callers; the values may be unhashable mappings, so
    # hash the fields that identify a finding (equal findings still hash equal).
    def __hash__(self) -> int:
        return hash((self.kind, self.version, self.path, self.change, self.keyword, self.message))

    def sort_key(self) -> tuple[str, str, str, str, str, str]:
        return (
            self.kind,
            self.version or "",
            self.path,
            self.change.value,
            self.keyword or "",
            self.message,
        )

    @property
    def location(self) -> str:
        """``Kind``, ``Kind version`` or ``Kind version path``: where the finding is."""
        return " ".join(part for part in (self.kind, self.version, self.path) if part)

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        """The finding as plain JSON data."""
        return {
            "kind": self.kind,
            "version": self.version,
            "path": self.path,
            "change": self.change.value,
            "keyword": self.keyword,
            "sdk_value": _thaw(self.sdk_value),
            "server_value": _thaw(self.server_value),
            "message": self.message,
        }


def sorted_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=Finding.sort_key)


@dataclass(frozen=True)
class DriftReport:
    """The result of comparing the SDK's CRDs (release ``sdk_release``) with a server's.

    ``kinds`` are the kinds compared; ``findings`` are sorted by kind, version, path and
    change. ``ok`` is true when there are none; a command line tool exits non-zero
    otherwise. ``str(report)`` is :meth:`format`; :meth:`to_dict` is for JSON output.
    """

    sdk_release: str
    kinds: tuple[str, ...]
    findings: tuple[Finding, ...] = field(default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "kinds", tuple(sorted(self.kinds)))
        object.__setattr__(self, "findings", tuple(sorted_findings(self.findings)))

    @property
    def ok(self) -> bool:
        """True when the server's CRDs match the SDK's (no findings)."""
        return not self.findings

    @property
    def missing(self) -> tuple[str, ...]:
        """Kinds whose CRD is not installed on the server."""
        return tuple(f.kind for f in self.findings if f.change is Change.CRD_MISSING)

    def format(self) -> str:
        """One line per finding, sorted; a single "no drift" line when there are none."""
        if self.ok:
            return (
                f"no drift: the server's CRDs match the SDK's (CRD release {self.sdk_release}) "
                f"for {', '.join(self.kinds) or 'no kinds'}"
            )
        return "\n".join(str(finding) for finding in self.findings)

    def __str__(self) -> str:
        return self.format()

    def to_dict(self) -> dict[str, Any]:
        """The report as plain JSON data."""
        return {
            "sdk_release": self.sdk_release,
            "ok": self.ok,
            "kinds": list(self.kinds),
            "missing": list(self.missing),
            "findings": [finding.to_dict() for finding in self.findings],
        }
