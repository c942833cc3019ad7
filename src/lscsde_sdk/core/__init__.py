"""The generic machinery under the generated per-kind code: one transport for every HTTP
request, one client for every kind (its ``watch`` is one request; resuming watches and
informers are :mod:`lscsde_sdk.runtime`'s), the watch stream's decoder, and field indexes.
Nothing here knows a particular kind."""

__all__: list[str] = []
