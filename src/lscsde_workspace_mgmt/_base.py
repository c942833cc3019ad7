"""Base classes and TypedDicts of the generated compat models (``_generated/models.py``).

The compat models keep the old library's behaviour where code may depend on it - plain
``model_dump()`` uses field names, unknown input fields are ignored (except in the open
classes) - and fix what was a bug: a field with an alias can be set by either name
(``KubernetesMetadata(resource_version="5")`` used to be silently ignored).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    model_serializer,
    with_config,
)
from typing_extensions import TypedDict

from lscsde_sdk.labels import format_as_label

__all__ = [
    "FOR_SDK",
    "CompatModel",
    "JupyterWorkspaceSpecNodeSelector",
    "JupyterWorkspaceSpecResources",
    "OpenCompatModel",
    "WorkspaceBindingSpecBase",
]

#: Serialisation context of a dump that lscsde_sdk's models will validate.
FOR_SDK: Mapping[str, Any] = {"lscsde_workspace_mgmt.target": "sdk"}

# Model config key (written by the generator) listing, by schema name, the fields that only the
# old library had; lscsde_sdk's models, and the server, do not know them.
_COMPAT_ONLY_KEY = "x-compat-only"


def _compat_only(model: type[BaseModel]) -> tuple[str, ...]:
    extra = model.model_config.get("json_schema_extra")
    names = extra.get(_COMPAT_ONLY_KEY) if isinstance(extra, dict) else None
    return tuple(str(name) for name in names) if isinstance(names, list) else ()


class CompatModel(BaseModel):
    """Base of the compat models: optional fields, either name on input, old defaults."""

    model_config = ConfigDict(validate_by_name=True, validate_by_alias=True, extra="ignore")

    @model_serializer(mode="wrap")
    def _without_compat_only_fields(
        self, handler: SerializerFunctionWrapHandler, info: SerializationInfo
    ) -> Any:
        data = handler(self)
        context = info.context
        if (
            isinstance(context, Mapping)
            and context.get("lscsde_workspace_mgmt.target") == "sdk"
            and isinstance(data, dict)
        ):
            # Dumped by alias or by attribute name: drop whichever is there.
            for schema_name in _compat_only(type(self)):
                data.pop(schema_name, None)
                data.pop(_attribute_name(type(self), schema_name), None)
            for attribute in self._untouched_default_instances():
                data.pop(attribute, None)
                data.pop(type(self).model_fields[attribute].alias or attribute, None)
        return data

    def _untouched_default_instances(self) -> list[str]:
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


def _attribute_name(model: type[BaseModel], schema_name: str) -> str:
    for attribute, field in model.model_fields.items():
        if (field.alias or attribute) == schema_name:
            return attribute
    return schema_name


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
