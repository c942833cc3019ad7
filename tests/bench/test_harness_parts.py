"""The bench's other pure parts: the peer harness, scheduling, audit counting, the seed
data, and the scenario registry. Nothing here starts a server or a peer process."""

from __future__ import annotations

import ast
import asyncio
import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bench.cluster import AUDIT_POLICY, AuditLog, count_requests, parse_audit_line
from bench.peers import _harness
from bench.runner import round_robin
from bench.scenarios import CLUSTER_PEERS, SCENARIOS, Peer
from bench.seed import (
    FULL,
    LARGE,
    QUICK,
    QUICK_LARGE,
    SeededData,
    SeedPlan,
    binding_manifest,
    user_name,
    workspace_manifest,
)
from lscsde_sdk.labels import USERNAME_LABEL
from lscsde_sdk.models import AnalyticsWorkspace, AnalyticsWorkspaceBinding

PEERS_DIR = Path(__file__).resolve().parents[2] / "bench" / "peers"


def _seeded(plan: SeedPlan = FULL) -> SeededData:
    return SeededData(
        namespace="bench",
        plan=plan,
        sample_workspace="ws-01000",
        realistic_user="r@example.org",
        heavy_user="h@example.org",
        seconds=1.0,
    )


# -- the peer harness -------------------------------------------------------------------


async def test_the_harness_warms_up_once_then_times_the_inner_calls() -> None:
    calls: list[int] = []

    @asynccontextmanager
    async def operation(job: _harness.Job) -> AsyncIterator[_harness.Call]:
        async def call() -> list[int]:
            calls.append(1)
            return [1, 2, 3]

        yield call

    result = await _harness.measure(operation, {"inner": 4})
    assert len(calls) == 5  # one warm-up and four timed
    assert len(result["timings_s"]) == 4
    assert result["items"] == 3
    start, end = result["window"]
    assert start <= end
    assert result["peak_rss_kib"] > 0


async def test_a_call_can_report_its_own_duration_and_child_rss() -> None:
    @asynccontextmanager
    async def operation(job: _harness.Job) -> AsyncIterator[_harness.Call]:
        async def call() -> _harness.Sample:
            return _harness.Sample(seconds=0.25, peak_rss_kib=4321)

        yield call

    result = await _harness.measure(operation, {"inner": 2})
    assert result["timings_s"] == [0.25, 0.25]
    assert result["cpu_s"] is None  # its own duration says nothing of this process's CPU
    assert result["items"] is None
    assert result["peak_rss_kib"] == 4321


async def test_the_harness_gives_the_cpu_time_of_each_call_apart_from_its_waiting() -> None:
    @asynccontextmanager
    async def operation(job: _harness.Job) -> AsyncIterator[_harness.Call]:
        async def call() -> int:
            waited = asyncio.get_running_loop().create_future()
            asyncio.get_running_loop().call_later(0.05, waited.set_result, None)
            await waited  # waiting, as for a server: no CPU
            return sum(range(200_000))  # work: CPU

        yield call

    result = await _harness.measure(operation, {"inner": 3})
    assert len(result["cpu_s"]) == 3
    for seconds, cpu in zip(result["timings_s"], result["cpu_s"], strict=True):
        assert 0 < cpu < seconds  # the wait is in the time, not in the CPU


async def test_a_single_object_result_has_no_item_count() -> None:
    @asynccontextmanager
    async def operation(job: _harness.Job) -> AsyncIterator[_harness.Call]:
        async def call() -> dict[str, Any]:
            return {"metadata": {}, "spec": {}}

        yield call

    assert (await _harness.measure(operation, {"inner": 1}))["items"] is None


def test_peak_rss_is_this_process_image_not_an_inherited_figure() -> None:
    assert 1024 < _harness.peak_rss_kib() < 4 * 1024 * 1024


def _operations_of(module_file: Path) -> set[str]:
    """The keys of a peer module's OPERATIONS dict, read without importing the module
    (its library may live in another venv)."""
    for node in ast.walk(ast.parse(module_file.read_text(encoding="utf-8"))):
        if isinstance(node, ast.AnnAssign | ast.Assign):
            targets = [node.target] if isinstance(node, ast.AnnAssign) else node.targets
            if any(isinstance(t, ast.Name) and t.id == "OPERATIONS" for t in targets):
                assert isinstance(node.value, ast.Dict)
                return {k.value for k in node.value.keys if isinstance(k, ast.Constant)}
    raise AssertionError(f"{module_file} defines no OPERATIONS")


# -- the scenario registry --------------------------------------------------------------


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_every_measurement_names_an_operation_its_peer_module_has(name: str) -> None:
    scenario = SCENARIOS[name]
    for measurement in scenario.build(_seeded()):
        module = measurement.peer.module
        assert module.startswith("bench.peers.")
        operations = _operations_of(PEERS_DIR / f"{module.rsplit('.', 1)[1]}.py")
        assert measurement.op in operations, f"{module} has no operation {measurement.op!r}"


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_every_scenario_has_its_reference_among_its_peers(name: str) -> None:
    scenario = SCENARIOS[name]
    peers = [m.peer.name for m in scenario.build(_seeded())]
    assert scenario.reference in peers
    assert len(peers) == len(set(peers))
    for pair in scenario.compare:  # a misspelt name would drop the comparison silently
        assert set(pair) <= set(peers), pair


@pytest.mark.parametrize("name", [n for n, s in SCENARIOS.items() if s.uses_cluster])
def test_peers_that_talk_to_the_server_have_an_identity_there(name: str) -> None:
    identities = {peer.identity for peer in CLUSTER_PEERS}
    for measurement in SCENARIOS[name].build(_seeded()):
        assert measurement.peer.identity in identities


def test_the_scenarios_the_brief_asks_for_are_registered() -> None:
    assert list(SCENARIOS) == [
        "list_all",
        "get_one",
        "permitted_realistic",
        "permitted_heavy",
        "permitted_realistic_unlabelled",
        "permitted_heavy_unlabelled",
        "informer_memory",
        "informer_large",
        "informer_lookups",
        "watch",
        "import",
    ]


def test_the_scale_scenarios_run_on_the_large_seed_with_fewer_runs() -> None:
    large = [name for name, scenario in SCENARIOS.items() if scenario.large]
    assert large == ["informer_large", "informer_lookups"]
    assert all(SCENARIOS[name].repeat == 5 for name in large)
    described = SCENARIOS["informer_lookups"].describe(_seeded(LARGE))
    assert "10,000 workspaces and 100,000 bindings" in described
    assert "(of 25,000, 4 bindings each)" in described


def test_descriptions_use_the_seeded_sizes() -> None:
    assert SCENARIOS["list_all"].describe(_seeded()) == (
        "list all 2,000 AnalyticsWorkspaces of a namespace into objects"
    )
    assert "with 100 bindings (of 10,000" in SCENARIOS["permitted_heavy"].describe(_seeded())


def test_peer_identities_are_valid_token_user_names() -> None:
    assert (
        Peer("lscsde-workspace-mgmt 0.1.14", "m").identity == "bench-lscsde-workspace-mgmt-0-1-14"
    )
    assert Peer("floor: raw GET + json.loads", "m").identity == "bench-floor-raw-get-json-loads"


def test_the_old_library_runs_in_its_own_venv() -> None:
    old = next(p for p in CLUSTER_PEERS if p.name.startswith("lscsde-workspace-mgmt"))
    assert old.env.requirements == ("lscsde-workspace-mgmt==0.1.14",)
    assert old.env.directory is not None
    assert old.env.directory.name == "venv-lscsde-workspace-mgmt-0.1.14"


# -- scheduling -------------------------------------------------------------------------


def test_peers_take_turns_starting_a_round() -> None:
    assert [round_robin(3, r) for r in range(4)] == [
        [0, 1, 2],
        [1, 2, 0],
        [2, 0, 1],
        [0, 1, 2],
    ]
    assert round_robin(0, 5) == []


# -- audit log --------------------------------------------------------------------------


def _event(audit_id: str, user: str, received: str, stage: str = "ResponseComplete") -> str:
    return json.dumps(
        {
            "kind": "Event",
            "apiVersion": "audit.k8s.io/v1",
            "level": "Metadata",
            "auditID": audit_id,
            "stage": stage,
            "requestURI": f"/apis/xlscsde.nhs.uk/v1/namespaces/bench/{audit_id}",
            "verb": "get",
            "user": {"username": user, "groups": ["system:authenticated"]},
            "requestReceivedTimestamp": received,
        }
    )


def test_requests_are_counted_by_user_and_window_once_per_audit_id() -> None:
    lines = [
        _event("a", "bench-sdk", "2026-01-01T00:00:01.000000Z", "ResponseStarted"),
        _event("a", "bench-sdk", "2026-01-01T00:00:01.000000Z"),
        _event("b", "bench-sdk", "2026-01-01T00:00:02.500000Z"),
        _event("c", "bench-floor", "2026-01-01T00:00:02.000000Z"),
        _event("d", "bench-sdk", "2026-01-01T00:00:09.000000Z"),
        "not json",
        json.dumps({"kind": "EventList"}),
    ]
    entries = [e for line in lines if (e := parse_audit_line(line)) is not None]
    assert len(entries) == 5
    start = entries[0].received - 0.5
    assert count_requests(entries, "bench-sdk", start, start + 3) == 2
    assert count_requests(entries, "bench-floor", start, start + 3) == 1
    assert count_requests(entries, "nobody", start, start + 3) == 0


def test_the_audit_log_is_read_incrementally_a_complete_line_at_a_time(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.log")
    assert log.read_new() == []  # no file yet
    first = _event("a", "u", "2026-01-01T00:00:01Z")
    second = _event("b", "u", "2026-01-01T00:00:02Z")
    log.path.write_text(first + "\n" + second[:20], encoding="utf-8")
    assert [e.audit_id for e in log.read_new()] == ["a"]
    log.path.write_text(first + "\n" + second + "\n", encoding="utf-8")
    assert [e.audit_id for e in log.read_new()] == ["b"]
    assert [e.audit_id for e in log.entries] == ["a", "b"]


def test_the_audit_policy_logs_the_awms_group_and_skips_the_admin() -> None:
    rules = AUDIT_POLICY["rules"]
    assert rules[0] == {"level": "None", "users": ["admin"]}
    assert rules[1] == {"level": "Metadata", "resources": [{"group": "xlscsde.nhs.uk"}]}
    assert rules[-1] == {"level": "None"}


# -- the seed data ----------------------------------------------------------------------


def test_a_seeded_workspace_is_valid_and_complete() -> None:
    manifest = workspace_manifest(42, date(2026, 1, 1))
    workspace = AnalyticsWorkspace.model_validate(manifest)
    jupyter = workspace.spec.jupyter_workspace
    assert jupyter is not None
    assert "\n" in workspace.spec.description
    assert len(jupyter.additional_storage or []) == 2
    assert jupyter.tolerations and jupyter.node_selector and jupyter.resources
    assert len(manifest["metadata"]["labels"]) >= 3
    assert manifest["metadata"]["annotations"]
    assert workspace.spec.validity.available_from < date(2026, 1, 1)
    assert workspace.spec.validity.expires > date(2026, 1, 1)


def test_a_seeded_binding_is_valid_and_labelled_with_its_username() -> None:
    manifest = binding_manifest(
        "b", "ws-00001", "Jane.Doe@Example.org", date(2026, 3, 1), "approved"
    )
    AnalyticsWorkspaceBinding.model_validate(manifest)
    assert manifest["metadata"]["labels"] == {USERNAME_LABEL: "jane.doe___example.org"}


def test_the_seed_plans_match_the_brief() -> None:
    assert (FULL.workspaces, FULL.bindings) == (2_000, 10_000)
    assert (FULL.realistic_bindings, FULL.heavy_bindings) == (3, 100)
    assert FULL.objects == 12_103
    assert QUICK.workspaces < FULL.workspaces
    assert (LARGE.workspaces, LARGE.bindings, LARGE.users) == (10_000, 100_000, 25_000)
    assert QUICK_LARGE.bindings < LARGE.bindings


def test_the_lookups_ask_for_users_the_seed_has() -> None:
    job = SCENARIOS["informer_lookups"].build(_seeded(QUICK_LARGE))[0].params
    assert job["users"][0] == user_name(0) == "researcher00000@example.nhs.uk"
    assert len(job["users"]) == QUICK_LARGE.users
    assert len(job["workspace_names"]) == QUICK_LARGE.workspaces


def test_a_heavy_user_needs_as_many_workspaces_as_bindings() -> None:
    with pytest.raises(ValueError, match="heavy_bindings=100 needs at least"):
        SeedPlan(workspaces=50, bindings=10)


def test_the_measured_users_bindings_are_to_distinct_usable_workspaces() -> None:
    from bench.seed import HEAVY_USER, REALISTIC_USER
    from bench.seed import bindings as seeded_bindings

    today = date(2026, 1, 1)
    bindings = list(seeded_bindings(QUICK, today))
    assert len(bindings) == QUICK.bindings + 3 + 100
    for user, count in ((REALISTIC_USER, 3), (HEAVY_USER, 100)):
        mine = [b for b in bindings if b["spec"]["username"] == user]
        assert len({b["spec"]["workspace"] for b in mine}) == count
        assert all(b["spec"]["expires"] > today.isoformat() for b in mine)
    assert len({b["metadata"]["name"] for b in bindings}) == len(bindings)


def test_the_harness_module_imports_only_the_standard_library() -> None:
    # It runs in the old library's venv too, where nothing of ours is installed.
    tree = ast.parse((PEERS_DIR / "_harness.py").read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        (node.module or "").split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.level == 0
    }
    assert imported <= {"__future__", *sys.stdlib_module_names}


def test_the_bench_refuses_an_sdk_from_another_checkout(tmp_path: Path) -> None:
    from bench.run import foreign_sdk

    own = tmp_path / "checkout"
    other = tmp_path / "elsewhere"

    assert foreign_sdk(str(own / "src" / "lscsde_sdk" / "__init__.py"), own) is None
    refusal = foreign_sdk(str(other / "src" / "lscsde_sdk" / "__init__.py"), own)
    assert refusal is not None
    assert str(other / "src" / "lscsde_sdk") in refusal and "pip install -e" in refusal


def test_the_bench_runs_against_this_checkout() -> None:
    import lscsde_sdk
    from bench.run import foreign_sdk

    assert foreign_sdk(lscsde_sdk.__file__ or "") is None
