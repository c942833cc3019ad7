"""Names only the old library had: the EventClient methods, KubernetesHelper and
NoAssignedValidWorkspaces."""

from __future__ import annotations

import logging

import pytest

from lscsde_workspace_mgmt.eventclient import EventClient
from tests.unit.test_events_unit import FakeTransport, binding


def client() -> EventClient:
    return EventClient(FakeTransport(), logging.getLogger("test"))  # type: ignore[arg-type]


NOUNS = {
    "Workspace": "Workspace",
    "WorkspaceBinding": "Workspace Binding",
    "DataSource": "DataSource",
    "DataSourceBinding": "DataSource Binding",
    "Crate": "Crate",
}


@pytest.mark.parametrize("verb", ["Created", "Updated", "Deleted"])
@pytest.mark.parametrize("kind", NOUNS)
async def test_event_client_methods_record_their_own_reason(kind: str, verb: str) -> None:
    # The reason is the method's name, whatever the object passed.
    method = f"{kind}{verb}"
    events = client()
    event = await getattr(events, method)(binding())
    assert event["reason"] == method
    assert event["note"] == f"{NOUNS[kind]} {verb} by Unknown User"
    event = await getattr(events, method)(binding(), "custom note")
    assert event["note"] == "custom note"


@pytest.mark.parametrize(
    "method",
    [
        "RegisterWorkspaceEvent",
        "RegisterWorkspaceBindingEvent",
        "RegisterDataSourceEvent",
        "RegisterDataSourceBindingEvent",
        "RegisterCrateEvent",
    ],
)
async def test_register_methods_use_the_given_reason_as_action_too(method: str) -> None:
    event = await getattr(client(), method)(binding(), "Provisioned", "done")
    assert (event["reason"], event["action"], event["note"]) == (
        "Provisioned",
        "Provisioned",
        "done",
    )


def test_kubernetes_helper_formats_like_the_sdk_function() -> None:
    from lscsde_workspace_mgmt.models import KubernetesHelper

    assert KubernetesHelper().format_as_label("joe.blogs@someplace.co.uk") == (
        "joe.blogs___someplace.co.uk"
    )


def test_no_assigned_valid_workspaces_carries_the_user() -> None:
    from lscsde_workspace_mgmt.exceptions import NoAssignedValidWorkspaces

    no_workspaces = NoAssignedValidWorkspaces("joe@x.org")
    assert no_workspaces.user == "joe@x.org"
    assert "joe@x.org" in no_workspaces.message
    assert str(no_workspaces) == no_workspaces.message
