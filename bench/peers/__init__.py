"""One module per peer, each run as ``python -m bench.peers.<name>`` in a fresh process.

A peer module defines ``OPERATIONS`` (operation name -> async context manager that sets the
library up and yields the call to time) and ``DISTRIBUTIONS`` (whose versions to report),
and ends with ``_harness.main(OPERATIONS, DISTRIBUTIONS)``. Each uses its library the way
its documentation shows, with nothing the bench adds between the library and the server.
"""
