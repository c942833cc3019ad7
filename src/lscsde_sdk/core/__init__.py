"""The generic machinery under the generated per-kind code: one transport for every HTTP
request, one client for every kind (its ``watch`` is one request; resuming watches and
informers are :mod:`lscsde_sdk.runtime`'s), the pager, conflict retries, redaction and the
watch stream's decoder. Nothing here knows a particular kind, nor imports anything built on it
(labels and field indexes are :mod:`lscsde_sdk.indexing`'s, events :mod:`lscsde_sdk.events`')."""

__all__: list[str] = []
