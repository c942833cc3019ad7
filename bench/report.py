"""Results as JSON (``bench/results.json``) and markdown (``bench/results.md``, README).

The markdown is rendered from the JSON document alone, so ``python -m bench --render-only``
can redo the tables (and the README section) from a saved ``results.json``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from .stats import PeerSummary, ratio_of

__all__ = [
    "README_END",
    "README_START",
    "format_duration",
    "render_results_md",
    "render_section",
    "scenario_document",
    "update_readme",
    "write_results",
]

README_START = "<!-- bench:start -->"
README_END = "<!-- bench:end -->"
COMMAND = "nox -s bench -- --update-readme"
_NONE = "\u2013"  # en dash: an empty cell


def scenario_document(
    name: str,
    description: str,
    reference: str,
    inner: int,
    uses_cluster: bool,
    summaries: Sequence[PeerSummary],
    *,
    compare: Sequence[tuple[str, str]] = (),
) -> dict[str, Any]:
    return {
        "name": name,
        "description": description,
        "reference": reference,
        "inner": inner,
        "requests_counted": uses_cluster,
        "compare": [list(pair) for pair in compare],
        "peers": [asdict(summary) for summary in summaries],
    }


def format_duration(seconds: float | None) -> str:
    """Three significant digits in a unit that suits: ``812 µs``, ``41.2 ms``, ``1.25 s``."""
    if seconds is None:
        return _NONE
    if seconds < 0:  # an import difference can dip below zero in the noise
        return f"-{format_duration(-seconds)}"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.3g} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds:.3g} s"


def _ratio(value: float | None) -> str:
    return _NONE if value is None else f"{value:.2f}\u00d7"  # "1.23" and a multiplication sign


def _requests(value: float | None) -> str:
    return _NONE if value is None else f"{value:.3g}"


def _rss(value: float | None) -> str:
    return _NONE if value is None else f"{value:.0f} MiB"


def _peer_row(
    peer: Mapping[str, Any], reference: str, requests_counted: bool, cpu_measured: bool
) -> str:
    name = f"**{peer['peer']}**" if peer["peer"] == reference else peer["peer"]
    if peer.get("error"):
        first_line = str(peer["error"]).strip().splitlines()[0][:120].replace("|", "\\|")
        cells = [name, f"failed: {first_line}", _NONE, _NONE]
        if cpu_measured:
            cells += [_NONE, _NONE]
    else:
        cells = [
            name,
            format_duration(peer["median_s"]),
            format_duration(peer["p95_s"]),
            _ratio(peer["ratio"]),
        ]
        if cpu_measured:
            cells += [format_duration(peer.get("cpu_median_s")), _ratio(peer.get("cpu_ratio"))]
    if requests_counted:
        cells.append(_requests(peer["requests_per_call"]))
    cells.append(_rss(peer["peak_rss_mib"]))
    return "| " + " | ".join(cells) + " |"


def render_scenario(scenario: Mapping[str, Any]) -> str:
    counted = bool(scenario["requests_counted"])
    cpu_measured = any(peer.get("cpu_median_s") is not None for peer in scenario["peers"])
    header = ["peer", "median", "p95", "ratio"]
    align = ["---", "---:", "---:", "---:"]
    if cpu_measured:
        header += ["CPU/call", "CPU ratio"]
        align += ["---:", "---:"]
    if counted:
        header.append("requests/call")
        align.append("---:")
    header.append("peak RSS")
    align.append("---:")
    lines = [
        f"**`{scenario['name']}`**: {scenario['description']}. "
        f"Ratio: median ÷ median of **{scenario['reference']}**.",
        "",
        "| " + " | ".join(header) + " |",
        "| " + " | ".join(align) + " |",
    ]
    lines += [_peer_row(p, scenario["reference"], counted, cpu_measured) for p in scenario["peers"]]
    comparisons = [
        sentence
        for peer, against in scenario.get("compare", ())
        if (sentence := _comparison(scenario["peers"], peer, against)) is not None
    ]
    if comparisons:
        lines += ["", " ".join(comparisons)]
    return "\n".join(lines)


def _comparison(peers: Sequence[Mapping[str, Any]], name: str, against: str) -> str | None:
    """How many times ``against``'s median time (and CPU per call) ``name``'s is; None when
    either peer has no median."""
    by_name = {peer["peer"]: peer for peer in peers}
    this, other = by_name.get(name, {}), by_name.get(against, {})
    speed = ratio_of(other.get("median_s"), this.get("median_s"))
    if speed is None:
        return None
    sentence = f"{name} against {against}: {_ratio(speed)} its speed in median time per call"
    cpu = ratio_of(other.get("cpu_median_s"), this.get("cpu_median_s"))
    if cpu is not None:
        sentence += f", {_ratio(cpu)} in CPU per call"
    return sentence + "."


def _versions_line(document: Mapping[str, Any]) -> str:
    seen: dict[str, str] = {}
    for scenario in document["scenarios"]:
        for peer in scenario["peers"]:
            for name, version in peer.get("versions", {}).items():
                seen.setdefault(name, version)
    return ", ".join(f"{name} {version}" for name, version in sorted(seen.items()))


def render_section(document: Mapping[str, Any]) -> str:
    """The tables and the conditions they were measured in (the README section's body)."""
    env = document["environment"]
    settings = document["settings"]
    seed = settings["seed"]
    large = settings.get("large_seed")
    commit = env.get("git_commit") or "unknown commit"
    also = (
        f" (the scale scenarios: {large['workspaces']:,} workspaces and {large['bindings']:,} "
        "bindings in a namespace of their own)"
        if large
        else ""
    )
    intro = (
        f"Measured {env['date']} with `{settings['command']}` on {env['cpu_count']} CPUs "
        f"({env['cpu_model']}), Python {env['python']}, against a local kube-apiserver "
        f"{env['kubernetes']} (TLS, token auth, audit logging on) seeded with "
        f"{seed['workspaces']:,} workspaces and {seed['bindings']:,} bindings{also}; lscsde-sdk at "
        f"{commit}. Each peer ran {settings['repeat']} times in a fresh process (peers "
        "interleaved), each run a warm-up call then the timed calls; median and p95 are over "
        "all timed calls; CPU/call is the median CPU time the peer's process spent in a call "
        "(the library's own work, without waiting for the server); peak RSS is the median of "
        "the runs' peaks; requests are counted from the server's audit log."
    )
    start, end = env.get("loadavg_start"), env.get("loadavg_end")
    if start and end:  # more than the CPU count means something else competed for them
        intro += f" 1-minute load average: {start[0]:.2f} at the start, {end[0]:.2f} at the end."
    if settings.get("quick"):
        intro = "**Quick mode (smoke run, not for comparison).** " + intro
    parts = [intro, "", f"Versions: {_versions_line(document)}."]
    for scenario in document["scenarios"]:
        parts += ["", render_scenario(scenario)]
    return "\n".join(parts) + "\n"


def render_results_md(document: Mapping[str, Any]) -> str:
    return "# lscsde-sdk benchmarks\n\n" + render_section(document)


def update_readme(text: str, section: str) -> str:
    """``text`` with everything between the bench markers replaced by ``section``."""
    start, end = text.find(README_START), text.find(README_END)
    if start < 0 or end < 0 or end < start:
        raise ValueError(
            f"the README has no {README_START} ... {README_END} pair to put the results between"
        )
    return text[: start + len(README_START)] + "\n" + section + text[end:]


def write_results(document: Mapping[str, Any], out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out_dir / "results.json", out_dir / "results.md"
    json_path.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    md_path.write_text(render_results_md(document), encoding="utf-8")
    return json_path, md_path
