"""``lscsde grant`` and ``lscsde revoke``: bindings written with events, bad input refused."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from kubernetes_asyncio import client

from lscsde_sdk.cli.grants import REPORTING_CONTROLLER, binding_name
from lscsde_sdk.cli.sample_data import SAMPLE_USER, SampleData
from lscsde_sdk.clients import AnalyticsWorkspaceBindingClient, Request, Transport
from lscsde_sdk.converters import today
from lscsde_sdk.errors import NotFoundError

from ..integration.factories import create_as_another_tool
from .conftest import Cli, run_cli

DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")


def in_days(days: int) -> str:
    return (today() + timedelta(days=days)).isoformat()


async def cli_events(admin_api: client.ApiClient, namespace: str) -> list[dict[str, Any]]:
    """The events the command line tool recorded as the admin (the sample data's events
    name the user "lscsde dev up")."""
    found = await Transport(admin_api).send_json(
        Request("GET", f"/apis/events.k8s.io/v1/namespaces/{namespace}/events")
    )
    return [
        event
        for event in found["items"]
        if event["reportingController"] == REPORTING_CONTROLLER
        and event["note"].endswith(" by admin")
    ]


# -- binding names (pure) ----------------------------------------------------------------------


def test_a_plain_username_gives_a_plain_binding_name() -> None:
    assert binding_name("study", "alice") == "study-alice"


def test_other_characters_become_dashes_with_a_hash_that_keeps_users_apart() -> None:
    first = binding_name("study", "a.b@example.org")
    second = binding_name("study", "a-b@example.org")

    assert re.fullmatch(r"study-a-b-example-org-[0-9a-f]{8}", first)
    assert first != second
    assert binding_name("study", "A.B@Example.org") == first  # the same user to JupyterHub
    assert binding_name("study", "a.b@example.org") == first  # deterministic


@pytest.mark.parametrize("username", ["x" * 253, "ÜNICODE ǅ user", "@@@", "-a-"])
def test_binding_names_are_always_valid_object_names(username: str) -> None:
    name = binding_name("w" * 60, username)

    assert len(name) <= 253
    assert DNS_SUBDOMAIN.fullmatch(name), name


# -- against the API server ----------------------------------------------------------------


@pytest.mark.integration
async def test_grant_creates_a_labelled_binding_and_records_an_event(
    cli: Cli, sample: SampleData, admin_api: client.ApiClient, namespace: str
) -> None:
    until = in_days(60)

    result = await cli("grant", "new.user@example.org", "training-sandbox", "--until", until)

    assert result.code == 0, result.err
    name = binding_name("training-sandbox", "new.user@example.org")
    assert result.err == f"workspace binding {name} created: until {until}\n"
    assert result.out_lines[1].split() == [name, "training-sandbox", "new.user@example.org", until]
    bindings = AnalyticsWorkspaceBindingClient(admin_api)
    stored = await bindings.list_by_username(namespace, "new.user@example.org")
    assert [b.name for b in stored] == [name]
    assert stored[0].spec.expires.isoformat() == until  # type: ignore[union-attr]
    events = await cli_events(admin_api, namespace)
    assert [(e["reason"], e["regarding"]["name"]) for e in events] == [
        ("WorkspaceBindingCreated", name)
    ]
    assert events[0]["note"] == "Workspace Binding Created by admin"
    access = await cli("access", "new.user@example.org", "-o", "json")
    assert json.loads(access.out)["items"][0]["state"] == "permitted"


@pytest.mark.integration
async def test_grant_to_a_user_already_bound_updates_the_expiry(
    cli: Cli, sample: SampleData, admin_api: client.ApiClient, namespace: str
) -> None:
    name = binding_name("cancer-outcomes", SAMPLE_USER)

    updated = await cli("grant", SAMPLE_USER.upper(), "cancer-outcomes", "--until", in_days(7))
    again = await cli("grant", SAMPLE_USER, "cancer-outcomes", "--until", in_days(7), "-o", "json")

    assert updated.code == 0, updated.err
    assert updated.err == f"workspace binding {name} updated: until {in_days(7)}\n"
    assert again.err == f"workspace binding {name} unchanged: already until {in_days(7)}\n"
    assert [item["metadata"]["name"] for item in json.loads(again.out)["items"]] == [name]
    stored = await AnalyticsWorkspaceBindingClient(admin_api).list_by_username(
        namespace, SAMPLE_USER
    )
    assert [b.spec.expires.isoformat() for b in stored if b.name == name] == [in_days(7)]  # type: ignore[union-attr]
    assert [e["reason"] for e in await cli_events(admin_api, namespace)] == [
        "WorkspaceBindingUpdated"
    ]


@pytest.mark.integration
async def test_grant_finds_a_binding_another_tool_wrote_without_labels(
    cli: Cli, sample: SampleData, admin_api: client.ApiClient, namespace: str
) -> None:
    bindings = AnalyticsWorkspaceBindingClient(admin_api)
    await create_as_another_tool(
        bindings,
        {
            "metadata": {"name": "hand-made", "namespace": namespace},
            "spec": {"workspace": "training-sandbox", "username": "bob", "expires": in_days(3)},
        },
    )

    result = await cli("grant", "bob", "training-sandbox", "--until", in_days(30))

    assert result.err == f"workspace binding hand-made updated: until {in_days(30)}\n"
    stored = await bindings.get(namespace, "hand-made")
    assert stored.spec.expires.isoformat() == in_days(30)  # type: ignore[union-attr]
    assert stored.metadata.labels == {"xlscsde.nhs.uk/username": "bob"}  # written right


@pytest.mark.integration
async def test_grant_notes_when_the_workspace_ends_before_the_grant(
    cli: Cli, sample: SampleData
) -> None:
    result = await cli("grant", "carol", "training-sandbox", "--until", in_days(100))

    assert result.code == 0
    assert result.err_lines[-1] == (
        f"note: workspace training-sandbox itself expires on {in_days(60)} (60 days from "
        "today); access ends then"
    )


@pytest.mark.integration
async def test_grant_to_an_unknown_workspace_fails_and_writes_nothing(
    cli: Cli, sample: SampleData, admin_api: client.ApiClient, namespace: str
) -> None:
    result = await cli("grant", "alice", "no-such-workspace", "--until", in_days(10))

    assert result.code == 1
    assert result.err == f"error: workspace no-such-workspace not found in namespace {namespace}\n"
    assert (
        await AnalyticsWorkspaceBindingClient(admin_api).list_by_username(namespace, "alice") == []
    )


@pytest.mark.integration
async def test_grant_in_an_unknown_namespace_names_the_namespace(cli: Cli) -> None:
    result = await cli(
        "grant", "alice", "study", "--until", in_days(10), namespace="no-such-namespace"
    )

    assert result.code == 1
    assert result.err == "error: namespace no-such-namespace not found\n"


@pytest.mark.parametrize(
    ("until", "message"),
    [
        ("2020-01-01", "2020-01-01 is not after today"),
        (in_days(0), f"{in_days(0)} is not after today"),
        ("2027-02-30", "'2027-02-30' is not a date (YYYY-MM-DD)"),
        ("20270101", "'20270101' is not a date (YYYY-MM-DD)"),
        ("next week", "'next week' is not a date (YYYY-MM-DD)"),
    ],
)
def test_grant_refuses_dates_that_are_not_after_today(until: str, message: str) -> None:
    result = run_cli(["grant", "alice", "study", "--until", until])

    assert result.code == 2
    assert result.out == ""
    assert len(result.err_lines) == 1
    assert result.err.startswith(f"error: argument --until: {message}")


@pytest.mark.parametrize("username", ["", "al\nice", "x" * 254, "tab\there"])
def test_grant_and_revoke_refuse_invalid_usernames(username: str) -> None:
    for argv in (["grant", username, "study", "--until", in_days(5)], ["revoke", username, "s"]):
        result = run_cli(argv)

        assert result.code == 2
        assert result.err.startswith("error: argument USERNAME: a username ")
        assert len(result.err_lines) == 1


def test_grant_needs_until() -> None:
    result = run_cli(["grant", "alice", "study"])

    assert result.code == 2
    assert result.err == (
        "error: the following arguments are required: --until (see: lscsde grant --help)\n"
    )


@pytest.mark.integration
async def test_revoke_deletes_the_users_bindings_to_the_workspace(
    cli: Cli, sample: SampleData, admin_api: client.ApiClient, namespace: str
) -> None:
    name = binding_name("cancer-outcomes", SAMPLE_USER)

    result = await cli("revoke", SAMPLE_USER, "cancer-outcomes")

    assert result.code == 0, result.err
    assert result.err == f"workspace binding {name} deleted\n"
    with pytest.raises(NotFoundError):
        await AnalyticsWorkspaceBindingClient(admin_api).get(namespace, name)
    assert [
        (e["reason"], e["regarding"]["name"]) for e in await cli_events(admin_api, namespace)
    ] == [("WorkspaceBindingDeleted", name)]
    access = json.loads((await cli("access", SAMPLE_USER, "-o", "json")).out)
    assert "cancer-outcomes" not in {item["name"] for item in access["items"]}
    # The other user's binding to the workspace is untouched.
    others = await AnalyticsWorkspaceBindingClient(admin_api).list_by_username(
        namespace, "analyst@example.org"
    )
    assert "cancer-outcomes" in {b.spec.workspace for b in others}  # type: ignore[union-attr]


@pytest.mark.integration
async def test_revoke_without_a_binding_says_so_and_exits_1(
    cli: Cli, sample: SampleData, namespace: str
) -> None:
    result = await cli("revoke", "trainee@example.org", "cancer-outcomes")

    assert result.code == 1
    assert result.err == (
        f"error: trainee@example.org has no binding to workspace cancer-outcomes in namespace "
        f"{namespace}; nothing to revoke\n"
    )
