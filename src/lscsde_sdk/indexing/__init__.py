"""The indexing layer: field indexes of a kind, the labels that mirror them on its objects,
and the lookups that use those labels without trusting them.

* :mod:`.fields`: :class:`~.fields.FieldIndex`, a field by which objects are looked up,
  declared per kind by the generator (informers index the same fields);
* :mod:`.client`: :class:`~.client.IndexedClient`, the base of the generated clients of kinds
  with field indexes: writes that keep the labels, ``get_many``, ``list_by_index``,
  ``relabel``;
* :mod:`.labels`: the pure label arithmetic (``LabelChange``, ``LabelReport``);
* :mod:`.unlabelled`: the once-per-namespace warning about objects without labels.

It is built on :mod:`lscsde_sdk.core`, which knows nothing of it. Import from the modules:
this package imports none of them, so the runtime's use of :mod:`.fields` loads no client.
"""

from __future__ import annotations

__all__: list[str] = []
