"""Base classes and TypedDicts of the generated compat models (``_generated/models.py``).

The compat models keep the old library's behaviour where code may depend on it - plain
``model_dump()`` uses field names, unknown input fields are ignored (except in the open
classes) - and fix what was a bug: a field with an alias can be set by either name
(``KubernetesMetadata(resource_version="5")`` used to be silently ignored). Objects read
from the server keep the fields this library does not know (a newer CRD), so writing them
back loses nothing (see :mod:`lscsde_workspace_mgmt._convert`). Secrets (a connection
string) stay plain strings, but ``repr()``, ``str()`` and validation errors never show them
(see :mod:`lscsde_workspace_mgmt._secrets`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, with_config
from typing_extensions import TypedDict

from lscsde_sdk.labels import format_as_label
from lscsde_sdk.secrets import MASK

from ._secrets import hides_unknown_fields, masked_validation, secret_fields

__all__ = [
    "CompatModel",
    "JupyterWorkspaceSpecNodeSelector",
    "JupyterWorkspaceSpecResources",
    "OpenCompatModel",
    "WorkspaceBindingSpecBase",
]


class CompatModel(BaseModel):
    """Base of the compat models: optional fields, either name on input, old defaults.

    ``__compat_only__`` (set by the generator) names, by schema name, the fields only the old
    library had; lscsde_sdk's models and the server do not know them, and
    :func:`lscsde_workspace_mgmt._convert.to_api_dict` leaves them out.
    """

    model_config = ConfigDict(validate_by_name=True, validate_by_alias=True, extra="ignore")

    __compat_only__: ClassVar[tuple[str, ...]] = ()

    def __init__(self, /, **data: Any) -> None:
        __tracebackhide__ = True
        masked_validation(type(self), lambda: super(CompatModel, self).__init__(**data))

    # Nested models are validated by pydantic-core as usual, without this __init__.
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    @classmethod
    def model_validate(cls, obj: Any, **options: Any) -> Self:
        """pydantic's ``model_validate``; its errors show no secret."""
        __tracebackhide__ = True
        return masked_validation(
            cls, lambda: super(CompatModel, cls).model_validate(obj, **options)
        )

    @classmethod
    def model_validate_json(cls, json_data: str | bytes | bytearray, **options: Any) -> Self:
        """pydantic's ``model_validate_json``; its errors show no secret."""
        __tracebackhide__ = True
        return masked_validation(
            cls, lambda: super(CompatModel, cls).model_validate_json(json_data, **options)
        )

    def __repr_args__(self) -> Iterable[tuple[str | None, Any]]:
        hidden = set(secret_fields(type(self)))
        if hides_unknown_fields(type(self)):
            hidden.update(self.__pydantic_extra__ or ())
        for name, value in super().__repr_args__():
            yield name, MASK if name in hidden and value is not None else value

    def untouched_default_instances(self) -> list[str]:
        """Fields holding the old default instance (``spec.jupyterWorkspace`` = an empty
        ``JupyterWorkspaceSpec``, ...) that nobody set or changed.

        The old library made those up client-side; to the server and the SDK they mean the
        field is absent (a workspace read without ``jupyterWorkspace`` is a virtual-machine
        workspace, not a Jupyter one without an image), so they are left out of SDK dumps.
        """
        untouched = []
        for attribute, field in type(self).model_fields.items():
            if attribute in self.model_fields_set or not field.validate_default:
                continue
            value = getattr(self, attribute)
            if isinstance(value, BaseModel) and isinstance(field.default, dict):
                if value == type(value).model_validate(field.default):
                    untouched.append(attribute)
        return untouched


class OpenCompatModel(CompatModel):
    """A compat model that keeps fields it does not declare, as the old library's did."""

    model_config = ConfigDict(extra="allow")


class WorkspaceBindingSpecBase(CompatModel):
    """Base of ``AnalyticsWorkspaceBindingSpec``: the old library's method on it."""

    if TYPE_CHECKING:
        # Declared by the generated subclass; named here for the type checker only.
        username: str | None

    def username_as_label(self) -> str:
        """``spec.username`` in the form used for the ``xlscsde.nhs.uk/username`` label.

        Raises ``InvalidLabelFormatException`` when it has no valid label form, and
        ``TypeError`` when there is no username.
        """
        if self.username is None:
            raise TypeError("the binding has no spec.username to turn into a label")
        return format_as_label(self.username)


@with_config(ConfigDict(extra="allow"))
class JupyterWorkspaceSpecResources(TypedDict, total=False):
    """A workspace pod's resources: ``requests`` and ``limits`` maps as in a container spec.

    Any mapping is accepted and kept as it is, as in the old library.
    """


@with_config(ConfigDict(extra="allow"))
class JupyterWorkspaceSpecNodeSelector(TypedDict, total=False):
    """A workspace pod's node selector: label name to value. Any mapping is kept as it is."""
