"""Benchmarks of lscsde-sdk against its peers: ``nox -s bench`` (``python -m bench``).

Peer subprocesses import ``bench.peers`` from other venvs too, so this package imports
nothing at import time.
"""
