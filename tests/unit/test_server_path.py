"""Objects read from the API server are validated by pydantic-core alone: no Python code runs
per object or per nested model, whatever the list's length."""

from __future__ import annotations

import gc
import json
import sys
from collections.abc import Callable
from types import FrameType
from typing import Any

import pytest
from kubernetes_asyncio.client import ApiClient

import lscsde_sdk.models as models
from lscsde_sdk.clients import AnalyticsWorkspaceClient
from lscsde_sdk.core.lists import ResourceList, list_without_managed_fields
from lscsde_sdk.core.watch_decoder import line_adapter
from lscsde_sdk.model_base import ResourceModel
from tests.examples import load_example

GENERATED = [
    cls
    for name in models.__all__
    if isinstance(cls := getattr(models, name), type) and issubclass(cls, ResourceModel)
]


@pytest.mark.parametrize("cls", GENERATED, ids=lambda cls: cls.__name__)
def test_no_generated_class_has_python_hooks_on_validation(cls: type[ResourceModel]) -> None:
    decorators = cls.__pydantic_decorators__
    assert not decorators.model_validators and not decorators.field_validators
    assert not decorators.validators and not decorators.root_validators
    assert not cls.__pydantic_custom_init__  # the strict __init__ is the user's only
    assert cls.__pydantic_post_init__ is None


def python_calls(action: Callable[[], Any]) -> list[str]:
    """The Python functions (not C functions) ``action`` calls, itself not included."""
    calls: list[str] = []

    def profile(frame: FrameType, event: str, arg: Any) -> None:
        if event == "call":
            calls.append(f"{frame.f_code.co_filename}:{frame.f_code.co_name}")

    # A collection during the action would run other tests' finalizers (``__del__``) here and
    # count them as the action's: collect first, and hold the collector for the measurement.
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    sys.setprofile(profile)
    try:
        action()
    finally:
        sys.setprofile(None)
        if was_enabled:
            gc.enable()
    return calls[1:]  # the first call is the action itself


def _list_body(count: int) -> bytes:
    items = []
    for index in range(count):
        workspace = load_example("workspace-jupyter-full")
        workspace["metadata"]["name"] = f"w{index}"
        workspace["metadata"]["managedFields"] = [
            {"manager": "kubectl", "operation": "Update", "fieldsV1": {"f:spec": {}}}
        ]
        workspace["spec"]["aFutureField"] = {"nested": [1]}
        items.append(workspace)
    return json.dumps({"metadata": {"resourceVersion": "7"}, "items": items}).encode()


def test_a_list_response_runs_no_python_per_object() -> None:
    validator = ResourceList[models.AnalyticsWorkspace].__pydantic_validator__
    body = _list_body(50)
    validator.validate_json(body)  # warm: first use may build things lazily
    assert python_calls(lambda: validator.validate_json(body)) == []


async def test_a_list_page_leaves_the_garbage_collector_as_the_process_set_it() -> None:
    # We run inside other people's processes: no switching the collector off behind them.
    body = _list_body(500)
    started: list[int] = []

    def record(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started.append(info["generation"])

    async with ApiClient() as api:
        client = AnalyticsWorkspaceClient(api)
        gc.collect()
        gc.callbacks.append(record)
        try:
            page = client._parse_page(body, keep_managed_fields=True)
        finally:
            gc.callbacks.remove(record)
    assert len(page.items) == 500
    assert started  # collections ran while the page was built
    assert gc.isenabled()


@pytest.mark.parametrize("count", [10, 200])
def test_a_list_without_managed_fields_runs_the_same_python_whatever_its_length(
    count: int,
) -> None:
    body = _list_body(count)
    list_without_managed_fields(models.AnalyticsWorkspace, body)  # warm: builds its type once
    calls = python_calls(lambda: list_without_managed_fields(models.AnalyticsWorkspace, body))
    # The one helper behind every server read, and the loop that gives the items their
    # classes back (C calls in it).
    names = [call.rsplit(":", 1)[1] for call in calls]
    assert names == ["list_without_managed_fields", "parsed_from_api", "restore_classes"]


@pytest.mark.parametrize("keep_managed_fields", [True, False])
async def test_a_list_validated_as_it_arrives_calls_the_same_python_whatever_its_length(
    keep_managed_fields: bool,
) -> None:
    async with ApiClient() as api:
        client = AnalyticsWorkspaceClient(api)

        def calls_decoding(count: int) -> list[str]:
            body = json.loads(_list_body(count))
            compact = json.dumps(body, separators=(",", ":"), sort_keys=True).encode()

            def decode() -> None:
                decoder = client._list_decoder(keep_managed_fields)
                decoder.feed(compact)
                assert len(decoder.result().items or []) == count

            decode()  # warm: builds its types once
            return python_calls(decode)

        # Items are validated in C: the loop that finds them is Python, but calls nothing.
        assert calls_decoding(10) == calls_decoding(200)


def test_a_get_response_runs_no_python() -> None:
    body = json.dumps(load_example("workspace-binding-claims")).encode()
    models.AnalyticsWorkspaceBinding.from_api_json(body)
    # from_api_json and the one helper behind every server read; nothing below them.
    calls = python_calls(lambda: models.AnalyticsWorkspaceBinding.from_api_json(body))
    assert [call.rsplit(":", 1)[1] for call in calls] == ["from_api_json", "parsed_from_api"]


def test_a_watch_event_runs_no_python() -> None:
    adapter = line_adapter(models.AnalyticsWorkspace)
    line = json.dumps({"type": "MODIFIED", "object": load_example("workspace-jupyter-full")})
    adapter.validate_json(line)
    calls = python_calls(lambda: adapter.validate_json(line))
    # TypeAdapter's own Python entry point, and nothing for the event or the object in it.
    assert all("pydantic/type_adapter.py" in call for call in calls), calls


def test_the_user_path_does_run_its_checks() -> None:
    # The contrast: constructing from user input runs the strict checks in Python.
    manifest = load_example("workspace-jupyter-full")
    calls = python_calls(lambda: models.AnalyticsWorkspace.model_validate(manifest))
    assert any(call.endswith(":rule_violations") for call in calls)
