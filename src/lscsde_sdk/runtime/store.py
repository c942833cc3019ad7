"""An informer's store: one kind's objects by ``namespace/name`` and by field index.

Objects are kept compactly, as their JSON text (see :mod:`lscsde_sdk.runtime.compact`), and
validated into models when read, through a small cache of the most recently read ones.
Reading costs what it reads: ``get`` and ``by_index`` validate the objects they return (a
binding that is not cached in about 15 µs, a workspace in about 30 µs), ``list()`` every one.

Measured with ``nox -s bench -- --scenario informer_large --scenario informer_lookups`` on 2
shared CPUs (load average 0.7 to 2.4) with 10,000 workspaces and 100,000 bindings: informers
of both kinds synced in 0.73 times the time of the floor (the same two lists by raw GET and
``json.loads``), and peaked at 203 MiB where the floor holding its dicts took 800 MiB (0.25
times; models instead of texts had taken 1.1 times as much). The p99 of 1,000 lookups of
random keys was 153 µs for ``store.get`` of a workspace and 154 µs for ``by_index`` of a
user's bindings (median of 25 such p99s).

* :meth:`Store.replace` (a complete list) swaps in new contents in one step: readers see
  the old state or the new one, never a mix.
* Objects handed out may be shared with other readers (the cache): read them, do not change
  them (copy with ``model_copy(deep=True)`` first).
* Field indexes are keyed by the field values themselves, so lookups are exact whatever the
  objects' labels say.
* An object the models refuse raises its (redacted) ``ValidationError`` when it is read;
  the other objects are unaffected.

A store belongs to one event loop: it is changed only between awaits.
"""

from __future__ import annotations

import builtins
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from ..errors import LscsdeError
from ..indexing.fields import FieldIndex
from ..resource import CustomResource
from .compact import CompactList, ListSplitter, encode, strip_managed_fields
from .keys import key_of, object_key

__all__ = ["DEFAULT_CACHE_SIZE", "Store", "StoreContents"]

ResourceT = TypeVar("ResourceT", bound=CustomResource)

#: Validated objects a store keeps at most, most recently read first.
DEFAULT_CACHE_SIZE = 1024


@dataclass(frozen=True)
class StoreContents:
    """What a store holds: each object's JSON text and resourceVersion by key; for each
    field index, the keys of the objects with each indexed value (``dict`` s used as ordered
    sets, which the garbage collector does not track) and each object's indexed value."""

    texts: dict[str, str | bytes]
    versions: dict[str, str | None]
    indexed: dict[str, dict[str, dict[str, None]]]
    indexed_values: dict[str, dict[str, str]]


class Store(Generic[ResourceT]):
    """Objects of ``resource_type``, by key and by the given field indexes.

    ``keep_managed_fields``: keep ``metadata.managedFields`` (dropped by default to save
    memory); ``cache_size``: how many validated objects are kept for the next read.
    """

    def __init__(
        self,
        resource_type: type[ResourceT],
        indexes: Sequence[FieldIndex] = (),
        *,
        keep_managed_fields: bool = False,
        cache_size: int = DEFAULT_CACHE_SIZE,
    ) -> None:
        if cache_size < 0:
            raise ValueError(f"cache_size cannot be negative, got {cache_size}")
        self.resource_type = resource_type
        self.field_indexes = {index.name: index for index in indexes}
        self.keep_managed_fields = keep_managed_fields
        self.cache_size = cache_size
        self._contents = self._build(CompactList(index_keys=[[] for _ in self.field_indexes]))
        self._cache: OrderedDict[str, ResourceT] = OrderedDict()

    # -- reading ------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._contents.texts)

    def get(self, namespace: str | None, name: str) -> ResourceT | None:
        """The object ``name`` in ``namespace``, or ``None``."""
        key = key_of(namespace, name)
        return self._object(key) if key in self._contents.texts else None

    def list(self, namespace: str | None = None) -> builtins.list[ResourceT]:
        """Every object (in ``namespace``), sorted by namespace and name; each is validated,
        so listing a large store costs accordingly."""
        return [self._object(key) for key in sorted(self._keys(self._contents.texts, namespace))]

    def by_index(
        self, index: str, value: str, namespace: str | None = None
    ) -> builtins.list[ResourceT]:
        """The objects whose field index ``index`` has ``value`` (compared as the index
        compares), sorted by namespace and name."""
        found = self.field_indexes.get(index)
        if found is None:
            known = ", ".join(self.field_indexes) or "none"
            raise LscsdeError(f"the store has no index {index!r} (known: {known})")
        keys = self._contents.indexed[index].get(found.key(value), {})
        return [self._object(key) for key in sorted(self._keys(keys, namespace))]

    def resource_version(self, key: str) -> str | None:
        """The resourceVersion of the object ``key`` (``None`` when it is not here)."""
        return self._contents.versions.get(key)

    @property
    def contents(self) -> StoreContents:
        """The current contents (replaced, not changed, by :meth:`replace`)."""
        return self._contents

    def decode(self, text: str | bytes) -> ResourceT:
        """An object from its stored text, as readers get it."""
        resource = self.resource_type.from_api_json(text)
        return resource if self.keep_managed_fields else strip_managed_fields(resource)

    # -- changing -----------------------------------------------------------------------------

    def splitter(self) -> ListSplitter:
        """Splits a list response into what :meth:`replace` takes."""
        return ListSplitter(
            tuple(self.field_indexes.values()), keep_managed_fields=self.keep_managed_fields
        )

    def replace(self, listing: CompactList) -> StoreContents:
        """Make the objects of ``listing`` (split by a :meth:`splitter`) the whole content,
        in one step; returns the previous contents."""
        contents = self._build(listing)
        previous, self._contents = self._contents, contents
        for key, resource in builtins.list(self._cache.items()):
            if contents.versions.get(key, ...) != resource.metadata.resource_version:
                del self._cache[key]
        return previous

    def upsert(self, resource: ResourceT) -> None:
        """Add or replace ``resource`` (it becomes what readers of its key get)."""
        if not self.keep_managed_fields:
            strip_managed_fields(resource)
        key = object_key(resource)
        self._unindex(key)
        contents = self._contents
        contents.texts[key] = encode(resource)
        contents.versions[key] = resource.metadata.resource_version
        for name, index in self.field_indexes.items():
            value = index.key_of(resource)
            if value is not None:
                contents.indexed[name].setdefault(value, {})[key] = None
                contents.indexed_values[name][key] = value
        self._remember(key, resource)

    def remove(self, key: str) -> None:
        """Remove the object ``key`` (nothing happens when it is not here)."""
        self._unindex(key)
        self._contents.texts.pop(key, None)
        self._contents.versions.pop(key, None)
        self._cache.pop(key, None)

    # -- the parts ----------------------------------------------------------------------------

    def _object(self, key: str) -> ResourceT:
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        resource = self.decode(self._contents.texts[key])
        self._remember(key, resource)
        return resource

    def _remember(self, key: str, resource: ResourceT) -> None:
        if self.cache_size == 0:
            return
        self._cache[key] = resource
        self._cache.move_to_end(key)
        if len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)

    def _build(self, listing: CompactList) -> StoreContents:
        keys = listing.keys
        texts: dict[str, str | bytes] = dict(zip(keys, listing.texts, strict=True))
        versions = dict(zip(keys, listing.versions, strict=True))
        indexed: dict[str, dict[str, dict[str, None]]] = {name: {} for name in self.field_indexes}
        values: dict[str, dict[str, str]] = {name: {} for name in self.field_indexes}
        for name, index_keys in zip(self.field_indexes, listing.index_keys, strict=True):
            buckets, of_key = indexed[name], values[name]
            for key, value in zip(keys, index_keys, strict=True):
                if value is not None:
                    of_key[key] = value
                    bucket = buckets.get(value)
                    if bucket is None:
                        buckets[value] = {key: None}
                    else:
                        bucket[key] = None
        return StoreContents(texts, versions, indexed, values)

    def _unindex(self, key: str) -> None:
        contents = self._contents
        for name in self.field_indexes:
            value = contents.indexed_values[name].pop(key, None)
            if value is None:
                continue
            buckets = contents.indexed[name]
            bucket = buckets.get(value)
            if bucket is not None:
                bucket.pop(key, None)
                if not bucket:
                    del buckets[value]

    @staticmethod
    def _keys(keys: Iterable[str], namespace: str | None) -> Iterable[str]:
        if namespace is None:
            return keys
        prefix = f"{namespace}/"
        return (key for key in keys if key.startswith(prefix))
