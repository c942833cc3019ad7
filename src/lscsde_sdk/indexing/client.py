"""The client of a kind with field indexes: labels kept on what it writes, and lookups by
index that are right whoever wrote the objects.

The generator derives a kind's client from :class:`IndexedClient` only when the kind has
field indexes (``codegen/field_indexes.yaml``); the other kinds' clients are plain
:class:`~lscsde_sdk.core.client.CustomResourceClient` s. What it adds to the core verbs, and
what each costs:

* ``create``, ``replace`` and ``apply`` send the object with its index labels right, in the
  same request. A merge patch that sets an indexed field carries that field's label too.
* After a write whose result could still have a wrong label (a JSON patch or apply that
  changed an indexed field, or a create whose name the server generated, for a name index),
  one label-correcting merge PATCH follows, conditional on the version written. When the
  labels are right, which is the rule, no request follows. A failed correction is logged and
  the write's result returned: a label only speeds lookups up (:meth:`relabel` corrects it
  later).
* :meth:`get_many`, :meth:`list_by_index` (and the generated ``list_by_<index>``) read by
  label and re-check the field itself; objects written without labels are found too.
* :meth:`relabel` is the explicit maintenance operation behind them.
"""

from __future__ import annotations

import asyncio
import builtins
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, ClassVar, Final, TypeVar

from ..core.client import CustomResourceClient, PatchType, patch_type_of
from ..core.conflicts import retry_on_conflict
from ..errors import (
    ConflictError,
    ForbiddenError,
    LscsdeError,
    NotFoundError,
    ObjectRequiredError,
)
from ..labels import is_valid_label_value
from ..model_base import ResourceModel
from ..resource import CustomResource
from .fields import FieldIndex
from .labels import (
    LabelChange,
    LabelReport,
    label_changes,
    labelled,
    labelled_merge_patch,
    labels_patch,
)
from .unlabelled import warn_once

__all__ = ["GET_MANY_CONCURRENCY", "IndexedClient"]

ResourceT = TypeVar("ResourceT", bound=CustomResource)
StatusT = TypeVar("StatusT", bound=ResourceModel)
_T = TypeVar("_T")

#: Requests :meth:`IndexedClient.get_many` has in flight at most (and the most names it
#: reads with a GET each): enough to hide round trips, few enough to reuse kept-alive
#: connections rather than open one per object.
GET_MANY_CONCURRENCY: Final = 16


class IndexedClient(CustomResourceClient[ResourceT, StatusT]):
    """A :class:`~lscsde_sdk.core.client.CustomResourceClient` of a kind with field indexes
    (see the module doc for the labels its writes keep and what that costs)."""

    #: The kind's field indexes (set by the generator).
    field_indexes: ClassVar[tuple[FieldIndex, ...]] = ()

    def field_index(self, name: str) -> FieldIndex:
        """The field index ``name`` of this kind."""
        for index in self.field_indexes:
            if index.name == name:
                return index
        known = ", ".join(index.name for index in self.field_indexes) or "none"
        raise ObjectRequiredError(f"{self.info.kind} has no field index {name!r} (known: {known})")

    # -- lookups ----------------------------------------------------------------------------

    async def get_many(
        self,
        namespace: str,
        names: Iterable[str],
        *,
        resource_version: str | None = None,
        concurrency: int = GET_MANY_CONCURRENCY,
    ) -> dict[str, ResourceT]:
        """The objects of ``namespace`` named in ``names``, by name, in the order asked;
        names with no object are left out.

        Up to ``concurrency`` names are read with a GET each, all at once. More names, of a
        kind with a name index (workspaces and data sources carry their own name as a label),
        are read with one list selected by ``label in (...)`` (a few lists when the selector
        would be long): the server filters, so only the objects asked for are read, and one
        request replaces many. Names the list does not return (objects written by tools that
        do not keep the label, until :meth:`relabel` labels them) are then read with GETs, so
        the answer is complete either way. ``resource_version`` is as for :meth:`get`, for
        the lists too; at most ``concurrency`` requests are in flight.
        """
        wanted = builtins.list(dict.fromkeys(names))
        gate = asyncio.Semaphore(concurrency)
        index = self._name_index()
        found: dict[str, ResourceT] = {}
        if index is not None and len(wanted) > concurrency:
            found = await self._list_named(namespace, wanted, index, resource_version, gate)
        missing = [name for name in wanted if name not in found]

        async def get(name: str) -> ResourceT | None:
            async with gate:
                try:
                    return await self.get(namespace, name, resource_version=resource_version)
                except NotFoundError:
                    return None

        got = await _all_or_none(get(name) for name in missing)
        for name, item in zip(missing, got, strict=True):
            if item is not None:
                found[name] = item
        return {name: found[name] for name in wanted if name in found}

    def _name_index(self) -> FieldIndex | None:
        for index in self.field_indexes:
            if index.of_names and index.label is not None:
                return index
        return None

    async def _list_named(
        self,
        namespace: str,
        names: Sequence[str],
        index: FieldIndex,
        resource_version: str | None,
        gate: asyncio.Semaphore,
    ) -> dict[str, ResourceT]:
        """The objects among ``names`` that carry ``index``'s label with their own name."""
        assert index.label is not None
        values = sorted({value for name in names if (value := index.label_for(name))})
        selectors = [f"{index.label} in ({','.join(chunk)})" for chunk in _chunks(values)]

        async def listed(selector: str) -> Sequence[ResourceT]:
            async with gate:
                if resource_version is None:
                    return await self.list(namespace, label_selector=selector)
                # With a version and no limit, the server answers from its cache in one page.
                page = await self.list_page(
                    namespace, label_selector=selector, resource_version=resource_version
                )
                return page.items

        wanted = set(names)
        return {
            _name(item): item
            for items in await _all_or_none(listed(selector) for selector in selectors)
            for item in items
            # A label only pre-selects: it may be stale, or copied onto another object.
            if _name(item) in wanted
        }

    async def list_by_index(
        self, index: str, namespace: str | None, value: str
    ) -> builtins.list[ResourceT]:
        """The objects in ``namespace`` (``None``: in every namespace) whose field index
        ``index`` has ``value``, sorted by name, whoever wrote them.

        For an index with a label, two lists are sent at once: the objects labelled with
        ``value``'s label form (``label=<form>``), and the objects that carry no such label
        at all (``!label``: written by kubectl, GitOps or older tools; those whose value has
        no label form). Every object of either is re-checked against the field itself, so a
        label only pre-selects: label values are many-to-one, and a label may be stale. What
        this reads is what the value owns plus the unlabelled objects, whatever else the
        namespace holds. When some unlabelled objects could carry the label, the client's
        log says so once per process and namespace
        (:func:`~lscsde_sdk.indexing.unlabelled.warn_once`): :meth:`relabel` labels them, and the
        second list then brings back only what has no label form. A value without a label
        form needs only the second list.

        An object whose label is present but stale (its field was edited by a tool that does
        not keep the label, and now holds ``value``) is not found until :meth:`relabel` has
        corrected it; an informer (see :mod:`lscsde_sdk.runtime.informer`) indexes the field
        itself and has no such gap. An index without a label reads every object of the
        namespace.
        """
        found = self.field_index(index)
        if found.label is None:
            items = await self.list(namespace)
        else:
            items = await self._labelled_or_unlabelled(found, namespace, value)
        wanted = found.key(value)
        return sorted(
            (item for item in items if found.key_of(item) == wanted),
            key=lambda item: (item.namespace or "", _name(item)),
        )

    async def _labelled_or_unlabelled(
        self, index: FieldIndex, namespace: str | None, value: str
    ) -> builtins.list[ResourceT]:
        """The objects labelled with ``value``'s form of ``index``'s label, and those that
        carry no such label, read concurrently (one round trip for both)."""
        assert index.label is not None
        unlabelled = f"!{index.label}"
        selectors = [unlabelled]
        label_value = index.label_for(value)
        if label_value is not None:
            if not is_valid_label_value(label_value):
                raise ObjectRequiredError(
                    f"{index.label_value!r} made {label_value!r} of {value!r}, which is not a "
                    "label value"
                )
            # lscsde-workspace-mgmt 0.1.14 wrote the same forms (see lscsde_sdk.labels), so
            # objects it labelled are selected by this one value too.
            selectors.append(f"{index.label}={label_value}")
        lists = await _all_or_none(
            self.list(namespace, label_selector=selector) for selector in selectors
        )
        labellable: dict[str, int] = {}
        for item in lists[0]:
            if index.label_for(index.value_of(item)):
                where = item.namespace or ""
                labellable[where] = labellable.get(where, 0) + 1
        for where, count in labellable.items():
            warn_once(self.log, self.info.kind, where, index.label, count)
        # An object labelled (by relabel) between the two reads can be in both: keep it
        # once. Labelled just after the first read and before the second, it is in neither,
        # for that one call.
        unique = {(item.namespace, _name(item)): item for items in lists for item in items}
        return builtins.list(unique.values())

    # -- writes that keep the labels ---------------------------------------------------------

    async def create(
        self, resource: ResourceT | Mapping[str, Any], *, dry_run: bool = False
    ) -> ResourceT:
        """:meth:`CustomResourceClient.create` of ``resource`` with its index labels right.
        A name index's label of an object whose name the server generates
        (``metadata.generateName``) is set by a second request, a PATCH."""
        model = labelled(self._coerce(resource), self.field_indexes)
        created = await super().create(model, dry_run=dry_run)
        return await self._correct_labels(created, dry_run)

    async def replace(
        self, resource: ResourceT | Mapping[str, Any], *, dry_run: bool = False
    ) -> ResourceT:
        """:meth:`CustomResourceClient.replace` of ``resource`` with its index labels right."""
        model = labelled(self._coerce(resource), self.field_indexes)
        return await super().replace(model, dry_run=dry_run)

    async def apply(
        self,
        resource: ResourceT | Mapping[str, Any],
        *,
        field_manager: str | None = None,
        force: bool = False,
        dry_run: bool = False,
    ) -> ResourceT:
        """:meth:`CustomResourceClient.apply` of ``resource`` with its index labels right;
        when the object as applied still has a wrong one (an indexed field set by another
        manager), a PATCH corrects it."""
        model = labelled(self._coerce(resource), self.field_indexes)
        applied = await super().apply(
            model, field_manager=field_manager, force=force, dry_run=dry_run
        )
        return await self._correct_labels(applied, dry_run)

    async def patch(
        self,
        namespace: str,
        name: str,
        patch: Mapping[str, Any] | Sequence[Mapping[str, Any]],
        *,
        patch_type: PatchType | None = None,
        dry_run: bool = False,
    ) -> ResourceT:
        """:meth:`CustomResourceClient.patch`; a merge patch that sets an indexed field
        carries its label. When the object as patched has a wrong label (a JSON patch changed
        an indexed field), a second request, a PATCH, corrects it."""
        patch_type = patch_type_of(patch, patch_type)
        if patch_type is PatchType.MERGE and isinstance(patch, Mapping):
            patch = labelled_merge_patch(patch, self.field_indexes)
        patched = await super().patch(
            namespace, name, patch, patch_type=patch_type, dry_run=dry_run
        )
        return await self._correct_labels(patched, dry_run)

    async def json_patch(
        self,
        namespace: str,
        name: str,
        operations: Sequence[Mapping[str, Any]],
        *,
        dry_run: bool = False,
    ) -> ResourceT:
        """:meth:`patch` with RFC 6902 ``operations``."""
        return await self.patch(
            namespace, name, operations, patch_type=PatchType.JSON, dry_run=dry_run
        )

    async def merge_patch(
        self,
        namespace: str,
        name: str,
        partial: Mapping[str, Any] | ResourceModel,
        *,
        dry_run: bool = False,
    ) -> ResourceT:
        """:meth:`patch` with the RFC 7386 merge patch ``partial``."""
        body = partial.to_api() if isinstance(partial, ResourceModel) else partial
        return await self.patch(namespace, name, body, patch_type=PatchType.MERGE, dry_run=dry_run)

    async def _correct_labels(self, resource: ResourceT, dry_run: bool) -> ResourceT:
        """``resource`` as written, its wrong index labels corrected by one PATCH
        (conditional on its version), if it has any."""
        changes = [] if dry_run else label_changes(resource, self.field_indexes)
        if not changes:
            return resource
        namespace, name = resource.namespace or "", _name(resource)
        patch = labels_patch(changes, resource.metadata.resource_version)
        try:
            return self._parse(await self._send(self.requests.patch(namespace, name, patch)))
        except LscsdeError as exc:  # the write itself succeeded; the label is an index only
            self.log.warning(
                "could not correct the labels of %s %s/%s (relabel corrects them later): %s",
                self.info.kind,
                namespace,
                name,
                exc,
            )
            return resource

    # -- label maintenance -------------------------------------------------------------------

    async def relabel(
        self,
        namespace: str,
        *,
        dry_run: bool = False,
        progress: Callable[[int, int], None] | None = None,
    ) -> LabelReport:
        """Give every object in ``namespace`` the labels of its field indexes: add missing
        ones, correct stale ones (the field was changed by a tool that does not keep the
        label), remove ones whose field has no label form. Reports what changed.

        This is the explicit maintenance operation behind the direct lookups (reads never
        label anything). Each change is a merge patch conditional on the version read; when
        the object changed meanwhile it is read again and re-checked (as
        :attr:`conflict_retry` says; an object that kept changing is reported as failed). No
        events are recorded.
        With ``dry_run`` nothing is written and the report says what would change.
        ``progress(checked, total)`` is told how many objects were checked so far, before
        each object and once at the end.
        """
        changed: builtins.list[LabelChange] = []
        failed: builtins.list[tuple[str, str]] = []
        unchanged = 0
        items = await self.list(namespace)
        for checked, item in enumerate(items):
            if progress is not None:
                progress(checked, len(items))
            try:
                changes = await self._relabel_one(item, dry_run)
            except (NotFoundError, ForbiddenError, ConflictError) as error:
                failed.append((_name(item), str(error)))
                continue
            if changes:
                changed.extend(changes)
            else:
                unchanged += 1
        if progress is not None:
            progress(len(items), len(items))
        return LabelReport(
            kind=self.info.kind,
            namespace=namespace,
            changed=tuple(changed),
            unchanged=unchanged,
            failed=tuple(failed),
            dry_run=dry_run,
        )

    async def _relabel_one(self, item: ResourceT, dry_run: bool) -> builtins.list[LabelChange]:
        namespace, name = item.namespace or "", _name(item)
        current: ResourceT | None = item

        async def attempt() -> builtins.list[LabelChange]:
            nonlocal current
            read = current if current is not None else await self.get(namespace, name)
            current = None  # a repeat reads the object again
            changes = label_changes(read, self.field_indexes)
            if not changes or dry_run:
                return changes
            patch = labels_patch(changes, read.metadata.resource_version)
            await self._send(self.requests.patch(namespace, name, patch))
            return changes

        return await retry_on_conflict(
            attempt,
            policy=self.conflict_retry,
            what=f"{self.info.kind} {namespace}/{name}",
            log=self.log,
        )


# Characters of label values in one `in (...)` selector: the request line stays well within
# what API servers and the proxies in front of them accept (often 8 KiB).
_SELECTOR_BUDGET = 4000


async def _all_or_none(calls: Iterable[Awaitable[_T]]) -> builtins.list[_T]:
    """The results of ``calls``, run concurrently; on the first error the others are
    cancelled and the error raised (not left running, as ``gather`` leaves them)."""
    tasks = [asyncio.ensure_future(call) for call in calls]
    try:
        return await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        raise


def _chunks(values: Sequence[str]) -> Iterator[Sequence[str]]:
    """``values`` in runs whose selector stays within :data:`_SELECTOR_BUDGET` characters."""
    start, length = 0, 0
    for position, value in enumerate(values):
        if position > start and length + len(value) + 1 > _SELECTOR_BUDGET:
            yield values[start:position]
            start, length = position, 0
        length += len(value) + 1
    if start < len(values):
        yield values[start:]


def _name(item: Any) -> str:
    return str(item.metadata.name)
