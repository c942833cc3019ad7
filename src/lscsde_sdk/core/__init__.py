"""The generic machinery under the generated per-kind code: one transport for every HTTP
request, one client for every kind, field indexes, and (for reads kept current in memory)
watches and informers. Nothing here knows a particular kind."""
