"""Field indexes: the fields by which objects of a kind are looked up (spec fields, or the
object's own name).

The generator declares them per kind (``codegen/field_indexes.yaml``) on the generated clients
as ``field_indexes``. One declaration serves three purposes:

* writes keep a label on each object whose value is derived from the field
  (:meth:`FieldIndex.label_for`), so the direct path can select by label;
* lookups re-check the field itself (:meth:`FieldIndex.key_of`), because label values are
  many-to-one (``a.b@c`` and ``a.b#c`` share one) and labels can be stale;
* informers keep an in-memory index of the same name, keyed by :meth:`FieldIndex.key_of`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import BaseModel

__all__ = ["NAME_FIELD", "FieldIndex"]

#: The field of a name index: objects labelled with their own name, so that many can be read
#: by name in one list (see ``IndexedClient.get_many``).
NAME_FIELD: tuple[str, ...] = ("metadata", "name")


@dataclass(frozen=True)
class FieldIndex:
    """A string field of a kind's objects by which they are looked up.

    ``field``: the schema names from the object's root (``("spec", "username")``);
    ``label``/``label_value``: the label kept on objects, and the label value of a field value
    (``None`` when a value has no label form); ``ignore_case``: values compare lower-cased
    (see :meth:`key`).
    """

    name: str
    field: tuple[str, ...]
    label: str | None = None
    label_value: Callable[[str], str | None] | None = None
    ignore_case: bool = False

    @property
    def of_names(self) -> bool:
        """Whether this indexes the objects' own names (:data:`NAME_FIELD`)."""
        return self.field == NAME_FIELD

    def value_of(self, resource: BaseModel) -> str | None:
        """The field's value on ``resource`` (``None`` when it or a parent is missing)."""
        current: Any = resource
        for step in self.field:
            if current is None:
                return None
            current = _get(current, step)
        return current if isinstance(current, str) else None

    def key(self, value: str) -> str:
        """How ``value`` is compared: itself, or with ``ignore_case`` lower-cased.

        Lower-casing (``str.lower``) is JupyterHub's own username normalisation (and Keycloak's,
        whose usernames are stored lower-cased), so two values are one key exactly when
        JupyterHub would make them one user. Not ``casefold``, which also equates names
        JupyterHub keeps apart (``straße``/``strasse``, long s/``s``), and no Unicode
        normalisation (NFKC would equate fullwidth and ASCII letters): every such extra
        equivalence would let one user's name select another user's objects.
        """
        return value.lower() if self.ignore_case else value

    def key_of(self, resource: BaseModel) -> str | None:
        """The comparison key of ``resource``'s field value."""
        value = self.value_of(resource)
        return None if value is None else self.key(value)

    def label_for(self, value: str | None) -> str | None:
        """The label value objects with field value ``value`` carry (``None``: no label)."""
        if self.label is None or self.label_value is None or not value:
            return None
        return self.label_value(value)


def _get(model: Any, schema_name: str) -> Any:
    if not isinstance(model, BaseModel):
        return None
    attribute = _attribute(type(model), schema_name)
    if attribute is not None:
        return getattr(model, attribute)
    return (model.__pydantic_extra__ or {}).get(schema_name)


@cache
def _attribute(cls: type[BaseModel], schema_name: str) -> str | None:
    for name, info in cls.__pydantic_fields__.items():
        if (info.alias or name) == schema_name:
            return name
    return None
