"""Usernames are untrusted input: whatever JupyterHub passes, a user sees their own workspaces
and nobody else's, on both lookup paths, and the request sent can select nothing else.

Against a real API server, one namespace holds bindings of several "victims" (and bindings with
blank usernames written by other tools). Each hostile username is looked up

* directly: ``AnalyticsWorkspaceManager(transport).permitted_profiles`` and
  ``AnalyticsWorkspaceBindingClient(transport).list_by_username``;
* from informers: ``AnalyticsWorkspaceManager(api, informers=InformerFactory(...))``;

and must get exactly the workspaces of the victims it is the same user as (usually none).

The identity rule (``FieldIndex.key``): usernames are compared lower-cased (``str.lower``), as
JupyterHub normalises them - not casefolded, not Unicode-normalised. A blank username, or one
that is not a string, is an ``InvalidParameterError`` on both paths, before any request.

Every request the direct path sends is recorded (a ``Transport`` subclass keeps each
``Request``, query included): its label selector is absent, exactly
``xlscsde.nhs.uk/username=<valid label value>``, or exactly ``!xlscsde.nhs.uk/username``
(the bindings without the label, which every lookup reads and re-checks).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, NamedTuple

import pytest
import pytest_asyncio
from kubernetes_asyncio.client import ApiClient

from lscsde_sdk.clients import AnalyticsWorkspaceBindingClient, AnalyticsWorkspaceClient
from lscsde_sdk.core.transport import Request, Transport
from lscsde_sdk.envtest import ADMIN, ControlPlane, create_namespace
from lscsde_sdk.errors import InvalidParameterError
from lscsde_sdk.labels import USERNAME_LABEL, is_valid_label_value
from lscsde_sdk.managers import AnalyticsWorkspaceManager
from lscsde_sdk.runtime import InformerFactory

pytestmark = pytest.mark.integration

#: Victim username -> the workspace only they are bound to.
VICTIMS = {
    "alice@example.org": "alice",
    "a.b@c.org": "ab-at",
    "a.b#c.org": "ab-hash",
    "strasse@example.de": "strasse",
    "kate@example.org": "kate",
    "ivan@example.org": "ivan",
    "josé@example.org": "jose-accent",
    "jose@example.org": "jose-plain",
    "admin": "admin",
    "a": "a",
    "c": "c",
    "x": "x",
    "y": "y",
    # The label value of "a,b!=c", "a b c" and others: only its owner may see it.
    "a___b___c": "abc-label",
}
#: Bindings with usernames that name nobody (as other tools might write them).
BLANK_BINDINGS = {"": "blank", "   ": "spaces"}


class Case(NamedTuple):
    id: str
    username: str
    own: frozenset[str]  # the workspaces this username may see


def case(id: str, username: str, *own: str) -> Case:
    return Case(id, username, frozenset(own))


CASES = [
    # -- label-selector injection -----------------------------------------------------------------
    case("selector-inequality", "a,b!=c"),
    case("selector-set", "x in (y)"),
    case("selector-not-exists", "!x"),
    case("selector-equality", "a=b"),
    case("selector-the-label-key", USERNAME_LABEL),
    case("selector-appended-requirement", f"alice@example.org,{USERNAME_LABEL}!=x"),
    case("selector-double-equals", "alice@example.org==alice@example.org"),
    case("label-value-of-another-name", "a b c"),
    case("label-value-itself", "a___b___c", "abc-label"),
    case("percent-encoded", "alice%40example.org"),
    case("url-query", "alice@example.org&labelSelector="),
    # -- newlines and control characters ------------------------------------------------------
    case("trailing-newline", "alice@example.org\n"),
    case("crlf-header-injection", "alice@example.org\r\nX-Injected: 1"),
    case("nul", "alice@example.org\x00"),
    case("bell-and-escape", "\x07alice@example.org\x1b[0m"),
    case("trailing-space", "alice@example.org "),
    case("leading-tab", "\talice@example.org"),
    case("lone-surrogate", "alice\udcff@example.org"),
    # -- size and scripts ---------------------------------------------------------------------
    case("ten-kilobytes", "a" * 10240),
    case("ten-kilobytes-of-a-victim", "alice@example.org" * 603),
    case("accented-upper-case", "JOSÉ@EXAMPLE.ORG", "jose-accent"),
    case("accent-decomposed-nfd", "jose\u0301@example.org"),
    case("cjk", "用户@example.org"),
    case("emoji", "🙂@example.org"),
    case("right-to-left-override", "\u202ealice@example.org"),
    case("right-to-left-mark", "alice@example.org\u200f"),
    case("zero-width-space", "alice\u200b@example.org"),
    # -- the identity rule: lower-cased, as JupyterHub normalises usernames ---------------------
    case("same-user-upper-case", "ALICE@EXAMPLE.ORG", "alice"),
    case("same-user-mixed-case", "A.B@C.ORG", "ab-at"),
    case("same-label-other-user", "a.b#c.org", "ab-hash"),
    case("same-label-other-user-upper", "A.B#C.ORG", "ab-hash"),
    case("sharp-s-is-not-ss", "straße@example.de"),
    case("upper-ss-is-ss", "STRASSE@EXAMPLE.DE", "strasse"),
    case("long-s-is-not-s", "\u017ftrasse@example.de"),
    # JupyterHub lower-cases the Kelvin sign to "k" too, so this is kate's own name.
    case("kelvin-sign-lowers-to-k", "\u212aate@example.org", "kate"),
    case("dotless-i-is-not-i", "\u0131van@example.org"),
    case("dotted-capital-i-is-not-i", "İVAN@example.org"),
    case("capital-i-is-i", "IVAN@example.org", "ivan"),
    case("cyrillic-a", "\u0430lice@example.org"),
    case("fullwidth-letters", "\uff41\uff4c\uff49\uff43\uff45@example.org"),
    case("fullwidth-at-sign", "alice\uff20example.org"),
    case("mathematical-bold", "\U0001d41alice@example.org"),
    case("unaccented-is-not-accented", "jose@example.org", "jose-plain"),
]

BLANK_USERNAMES = ["", " ", "\t\n", "\u3000", "\u00a0\u2003"]
NOT_STRINGS: list[Any] = [None, b"alice@example.org", 42, ["alice@example.org"]]


class RecordingTransport(Transport):
    """A transport that keeps every request it is asked to send (method, path and query)."""

    def __init__(self, api: ApiClient) -> None:
        super().__init__(api)
        self.requests: list[Request] = []

    async def send(self, request: Request) -> bytes:
        self.requests.append(request)
        return await super().send(request)

    async def send_to(self, request: Request, consumer: Any) -> Any:
        self.requests.append(request)
        return await super().send_to(request, consumer)

    def open(self, request: Request) -> Any:
        self.requests.append(request)
        return super().open(request)


@dataclass
class World:
    api: ApiClient
    namespace: str
    informers: InformerFactory
    informer_transport: RecordingTransport


def _workspace(namespace: str, name: str) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "displayName": f"Workspace of {name}",
            "description": "Owned by one user only",
            "validity": {"availableFrom": "2020-01-01", "expires": "2099-12-31"},
            "jupyterWorkspace": {"image": "lscsde/datascience-notebook-default:0.1.0"},
        },
    }


def _binding(namespace: str, index: int, username: str, workspace: str) -> dict[str, Any]:
    return {
        "metadata": {"name": f"binding-{index}", "namespace": namespace},
        "spec": {"workspace": workspace, "username": username, "expires": "2099-12-31"},
    }


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def world(control_plane: ControlPlane) -> AsyncIterator[World]:
    api = await control_plane.api_client(ADMIN)
    namespace = await create_namespace(api, "hostile-usernames")
    workspaces = AnalyticsWorkspaceClient(api)
    bindings = AnalyticsWorkspaceBindingClient(api)
    owners = {**VICTIMS, **BLANK_BINDINGS}
    for index, (username, workspace) in enumerate(sorted(owners.items())):
        await workspaces.create(_workspace(namespace, workspace))
        await bindings.create(_binding(namespace, index, username, workspace))
    informer_transport = RecordingTransport(api)
    informers = InformerFactory(informer_transport)
    try:
        yield World(api, namespace, informers, informer_transport)
    finally:
        await informers.stop()
        await api.close()


def assert_selects_nothing_else(request: Request) -> None:
    """The request's label selector is absent, one ``username=<label value>`` requirement,
    or ``!username``."""
    assert all(key != "fieldSelector" for key, _ in request.query)
    selectors = [value for key, value in request.query if key == "labelSelector"]
    assert len(selectors) <= 1, request
    for selector in selectors:
        if selector == f"!{USERNAME_LABEL}":
            continue
        key, equals, value = selector.partition("=")
        assert (key, equals) == (USERNAME_LABEL, "="), selector
        assert value and is_valid_label_value(value), selector


async def _direct(world: World, username: Any) -> tuple[set[str], set[str], RecordingTransport]:
    transport = RecordingTransport(world.api)
    manager = AnalyticsWorkspaceManager(transport)
    profiles = await manager.permitted_profiles(world.namespace, username)
    bindings = await AnalyticsWorkspaceBindingClient(transport).list_by_username(
        world.namespace, username
    )
    for binding in bindings:
        assert binding.spec is not None and binding.spec.username is not None
        assert binding.spec.username.lower() == username.lower()
    return (
        {profile["slug"] for profile in profiles},
        {binding.spec.workspace for binding in bindings if binding.spec},
        transport,
    )


async def _cached(world: World, username: Any) -> set[str]:
    manager = AnalyticsWorkspaceManager(world.api, informers=world.informers)
    profiles = await manager.permitted_profiles(world.namespace, username)
    return {profile["slug"] for profile in profiles}


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
async def test_a_username_sees_its_own_workspaces_and_nobody_elses(
    world: World, case: Case
) -> None:
    profiles, bound, transport = await _direct(world, case.username)
    assert profiles == case.own
    assert bound == case.own
    assert await _cached(world, case.username) == case.own
    assert transport.requests and all(request.method == "GET" for request in transport.requests)
    for request in transport.requests:
        assert_selects_nothing_else(request)


async def test_every_victim_still_sees_their_own_workspace(world: World) -> None:
    for username, workspace in VICTIMS.items():
        profiles, bound, _ = await _direct(world, username)
        assert profiles == bound == {workspace}, username
        assert await _cached(world, username) == {workspace}, username


@pytest.mark.parametrize("username", BLANK_USERNAMES + NOT_STRINGS, ids=repr)
async def test_a_blank_or_non_string_username_is_refused_on_both_paths(
    world: World, username: Any
) -> None:
    transport = RecordingTransport(world.api)
    direct = AnalyticsWorkspaceManager(transport)
    cached = AnalyticsWorkspaceManager(world.api, informers=world.informers)
    for manager in (direct, cached):
        with pytest.raises(InvalidParameterError, match="non-blank string"):
            await manager.permitted_profiles(world.namespace, username)
        with pytest.raises(InvalidParameterError, match="non-blank string"):
            await manager.bound_workspaces(world.namespace, username)
    assert transport.requests == []


@pytest.mark.parametrize("username", BLANK_USERNAMES, ids=repr)
async def test_the_binding_index_lookup_of_a_blank_username_is_exact(
    world: World, username: str
) -> None:
    # list_by_username is a plain index lookup: it finds the bindings whose username is that
    # blank string (written by other tools), never anybody else's.
    transport = RecordingTransport(world.api)
    found = await AnalyticsWorkspaceBindingClient(transport).list_by_username(
        world.namespace, username
    )
    expected = {BLANK_BINDINGS[username]} if username in BLANK_BINDINGS else set()
    assert {binding.spec.workspace for binding in found if binding.spec} == expected
    for request in transport.requests:
        assert_selects_nothing_else(request)


async def test_the_informers_read_whole_namespaces_whatever_the_username(world: World) -> None:
    await _cached(world, "a,b!=c")
    requests = world.informer_transport.requests
    assert requests
    assert all(
        key != "labelSelector" and key != "fieldSelector"
        for request in requests
        for key, _ in request.query
    )
