"""Peers and scenarios: what the bench measures.

A *peer* is a library (or a baseline) run by one module of ``bench.peers`` in one Python
environment, authenticated as its own identity. A *scenario* is one operation measured for
several peers on the same seeded data, reported as ratios against one of them.

Adding a scenario is one function registered with :func:`scenario`: it receives the seeded
data and returns a :class:`Measurement` per peer (the peer, the operation name its module
implements, and the operation's parameters). A new operation is one more entry in the peer
module's ``OPERATIONS``. For example, the informer-cache variant of the permitted
workspaces would be::

    @scenario(
        "permitted_cached",
        "get_permitted_workspaces from an informer cache ({heavy_bindings} bindings)",
        reference=WORKSPACE_MGMT.name,
        inner=50,
    )
    def permitted_cached(data: SeededData) -> list[Measurement]:
        job = {"namespace": data.namespace, "username": data.heavy_user}
        return [
            Measurement(SDK, "permitted_cached", job),
            Measurement(WORKSPACE_MGMT, "permitted", job),
        ]
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lscsde_sdk.labels import format_as_label

from .envs import BENCH, WORKSPACE_MGMT_0_1_14, PythonEnv
from .seed import SeededData, measured_binding_names, user_name, workspace_name

__all__ = [
    "CLUSTER_PEERS",
    "COMPAT",
    "FLOOR",
    "KR8S",
    "LIGHTKUBE",
    "SCENARIOS",
    "SDK",
    "SDK_INFORMER",
    "SDK_STORE_BY_INDEX",
    "SDK_STORE_GET",
    "SDK_STORE_PERMITTED",
    "WORKSPACE_MGMT",
    "Measurement",
    "Peer",
    "Scenario",
    "scenario",
]


@dataclass(frozen=True)
class Peer:
    """A library measured by the bench, as the module that drives it in a subprocess."""

    name: str  # as shown in the tables
    module: str  # run as ``python -m <module>``
    env: PythonEnv = BENCH

    @property
    def identity(self) -> str:
        """The token user this peer authenticates as (its requests are counted by it)."""
        return "bench-" + re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-")


SDK = Peer("lscsde-sdk", "bench.peers.sdk")
SDK_INFORMER = Peer("lscsde-sdk from an informer", "bench.peers.sdk")
WORKSPACE_MGMT = Peer(
    "lscsde-workspace-mgmt 0.1.14", "bench.peers.workspace_mgmt", WORKSPACE_MGMT_0_1_14
)
#: The same peer module, in the bench's own environment: lscsde-sdk's drop-in replacement.
COMPAT = Peer("lscsde_workspace_mgmt on lscsde-sdk", "bench.peers.workspace_mgmt")
LIGHTKUBE = Peer("lightkube", "bench.peers.lightkube_client")
KR8S = Peer("kr8s", "bench.peers.kr8s_client")
FLOOR = Peer("floor: raw GET + json.loads", "bench.peers.floor")
SDK_STORE_GET = Peer("lscsde-sdk store.get of a workspace", "bench.peers.sdk")
SDK_STORE_BY_INDEX = Peer("lscsde-sdk store.by_index of a user's bindings", "bench.peers.sdk")
SDK_STORE_PERMITTED = Peer("lscsde-sdk a user's permitted workspaces", "bench.peers.sdk")

#: The peers that talk to the API server: each gets a token identity when the bench's
#: control plane starts (identities cannot be added later), so a new one must be listed.
CLUSTER_PEERS = (
    SDK,
    SDK_INFORMER,
    WORKSPACE_MGMT,
    COMPAT,
    LIGHTKUBE,
    KR8S,
    FLOOR,
    SDK_STORE_GET,
    SDK_STORE_BY_INDEX,
    SDK_STORE_PERMITTED,
)


@dataclass(frozen=True)
class Measurement:
    """One peer's part in a scenario: the operation its module runs, and the parameters."""

    peer: Peer
    op: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str  # may use the seed's sizes: {workspaces}, {bindings}, {heavy_bindings}
    reference: str  # the peer whose median is 1.00x
    build: Callable[[SeededData], list[Measurement]]
    inner: int  # timed calls per subprocess
    quick_inner: int
    uses_cluster: bool = True  # False: no server involved, no requests counted
    expected_items: Callable[[SeededData], int] | None = None  # each peer's result length
    large: bool = False  # measured on the large seed (seed.LARGE), in a namespace of its own
    repeat: int | None = None  # runs per peer when --repeat is not given (None: the bench's)
    #: Pairs of peers (peer, against) whose speeds the report also states against each other.
    compare: tuple[tuple[str, str], ...] = ()

    def describe(self, data: SeededData | None) -> str:
        return self.description.format(**data.counts()) if data else self.description


#: Every scenario, in the order they run and appear in the report.
SCENARIOS: dict[str, Scenario] = {}


def scenario(
    name: str,
    description: str,
    *,
    reference: str,
    inner: int,
    quick_inner: int | None = None,
    uses_cluster: bool = True,
    expected_items: Callable[[SeededData], int] | None = None,
    large: bool = False,
    repeat: int | None = None,
    compare: tuple[tuple[str, str], ...] = (),
) -> Callable[
    [Callable[[SeededData], list[Measurement]]], Callable[[SeededData], list[Measurement]]
]:
    """Register the decorated function as scenario ``name``."""

    def register(
        build: Callable[[SeededData], list[Measurement]],
    ) -> Callable[[SeededData], list[Measurement]]:
        if name in SCENARIOS:
            raise ValueError(f"scenario {name!r} is registered twice")
        SCENARIOS[name] = Scenario(
            name=name,
            description=description,
            reference=reference,
            build=build,
            inner=inner,
            quick_inner=quick_inner if quick_inner is not None else max(1, inner // 3),
            uses_cluster=uses_cluster,
            expected_items=expected_items,
            large=large,
            repeat=repeat,
            compare=compare,
        )
        return build

    return register


# -- the scenarios ------------------------------------------------------------------

# Where the floor is the reference: both lscsde-sdk's peers against the library they replace.
_AGAINST_THE_OLD_LIBRARY = ((COMPAT.name, WORKSPACE_MGMT.name), (SDK.name, WORKSPACE_MGMT.name))


@scenario(
    "list_all",
    "list all {workspaces:,} AnalyticsWorkspaces of a namespace into objects",
    reference=FLOOR.name,
    # Eight lists per process: the first lists of a fresh process mostly measure how soon
    # its garbage collector walks the start-up heap; a hub or portal lists for hours.
    inner=8,
    quick_inner=2,
    expected_items=lambda data: data.plan.workspaces,
    compare=_AGAINST_THE_OLD_LIBRARY,
)
def list_all(data: SeededData) -> list[Measurement]:
    job = {"namespace": data.namespace}
    return [
        Measurement(peer, "list", job)
        for peer in (SDK, WORKSPACE_MGMT, COMPAT, LIGHTKUBE, KR8S, FLOOR)
    ]


@scenario(
    "get_one",
    "GET one AnalyticsWorkspace into a model",
    reference=FLOOR.name,
    inner=50,
    quick_inner=10,
    compare=_AGAINST_THE_OLD_LIBRARY,
)
def get_one(data: SeededData) -> list[Measurement]:
    job = {"namespace": data.namespace, "name": data.sample_workspace}
    return [Measurement(peer, "get", job) for peer in (SDK, WORKSPACE_MGMT, COMPAT, FLOOR)]


def _permitted(username: str, data: SeededData) -> list[Measurement]:
    job = {"namespace": data.namespace, "username": username}
    return [
        Measurement(SDK, "permitted", job),
        # The informers sync in the warm-up call; the timed calls answer from memory.
        Measurement(SDK_INFORMER, "permitted_cached", job),
        Measurement(WORKSPACE_MGMT, "permitted", job),
        Measurement(COMPAT, "permitted", job),
    ]


@scenario(
    "permitted_realistic",
    "get_permitted_workspaces for a user with {realistic_bindings} bindings "
    "(of {bindings:,} in the namespace)",
    reference=WORKSPACE_MGMT.name,
    inner=20,
    quick_inner=5,
    expected_items=lambda data: data.plan.realistic_bindings,
)
def permitted_realistic(data: SeededData) -> list[Measurement]:
    return _permitted(data.realistic_user, data)


@scenario(
    "permitted_heavy",
    "get_permitted_workspaces for a user with {heavy_bindings} bindings "
    "(of {bindings:,} in the namespace)",
    reference=WORKSPACE_MGMT.name,
    inner=5,
    quick_inner=2,
    expected_items=lambda data: data.plan.heavy_bindings,
)
def permitted_heavy(data: SeededData) -> list[Measurement]:
    return _permitted(data.heavy_user, data)


# The unlabelled variants. The measured user's bindings carry no username label before each
# call, as when GitOps (or kubectl) has just written them; the rest of the namespace is
# labelled. lscsde-workspace-mgmt 0.1.14 labels unlabelled bindings as a side effect of its
# lookup, so each peer process removes the user's labels again before every call, untimed
# and as the uncounted admin identity, and puts them back when it is done
# (bench.peers._unlabelled): every timed call starts from the same unlabelled state, and
# what each library does about it (read them; read and label them) is what is measured.
# Only the user's own bindings are unlabelled: with others unlabelled too, 0.1.14 would
# label every one of them on each call, which it does once per binding in real use; the
# SDK's cost for other unlabelled bindings (it reads them on every call) is stated in the
# README. The informer peer is left out: it never looks at labels.


def _permitted_unlabelled(username: str, measured: str, data: SeededData) -> list[Measurement]:
    job = {
        "namespace": data.namespace,
        "username": username,
        "label": format_as_label(username),
        "bindings": measured_binding_names(data.plan)[measured],
    }
    return [
        Measurement(peer, "permitted_unlabelled", job) for peer in (SDK, WORKSPACE_MGMT, COMPAT)
    ]


@scenario(
    "permitted_realistic_unlabelled",
    "get_permitted_workspaces for a user with {realistic_bindings} bindings written without "
    "labels (of {bindings:,} in the namespace)",
    reference=WORKSPACE_MGMT.name,
    inner=20,
    quick_inner=5,
    expected_items=lambda data: data.plan.realistic_bindings,
)
def permitted_realistic_unlabelled(data: SeededData) -> list[Measurement]:
    return _permitted_unlabelled(data.realistic_user, "realistic", data)


@scenario(
    "permitted_heavy_unlabelled",
    "get_permitted_workspaces for a user with {heavy_bindings} bindings written without "
    "labels (of {bindings:,} in the namespace)",
    reference=WORKSPACE_MGMT.name,
    inner=5,
    quick_inner=2,
    expected_items=lambda data: data.plan.heavy_bindings,
)
def permitted_heavy_unlabelled(data: SeededData) -> list[Measurement]:
    return _permitted_unlabelled(data.heavy_user, "heavy", data)


@scenario(
    "informer_memory",
    "keep all {workspaces:,} workspaces and {bindings:,} bindings in memory: informers synced "
    "(time to sync; peak RSS) against both lists held as json.loads dicts",
    reference=FLOOR.name,
    inner=1,
    quick_inner=1,
)
def informer_memory(data: SeededData) -> list[Measurement]:
    job = {"namespace": data.namespace}
    return [Measurement(SDK_INFORMER, "informer_sync", job), Measurement(FLOOR, "hold", job)]


@scenario(
    "informer_large",
    "keep all {workspaces:,} workspaces and {bindings:,} bindings in memory: informers synced "
    "(time to sync; peak RSS) against both lists held as json.loads dicts",
    reference=FLOOR.name,
    inner=1,
    quick_inner=1,
    large=True,
    repeat=5,
)
def informer_large(data: SeededData) -> list[Measurement]:
    return informer_memory(data)


#: Lookups per timed call of ``informer_lookups`` (each call reports their p99).
LOOKUPS = 1000


@scenario(
    "informer_lookups",
    f"lookups from synced informers of {{workspaces:,}} workspaces and {{bindings:,}} "
    f"bindings: each call is {LOOKUPS:,} lookups of random workspaces or users (of "
    "{users:,}, {bindings_per_user} bindings each) and reports their p99",
    reference=SDK_STORE_PERMITTED.name,
    inner=5,
    quick_inner=2,
    large=True,
    repeat=5,
)
def informer_lookups(data: SeededData) -> list[Measurement]:
    job = {
        "namespace": data.namespace,
        "workspace_names": [workspace_name(index) for index in range(data.plan.workspaces)],
        "users": [user_name(index) for index in range(data.plan.users)],
        "lookups": LOOKUPS,
    }
    return [
        Measurement(peer, "store_lookups", {**job, "lookup": lookup})
        for peer, lookup in (
            (SDK_STORE_GET, "get"),
            (SDK_STORE_BY_INDEX, "by_index"),
            (SDK_STORE_PERMITTED, "permitted"),
        )
    ]


#: Changes a watch scenario makes and then replays.
WATCHED_CHANGES = 1000


@scenario(
    "watch",
    f"watch throughput: {WATCHED_CHANGES:,} changes written by another task, then replayed "
    f"by a watch from the version before them; typed events/s = {WATCHED_CHANGES:,} ÷ median "
    "(the requests counted are the writer's patches)",
    reference=FLOOR.name,
    inner=2,
    quick_inner=1,
    expected_items=lambda data: min(WATCHED_CHANGES, data.plan.workspaces),
)
def watch(data: SeededData) -> list[Measurement]:
    names = [workspace_name(index) for index in range(min(WATCHED_CHANGES, data.plan.workspaces))]
    job = {"namespace": data.namespace, "names": names}
    return [Measurement(SDK, "watch_replay", job), Measurement(FLOOR, "watch_replay", job)]


_IMPORTED = ("lscsde_sdk", "lscsde_sdk.clients", "kubernetes_asyncio.client")


@scenario(
    "import",
    "cold import in a fresh interpreter: `python -c 'import X'` minus `python -c pass`",
    reference="import kubernetes_asyncio.client",
    inner=3,
    quick_inner=1,
    uses_cluster=False,
)
def import_time(data: SeededData) -> list[Measurement]:
    return [
        Measurement(Peer(f"import {module}", "bench.peers.imports"), "import", {"module": module})
        for module in _IMPORTED
    ]
