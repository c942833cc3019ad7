"""Selecting objects by an index label that the SDK maintains (shared by the binding clients).

A binding carries a label derived from one of its spec fields (its username, its workspace).
Lookups select by that label, so they read only the matching bindings; bindings written by
other tools may lack the label, so each lookup first labels those ("back-fill"). Label values
are many-to-one, so every selected object is re-checked against the spec field itself.
"""

from __future__ import annotations

import builtins
import logging
from collections.abc import Callable, Collection
from typing import Any, ClassVar

from ..errors import ConflictError, ForbiddenError, NotFoundError
from .base import CustomResourceClient, ResourceChange, ResourceT, StatusT
from .recording import RecordingClient

__all__ = ["IndexLabelledClient", "get_named", "select_by_index_label"]


class IndexLabelledClient(RecordingClient[ResourceT, StatusT]):
    """A client whose objects carry an index label derived from their spec.

    ``create``, ``replace`` and ``apply`` send the object with :attr:`index_label` set to
    :meth:`index_label_value` (or without it when that is ``None``). A patch that leaves the
    label wrong (one that changes the field it is derived from, or drops it) is followed by a
    conditional patch of the label, which records its own Updated event.
    """

    index_label: ClassVar[str]

    def index_label_value(self, resource: ResourceT) -> str | None:
        """The value of :attr:`index_label` that ``resource`` should carry."""
        raise NotImplementedError

    def _label_is_right(self, resource: ResourceT) -> bool:
        labels = resource.metadata.labels or {}
        return labels.get(self.index_label) == self.index_label_value(resource)

    def _before_write(self, model: ResourceT) -> ResourceT:
        if self._label_is_right(model):
            return model
        labeled = model.model_copy(deep=True)
        labels = dict(labeled.metadata.labels or {})
        value = self.index_label_value(labeled)
        if value is None:
            labels.pop(self.index_label, None)
        else:
            labels[self.index_label] = value
        labeled.metadata.labels = labels
        return labeled

    async def _after_write(
        self, change: ResourceChange, resource: ResourceT, *, dry_run: bool
    ) -> ResourceT:
        if not dry_run and not self._label_is_right(resource):
            namespace, name = resource.metadata.namespace or "", resource.name
            patch = {
                "metadata": {
                    "labels": {self.index_label: self.index_label_value(resource)},
                    "resourceVersion": resource.metadata.resource_version,
                }
            }
            try:
                resource = await self.merge_patch(namespace, name, patch)
            except Exception as exc:  # the write itself succeeded; the label is an index only
                self.log.warning(
                    "could not correct label %s of %s %s/%s: %s",
                    self.index_label,
                    self.info.kind,
                    namespace,
                    name,
                    exc,
                )
        return await super()._after_write(change, resource, dry_run=dry_run)

    async def select_by_index(
        self, namespace: str, value: str | None, matches: Callable[[ResourceT], bool]
    ) -> builtins.list[ResourceT]:
        """The objects in ``namespace`` for which ``matches`` holds, found through the index
        label (see :func:`select_by_index_label`)."""
        return await select_by_index_label(
            self,
            namespace,
            key=self.index_label,
            value=value,
            label_of=self.index_label_value,
            matches=matches,
            log=self.log,
        )


async def select_by_index_label(
    client: CustomResourceClient[ResourceT, StatusT],
    namespace: str,
    *,
    key: str,
    value: str | None,
    label_of: Callable[[ResourceT], str | None],
    matches: Callable[[ResourceT], bool],
    log: logging.Logger,
) -> builtins.list[ResourceT]:
    """Every object in ``namespace`` for which ``matches`` holds, sorted by name.

    ``value`` is the label value the wanted objects carry under ``key`` (``None`` when the
    wanted value has no label form); ``label_of`` gives the value an object should carry.
    Requests: one list of the unlabelled objects, one merge patch per unlabelled object that
    can be labelled (once; a labelled object is not listed again), one list by label.
    """
    if value is None:
        # No label can point at the wanted objects: read them all and filter.
        found = [item for item in await client.list(namespace) if matches(item)]
        return sorted(found, key=_name)

    selected: dict[str, ResourceT] = {}
    backfill = True
    for item in await client.list(namespace, label_selector=f"!{key}"):
        if backfill:
            labelled, backfill = await _backfill(client, item, key, label_of(item), log)
            item = labelled or item
        if matches(item):
            selected[_name(item)] = item
    for item in await client.list(namespace, label_selector=f"{key}={value}"):
        if matches(item):
            selected[_name(item)] = item
    return [selected[name] for name in sorted(selected)]


async def _backfill(
    client: CustomResourceClient[ResourceT, StatusT],
    item: ResourceT,
    key: str,
    value: str | None,
    log: logging.Logger,
) -> tuple[ResourceT | None, bool]:
    """Label ``item``; (the labelled object or None, whether to go on labelling others)."""
    if value is None:
        return None, True
    namespace, name = item.metadata.namespace or "", _name(item)
    # Conditional on the version read, so a label is never computed from a stale spec.
    patch: dict[str, Any] = {
        "metadata": {"labels": {key: value}, "resourceVersion": item.metadata.resource_version}
    }
    try:
        return await client.merge_patch(namespace, name, patch), True
    except ForbiddenError as exc:
        # Labelling is an optimisation: without patch rights the answer is still complete,
        # as the unlabelled objects were read and are filtered here.
        log.warning(
            "cannot add label %s to %s objects in %s (%s); they are filtered client-side",
            key,
            client.info.kind,
            namespace,
            exc.message,
        )
        return None, False
    except (ConflictError, NotFoundError) as exc:
        log.info("did not label %s %s/%s, it changed: %s", client.info.kind, namespace, name, exc)
        return None, True


async def get_named(
    client: CustomResourceClient[ResourceT, StatusT],
    namespace: str,
    names: Collection[str],
) -> dict[str, ResourceT]:
    """The objects of ``names`` that exist in ``namespace``, by name, in at most one request
    whatever the number of names: a list by ``metadata.name`` for one name, else a list of
    the namespace joined in memory."""
    if not names:
        return {}
    if len(names) == 1:
        (only,) = names
        found = await client.list(namespace, field_selector=f"metadata.name={only}")
    else:
        found = await client.list(namespace)
    wanted = set(names)
    return {_name(item): item for item in found if item.metadata.name in wanted}


def _name(item: Any) -> str:
    return str(item.metadata.name)
