"""The bench's pure parts: aggregation, ratios, tables, the README section.

The bench itself (a control plane, seeding, subprocess peers) is never run by the tests:
`nox -s bench` does that.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from bench.report import (
    README_END,
    README_START,
    format_duration,
    render_results_md,
    render_section,
    scenario_document,
    update_readme,
    write_results,
)
from bench.stats import Run, median, percentile, summarise, with_ratios

TIMES = "\u00d7"  # the multiplication sign after a ratio


def test_percentile_interpolates_between_the_closest_ranks_like_numpy() -> None:
    values = [4.0, 1.0, 3.0, 2.0]
    assert percentile(values, 0) == 1.0
    assert percentile(values, 100) == 4.0
    assert median(values) == 2.5
    assert percentile(values, 95) == pytest.approx(3.85)
    assert percentile([7.0], 95) == 7.0


@pytest.mark.parametrize("q", [-1, 101])
def test_percentile_rejects_q_outside_0_to_100(q: float) -> None:
    with pytest.raises(ValueError, match=r"q must be within 0\.\.100"):
        percentile([1.0], q)


def test_percentile_of_nothing_is_an_error() -> None:
    with pytest.raises(ValueError, match="no values"):
        percentile([], 50)


def test_summary_pools_the_timed_calls_of_every_run() -> None:
    runs = [
        Run(timings_s=(0.1, 0.3), peak_rss_kib=100 * 1024, items=5, requests=6),
        Run(timings_s=(0.2,), peak_rss_kib=120 * 1024, items=5, requests=3),
        Run(timings_s=(0.4,), peak_rss_kib=110 * 1024, items=5, requests=3),
    ]
    summary = summarise("lscsde-sdk", runs)
    assert (summary.runs, summary.calls) == (3, 4)
    assert summary.median_s == pytest.approx(0.25)
    assert summary.p95_s == pytest.approx(0.385)
    assert summary.requests_per_call == 3.0  # 12 requests over 4 calls
    assert summary.peak_rss_mib == 110.0  # median of the runs' peaks
    assert summary.items == 5
    assert summary.error is None


def test_requests_per_call_is_absent_when_nothing_was_counted() -> None:
    summary = summarise("import x", [Run(timings_s=(0.1,), peak_rss_kib=1024)])
    assert summary.requests_per_call is None


def test_a_peer_that_failed_before_any_run_keeps_its_error_and_no_figures() -> None:
    summary = summarise("kr8s", [], error="exited with 1")
    assert summary.error == "exited with 1"
    assert (summary.runs, summary.median_s, summary.p95_s, summary.peak_rss_mib) == (
        0,
        None,
        None,
        None,
    )


def test_ratios_are_medians_over_the_reference_median() -> None:
    summaries = with_ratios(
        [
            summarise("floor", [Run(timings_s=(0.02,), peak_rss_kib=1)]),
            summarise("sdk", [Run(timings_s=(0.05,), peak_rss_kib=1)]),
            summarise("broken", [], error="boom"),
        ],
        reference="floor",
    )
    assert [s.ratio for s in summaries] == [1.0, pytest.approx(2.5), None]


def test_cpu_per_call_is_pooled_like_the_times_and_compared_with_the_reference() -> None:
    summaries = with_ratios(
        [
            summarise("floor", [Run(timings_s=(0.02, 0.02), cpu_s=(0.004, 0.006), peak_rss_kib=1)]),
            summarise(
                "sdk",
                [
                    Run(timings_s=(0.05,), cpu_s=(0.01,), peak_rss_kib=1),
                    Run(timings_s=(0.05,), cpu_s=(0.02,), peak_rss_kib=1),
                ],
            ),
        ],
        reference="floor",
    )
    assert [s.cpu_median_s for s in summaries] == [pytest.approx(0.005), pytest.approx(0.015)]
    assert [s.cpu_ratio for s in summaries] == [1.0, pytest.approx(3.0)]


def test_cpu_per_call_is_absent_unless_every_run_measured_it() -> None:
    runs = [
        Run(timings_s=(0.05,), cpu_s=(0.01,), peak_rss_kib=1),
        Run(timings_s=(0.05,), peak_rss_kib=1),  # its calls timed themselves
    ]
    assert summarise("sdk", runs).cpu_median_s is None


def test_without_the_reference_no_ratio_is_given() -> None:
    summaries = with_ratios(
        [summarise("sdk", [Run(timings_s=(0.05,), peak_rss_kib=1)])], reference="floor"
    )
    assert summaries[0].ratio is None


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (None, "\u2013"),
        (0.000_812_4, "812 µs"),
        (0.041_23, "41.2 ms"),
        (0.2, "200 ms"),
        (1.254, "1.25 s"),
        (-0.003, "-3 ms"),
    ],
)
def test_durations_are_shown_with_three_significant_digits(
    seconds: float | None, shown: str
) -> None:
    assert format_duration(seconds) == shown


def _document(quick: bool = False) -> dict[str, Any]:
    runs = [Run(timings_s=(0.05, 0.06), peak_rss_kib=90 * 1024, items=3, requests=6)]
    old = [Run(timings_s=(0.4, 0.5), peak_rss_kib=80 * 1024, items=3, requests=204)]
    summaries = with_ratios(
        [
            summarise("lscsde-sdk", runs),
            summarise("lscsde-workspace-mgmt 0.1.14", old),
            summarise("kr8s", [], error="kr8s exited with 1:\nTraceback | details"),
        ],
        reference="lscsde-workspace-mgmt 0.1.14",
    )
    imports = with_ratios(
        [summarise("import lscsde_sdk", [Run(timings_s=(0.04,), peak_rss_kib=15 * 1024)])],
        reference="import lscsde_sdk",
    )
    return {
        "environment": {
            "date": "2026-01-01 12:00 UTC",
            "cpu_count": 2,
            "cpu_model": "Test CPU",
            "python": "3.11.7",
            "kubernetes": "v1.37.2",
            "git_commit": "abc1234",
        },
        "settings": {
            "command": "nox -s bench",
            "repeat": 15,
            "quick": quick,
            "seed": {"workspaces": 2000, "bindings": 10000},
        },
        "scenarios": [
            scenario_document(
                "permitted_heavy",
                "get_permitted_workspaces for a user with 100 bindings",
                "lscsde-workspace-mgmt 0.1.14",
                2,
                True,
                summaries,
            ),
            scenario_document("import", "cold import", "import lscsde_sdk", 1, False, imports),
        ],
    }


def test_each_scenario_is_a_table_with_the_reference_in_bold() -> None:
    section = render_section(_document())
    assert (
        "**`permitted_heavy`**: get_permitted_workspaces for a user with 100 bindings." in section
    )
    assert "| peer | median | p95 | ratio | requests/call | peak RSS |" in section
    assert f"| lscsde-sdk | 55 ms | 59.5 ms | 0.12{TIMES} | 3 | 90 MiB |" in section
    assert (
        f"| **lscsde-workspace-mgmt 0.1.14** | 450 ms | 495 ms | 1.00{TIMES} | 102 | 80 MiB |"
        in section
    )


def _measured_cpu_document() -> dict[str, Any]:
    document = _document()
    summaries = with_ratios(
        [
            summarise("floor", [Run(timings_s=(0.003,), cpu_s=(0.0012,), peak_rss_kib=1024)]),
            summarise("old", [Run(timings_s=(0.0033,), cpu_s=(0.0015,), peak_rss_kib=1024)]),
            summarise("compat", [Run(timings_s=(0.0022,), cpu_s=(0.0005,), peak_rss_kib=1024)]),
            summarise("broken", [], error="boom"),
        ],
        reference="floor",
    )
    document["scenarios"] = [
        scenario_document(
            "get_one", "GET one", "floor", 1, False, summaries, compare=[("compat", "old")]
        )
    ]
    return document


def test_cpu_per_call_is_shown_next_to_the_times_where_it_was_measured() -> None:
    section = render_section(_measured_cpu_document())
    assert "| peer | median | p95 | ratio | CPU/call | CPU ratio | peak RSS |" in section
    assert f"| compat | 2.2 ms | 2.2 ms | 0.73{TIMES} | 500 µs | 0.42{TIMES} | 1 MiB |" in section
    assert "| broken | failed: boom | \u2013 | \u2013 | \u2013 | \u2013 | \u2013 |" in section
    # Tables of results without CPU figures keep their columns.
    assert "| peer | median | p95 | ratio | requests/call | peak RSS |" in render_section(
        _document()
    )


def test_a_scenario_states_the_speed_of_the_peers_it_compares() -> None:
    section = render_section(_measured_cpu_document())
    assert (
        f"compat against old: 1.50{TIMES} its speed in median time per call, "
        f"3.00{TIMES} in CPU per call." in section
    )


def test_a_failed_peer_shows_its_first_error_line_in_the_table() -> None:
    section = render_section(_document())
    assert "| kr8s | failed: kr8s exited with 1: | \u2013 | \u2013 | \u2013 | \u2013 |" in section


def test_scenarios_without_a_server_have_no_requests_column() -> None:
    section = render_section(_document())
    import_table = section.split("**`import`**")[1]
    assert "| peer | median | p95 | ratio | peak RSS |" in import_table
    assert f"| **import lscsde_sdk** | 40 ms | 40 ms | 1.00{TIMES} | 15 MiB |" in import_table


def test_the_section_says_how_and_where_it_was_measured() -> None:
    section = render_section(_document())
    assert "with `nox -s bench` on 2 CPUs (Test CPU), Python 3.11.7" in section
    assert "kube-apiserver v1.37.2" in section
    assert "2,000 workspaces and 10,000 bindings" in section
    assert "lscsde-sdk at abc1234" in section
    assert "Quick mode" not in section
    assert "load average" not in section  # not recorded in this document
    assert render_section(_document(quick=True)).startswith("**Quick mode")


def test_the_section_gives_the_load_the_machine_was_under() -> None:
    document = _document()
    document["environment"].update(loadavg_start=[0.5, 0.4, 0.3], loadavg_end=[2.25, 1.0, 0.5])
    assert "1-minute load average: 0.50 at the start, 2.25 at the end." in render_section(document)


def test_the_readme_section_between_the_markers_is_replaced_and_the_rest_kept() -> None:
    readme = f"# Title\n\n## Performance\n\n{README_START}\nold table\n{README_END}\n\n## Tests\n"
    updated = update_readme(readme, "new table\n")
    assert updated == (
        f"# Title\n\n## Performance\n\n{README_START}\nnew table\n{README_END}\n\n## Tests\n"
    )
    assert update_readme(updated, "new table\n") == updated  # idempotent


def test_a_readme_without_markers_is_an_error() -> None:
    with pytest.raises(ValueError, match="bench:start"):
        update_readme("# Title\n", "table")


def test_the_project_readme_has_the_markers() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert readme.index(README_START) < readme.index(README_END)


def test_results_are_written_as_json_and_markdown(tmp_path: Path) -> None:
    document = _document()
    json_path, md_path = write_results(document, tmp_path)
    saved = json.loads(json_path.read_text(encoding="utf-8"))
    assert saved["scenarios"][0]["peers"][0]["runs_detail"][0]["requests"] == 6
    assert md_path.read_text(encoding="utf-8") == render_results_md(document)
    assert render_results_md(saved) == render_results_md(document)  # --render-only


def test_summaries_serialise_to_plain_json() -> None:
    summary = summarise("x", [Run(timings_s=(0.1,), peak_rss_kib=1, versions={"x": "1"})])
    assert json.loads(json.dumps(asdict(summary)))["versions"] == {"x": "1"}
