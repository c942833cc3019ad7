"""Typed handlers under real kopf on the real API server: the README's data-source operator
(examples/datasource_operator.py, checked by mypy --strict in `nox -s lint`) receives the
validated model, writes its status with kopf's patch only when it changed, and has its errors
mapped to kopf's (throttling until the transport gives up, then success after the server's
Retry-After; invalid input, permanently); a handler whose object is deleted meanwhile ends
quietly."""

from __future__ import annotations

import re
from functools import partial
from pathlib import Path

import pytest
from kubernetes_asyncio.client import ApiClient

from lscsde_sdk.clients import AnalyticsCrateClient, AnalyticsDataSourceClient
from lscsde_sdk.core.transport import Transport
from lscsde_sdk.envtest import ControlPlane
from lscsde_sdk.testing import ApiProxy, Respond
from tests.integration.factories import crate, data_source

from .harness import ROOT, KopfProcess, event_reasons, eventually
from .test_lifecycle import status_text

pytestmark = pytest.mark.integration

EXAMPLE = ROOT / "examples" / "datasource_operator.py"


def readme_operator() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```py\n(.*?)```", text[text.index("## Operators") :], flags=re.S)
    assert block is not None
    return block.group(1)


def test_the_readme_operator_is_the_example_lint_checks() -> None:
    assert readme_operator() == EXAMPLE.read_text(encoding="utf-8")


async def test_the_readme_operator_gets_models_writes_status_once_and_maps_errors(
    control_plane: ControlPlane,
    admin_api: ApiClient,
    api_proxy: ApiProxy,
    namespace: str,
    tmp_path: Path,
) -> None:
    sources = AnalyticsDataSourceClient(admin_api)
    transport = Transport(admin_api)
    operator = tmp_path / "datasource_operator.py"
    operator.write_text(readme_operator(), encoding="utf-8")
    kopf = KopfProcess(
        control_plane.kubeconfig_path(server_url=api_proxy.url),
        namespace,
        [str(operator)],
        tmp_path / "kopf.log",
    )
    # The handler's GET of "throttled" is refused more often than the transport tries.
    throttled = api_proxy.add_fault(
        Respond(429, headers={"Retry-After": "1"}),
        method="GET",
        path=r"/analyticsdatasources/throttled$",
        times=4,
    )
    empty = data_source(namespace, "empty")
    del empty["spec"]["connections"]

    async def reaches(name: str, text: str) -> None:
        await eventually(
            partial(status_text, sources, namespace, name, text), f"{name} {text!r}", kopf
        )

    with kopf:
        await sources.create(data_source(namespace, "extract"))
        await sources.create(data_source(namespace, "throttled"))
        await sources.create(empty)
        await reaches("extract", "Ready: 1 connection(s)")

        # Throttled: the transport gives up after 4 tries; kopf runs the handler again after
        # the server's Retry-After, and it succeeds.
        await kopf.wait_for(
            rf"\[{namespace}/throttled\] Handler 'check' failed temporarily: .*429.*"
            r"running again in 1s"
        )
        await reaches("throttled", "Ready: 1 connection(s)")
        assert throttled.applied == 4

        # Invalid input is permanent, and names the field.
        await kopf.wait_for(
            rf"\[{namespace}/empty\] Handler 'check' failed permanently: .*spec\.connections"
        )

        # An update that leaves the status as it is writes no status and records no event.
        since = kopf.mark()
        await sources.merge_patch(namespace, "extract", {"spec": {"description": "v2"}})
        await kopf.wait_for(rf"\[{namespace}/extract\] Handler 'check/spec' succeeded", since=since)
        patched = await kopf.wait_for(
            rf"\[{namespace}/extract\] Merge-patching the resource with: (.*)", since=since
        )
        assert "last-handled-configuration" in patched.group(1)
        await kopf.wait_for(rf"\[{namespace}/extract\] Handling cycle is finished", since=since)
        assert f"[{namespace}/extract] Merge-patching the status" not in kopf.log[since:]

    assert await event_reasons(transport, namespace, "extract") == ["DataSourceChecked"]
    assert await event_reasons(transport, namespace, "throttled") == ["DataSourceChecked"]
    assert (await sources.get(namespace, "empty")).status is None


async def test_a_handler_whose_object_is_deleted_meanwhile_ends_quietly(
    control_plane: ControlPlane, admin_api: ApiClient, namespace: str, tmp_path: Path
) -> None:
    crates = AnalyticsCrateClient(admin_api)
    kopf = KopfProcess(
        control_plane.kubeconfig_path(),
        namespace,
        [str(Path(__file__).with_name("crate_operator.py"))],
        tmp_path / "kopf.log",
    )
    with kopf:
        await crates.create(crate(namespace, "short-lived"))
        await kopf.wait_for(rf"\[{namespace}/short-lived\] following the crate")
        await crates.delete(namespace, "short-lived")
        await kopf.wait_for(
            rf"\[{namespace}/short-lived\] AnalyticsCrate was deleted while it was being handled"
        )
        await kopf.wait_for(rf"\[{namespace}/short-lived\] Handler 'follow' succeeded")
    assert "Traceback" not in kopf.log
