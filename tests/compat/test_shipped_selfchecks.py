"""The self-check modules shipped in lscsde_workspace_mgmt (as the old library shipped its
tests) pass: the unit suite offline, the integration check against the real API server."""

from __future__ import annotations

import logging

import pytest
from kubernetes_asyncio.client import ApiClient

from lscsde_workspace_mgmt import integrationtest, test


def test_the_shipped_unit_suite_passes() -> None:
    suite = test.suite()
    assert suite.countTestCases() >= 10
    assert test.main() == 0


@pytest.mark.integration
async def test_the_shipped_integration_check_passes(admin_api: ApiClient, namespace: str) -> None:
    await integrationtest.run(admin_api, namespace, logging.getLogger("integrationtest"))
