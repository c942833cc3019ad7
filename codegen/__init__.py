"""Build step: CRD schemas in ``schemas/`` -> the ``lscsde_sdk._generated`` package.

Run it with ``nox -s generate`` (or ``python -m codegen``). Nothing here is imported at run
time by the SDK.
"""
