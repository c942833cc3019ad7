"""``python -m bench`` (``nox -s bench``): measure lscsde-sdk against its peers.

Starts a dedicated control plane with audit logging, seeds one namespace (and, for the
scale scenarios, a larger one of their own), runs every selected scenario (each measurement
a fresh subprocess, peers interleaved), and writes ``bench/results.json`` and
``bench/results.md`` (and, with ``--update-readme``, the README's Performance section).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shlex
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .report import render_section, scenario_document, update_readme, write_results
from .runner import ROOT, run_scenario
from .scenarios import CLUSTER_PEERS, SCENARIOS, Scenario
from .seed import FULL, LARGE, QUICK, QUICK_LARGE, SeededData, SeedPlan

__all__ = ["main"]

NAMESPACE = "bench"
LARGE_NAMESPACE = "bench-large"
DEFAULT_REPEAT = 15
QUICK_REPEAT = 3


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmark lscsde-sdk (and its lscsde_workspace_mgmt) against "
        "lscsde-workspace-mgmt 0.1.14, lightkube, kr8s and a raw-GET floor on a local "
        "kube-apiserver.",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        help=f"fresh-process runs per peer (default {DEFAULT_REPEAT}, fewer for the scale "
        f"scenarios; --quick {QUICK_REPEAT})",
    )
    parser.add_argument(
        "--inner", type=int, help="timed calls per run, for every scenario (default: per scenario)"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke run: {QUICK_REPEAT} runs, fewer calls, {QUICK.workspaces} workspaces and "
        f"{QUICK.bindings} bindings",
    )
    parser.add_argument(
        "--scenario",
        action="append",
        choices=list(SCENARIOS),
        help="run only this scenario (repeatable; default: all)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "bench",
        help="where results.json and results.md go (default: bench/)",
    )
    parser.add_argument(
        "--update-readme",
        action="store_true",
        help="also replace the README section between the bench markers with the tables",
    )
    parser.add_argument(
        "--render-only",
        action="store_true",
        help="measure nothing: re-render results.md (and the README with --update-readme) "
        "from OUT/results.json",
    )
    parser.add_argument(
        "--timeout", type=float, default=900.0, help="seconds one peer run may take"
    )
    args = parser.parse_args(argv)
    for name in ("repeat", "inner"):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f"--{name} must be at least 1, got {value}")
    return args


def _git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--abbrev=10"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip() or None


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _loadavg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def environment(kubernetes: str | None, loadavg_start: list[float] | None) -> dict[str, Any]:
    """The machine and versions; the load averages show whether anything else was running."""
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu_count": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "kubernetes": kubernetes or "not started",
        "git_commit": _git_commit(),
        "loadavg_start": loadavg_start,
        "loadavg_end": _loadavg(),
    }


def _command(argv: Sequence[str]) -> str:
    return "nox -s bench" + (" -- " + shlex.join(argv) if argv else "")


async def _measure(
    selected: Sequence[Scenario],
    plans: tuple[SeedPlan, SeedPlan],
    args: argparse.Namespace,
    repeat: int | None,
) -> tuple[str | None, SeededData, SeededData | None, list[dict[str, Any]]]:
    """Run ``selected`` on the seed of ``plans[0]`` (and of ``plans[1]`` for the scale
    scenarios, each seeded only when a selected scenario uses it); ``repeat`` None: each
    scenario's own number of runs."""
    from .cluster import BenchCluster  # imports lscsde_sdk.envtest: only when measuring
    from .etcd_seed import seed_through_etcd
    from .seed import seed

    plan, large_plan = plans
    documents: list[dict[str, Any]] = []

    async def run_all(
        cluster: BenchCluster | None, data: SeededData, large: SeededData | None
    ) -> None:
        for scenario in selected:
            seeded = large if scenario.large and large is not None else data
            inner = args.inner or (scenario.quick_inner if args.quick else scenario.inner)
            runs = repeat or scenario.repeat or DEFAULT_REPEAT
            summaries = await run_scenario(
                scenario, seeded, cluster, repeat=runs, inner=inner, time_limit=args.timeout
            )
            described = scenario.describe(seeded)
            if repeat is None and scenario.repeat is not None:
                described += f"; {runs} runs per peer"
            documents.append(
                scenario_document(
                    scenario.name,
                    described,
                    scenario.reference,
                    inner,
                    scenario.uses_cluster,
                    summaries,
                    compare=scenario.compare,
                )
            )

    if not any(s.uses_cluster for s in selected):
        data = SeededData.unseeded(plan)
        await run_all(None, data, None)
        return None, data, None, documents

    cluster = BenchCluster([peer.identity for peer in CLUSTER_PEERS])
    # The control plane starts synchronously (it is not shared with anything else here).
    with cluster:
        await cluster.prepare(NAMESPACE)
        kubernetes = await cluster.kubernetes_version()
        on_cluster = [s for s in selected if s.uses_cluster]
        async with cluster.api() as admin:
            if any(not s.large for s in on_cluster):
                data = await seed(admin, NAMESPACE, plan)
            else:
                data = SeededData.unseeded(plan)
            large = None
            if any(s.large for s in on_cluster):
                await admin.request(
                    "POST", "/api/v1/namespaces", {"metadata": {"name": LARGE_NAMESPACE}}
                )
                etcd = cluster.plane.etcd_url
                assert etcd is not None, "the bench's own control plane has an etcd"
                large = await seed_through_etcd(etcd, admin, LARGE_NAMESPACE, large_plan)
        await run_all(cluster, data, large)
    return kubernetes, data, large, documents


def _seed_settings(data: SeededData) -> dict[str, Any]:
    plan = data.plan
    return {
        "namespace": data.namespace,
        "workspaces": plan.workspaces,
        "bindings": plan.bindings,
        "realistic_user_bindings": plan.realistic_bindings,
        "heavy_user_bindings": plan.heavy_bindings,
        "seconds": round(data.seconds, 1),
    }


def foreign_sdk(sdk_file: str, root: Path = ROOT) -> str | None:
    """Why the peers would not measure this checkout: the lscsde_sdk they import (the bench
    interpreter's, ``sdk_file``) is another tree's. ``None`` when it is ``root``'s own."""
    source = Path(sdk_file).resolve()
    own = (root / "src").resolve()
    if source.is_relative_to(own):
        return None
    return (
        f"the peers would import lscsde_sdk from {source.parent}, not from this checkout "
        f"({own}); install this checkout into the interpreter first "
        f"({sys.executable} -m pip install -e {root}), or run `nox -s bench` here"
    )


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    if not args.render_only:
        import lscsde_sdk

        refusal = foreign_sdk(lscsde_sdk.__file__ or "")
        if refusal is not None:
            print(f"bench: refusing to run: {refusal}", file=sys.stderr)
            return 2
    json_path = args.out / "results.json"
    if args.render_only:
        import json

        document = json.loads(json_path.read_text(encoding="utf-8"))
    else:
        selected = [SCENARIOS[name] for name in (args.scenario or SCENARIOS)]
        plans = (QUICK, QUICK_LARGE) if args.quick else (FULL, LARGE)
        repeat = args.repeat or (QUICK_REPEAT if args.quick else None)
        loadavg_start = _loadavg()
        kubernetes, data, large, scenarios = asyncio.run(_measure(selected, plans, args, repeat))
        settings: dict[str, Any] = {
            "command": _command(argv),
            "repeat": repeat or DEFAULT_REPEAT,
            "quick": args.quick,
            "seed": _seed_settings(data),
        }
        if large is not None:
            settings["large_seed"] = _seed_settings(large)
        document = {
            "environment": environment(kubernetes, loadavg_start),
            "settings": settings,
            "scenarios": scenarios,
        }
    json_out, md_out = write_results(document, args.out)
    print(f"bench: wrote {json_out} and {md_out}", file=sys.stderr)
    if args.update_readme:
        readme = ROOT / "README.md"
        readme.write_text(
            update_readme(readme.read_text(encoding="utf-8"), render_section(document)),
            encoding="utf-8",
        )
        print(f"bench: updated the Performance section of {readme}", file=sys.stderr)
    print(render_section(document))
    failed = [
        f"{scenario['name']}/{peer['peer']}"
        for scenario in document["scenarios"]
        for peer in scenario["peers"]
        if peer.get("error")
    ]
    if failed:
        print(f"bench: failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0
