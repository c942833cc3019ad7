"""``lscsde validate``: offline, one line per problem, exit 1 when there is any."""

from __future__ import annotations

import io
import json
import sys
import time
from pathlib import Path

import pytest

from lscsde_sdk.cli.validate import MAX_FILE_BYTES

from .conftest import run_cli

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

WORKSPACE = """\
apiVersion: xlscsde.nhs.uk/v1
kind: AnalyticsWorkspace
metadata:
  name: {name}
spec:
  displayName: Study
  description: A study.
  validity:
    availableFrom: 2027-01-01
    expires: 2028-01-01
  jupyterWorkspace:
    image: {image}
"""
BINDING = """\
apiVersion: xlscsde.nhs.uk/v1
kind: AnalyticsWorkspaceBinding
metadata:
  name: study-alice
spec:
  workspace: study
  username: alice@example.org
  expires: 2027-06-30
"""
GOOD_IMAGE = "lscsde/datascience-notebook-default:0.1.0"


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_the_shipped_examples_are_valid() -> None:
    files = sorted(str(path) for path in EXAMPLES.glob("*.yaml"))

    result = run_cli(["validate", *files])

    assert result.code == 0
    assert result.out == ""
    assert result.err == f"{len(files)} document(s) in {len(files)} file(s): all valid\n"


def test_each_document_of_a_file_is_checked_and_named_by_its_index(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "study.yaml",
        "---\n".join(
            [
                WORKSPACE.format(name="ok", image=GOOD_IMAGE),
                BINDING,
                WORKSPACE.format(name="bad-image", image="Not An Image"),
            ]
        ),
    )

    result = run_cli(["validate", path])

    assert result.code == 1
    assert result.out_lines == [
        f"{path}:2 (AnalyticsWorkspace/bad-image): spec.jupyterWorkspace.image: "
        "String should match pattern '^[a-z0-9\\-\\/]*\\:([a-zA-Z0-9\\-\\_\\.]*)'"
    ]
    assert result.err == "error: 1 problem(s) in 1 file(s)\n"


def test_field_problems_name_the_field_path(tmp_path: Path) -> None:
    text = WORKSPACE.format(name="typo", image=GOOD_IMAGE).replace("description", "descripton")
    text = text.replace("expires: 2028-01-01", "expires: 2028-13-01")
    path = write(tmp_path, "typo.yaml", text)

    result = run_cli(["validate", path])

    assert result.code == 1
    prefix = f"{path}:0 (AnalyticsWorkspace/typo): "
    assert result.out_lines[0].startswith(
        f"{prefix}spec: unknown field(s) 'descripton' for AnalyticsWorkspaceSpec; known fields:"
    )
    assert result.out_lines[1:] == [
        f"{prefix}spec.description: Field required",
        f"{prefix}spec.validity.expires: expected a date as YYYY-MM-DD (not a date-time)",
    ]


def test_a_binding_needs_a_username_or_claims(tmp_path: Path) -> None:
    path = write(tmp_path, "b.yaml", BINDING.replace("  username: alice@example.org\n", ""))

    result = run_cli(["validate", path])

    assert result.code == 1
    assert len(result.out_lines) == 1
    assert result.out_lines[0].startswith(f"{path}:0 (AnalyticsWorkspaceBinding/study-alice): ")
    assert "username" in result.out_lines[0]
    assert "claims" in result.out_lines[0]


def test_documents_of_other_kinds_and_non_objects_are_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "other.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n---\n"
        "metadata: {name: nokind}\n---\n- a list\n---\n",
    )

    result = run_cli(["validate", path])

    kinds = (
        "AnalyticsCrate, AnalyticsDataSource, AnalyticsDataSourceBinding, AnalyticsWorkspace, "
        "AnalyticsWorkspaceBinding"
    )
    assert result.code == 1
    assert result.out_lines == [
        f"{path}:0 (ConfigMap/cm): kind: 'ConfigMap' is not one of {kinds}",
        f"{path}:1 (?/nokind): kind: required; must be one of {kinds}",
        f"{path}:2: not an object but list",
    ]


def test_malformed_yaml_is_one_line_naming_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.yaml", "kind: AnalyticsWorkspace\nmetadata:\n  name: [x\n")

    result = run_cli(["validate", path])

    assert result.code == 1
    assert len(result.out_lines) == 1
    assert result.out_lines[0].startswith(f"{path}: line 4, column 1: malformed YAML: ")


def test_yaml_aliases_are_refused_before_they_expand(tmp_path: Path) -> None:
    # The "billion laughs": nine levels of ten aliases would expand to 10**9 strings.
    levels = ['a0: &a0 "lol"']
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    path = write(tmp_path, "bomb.yaml", "\n".join(levels) + "\n")

    started = time.monotonic()
    result = run_cli(["validate", path])

    assert time.monotonic() - started < 30  # generous: it must not expand anything
    assert result.code == 1
    assert result.out_lines == [
        f"{path}: line 2, column 10: YAML aliases (*a0) are not allowed in manifests"
    ]


def test_files_over_the_size_limit_are_refused_unparsed(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_bytes(b"# " + b"x" * MAX_FILE_BYTES + b"\n")

    result = run_cli(["validate", str(path)])

    assert result.code == 1
    assert result.out_lines == [f"{path}: larger than 4 MiB; refused"]


def test_a_missing_file_is_a_problem_and_the_others_are_still_checked(tmp_path: Path) -> None:
    good = write(tmp_path, "good.yaml", BINDING)
    missing = str(tmp_path / "missing.yaml")

    result = run_cli(["validate", missing, good])

    assert result.code == 1
    assert result.out_lines == [f"{missing}: cannot read: No such file or directory"]
    assert result.err == "error: 1 problem(s) in 2 file(s)\n"


def test_dash_reads_standard_input(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(BINDING.encode())))

    result = run_cli(["validate", "-"])

    assert result.code == 0
    assert result.err == "1 document(s) in 1 file(s): all valid\n"


def test_no_file_is_a_usage_error() -> None:
    result = run_cli(["validate"])

    assert result.code == 2
    assert result.err_lines == [
        "error: the following arguments are required: FILE (see: lscsde validate --help)"
    ]


def test_problems_as_json_carry_their_parts(tmp_path: Path) -> None:
    path = write(tmp_path, "w.yaml", WORKSPACE.format(name="w", image="BAD") + "---\n[x\n")

    result = run_cli(["validate", path, "-o", "json"])

    assert result.code == 1
    assert json.loads(result.out) == {
        "documents": 1,
        "valid": False,
        "problems": [
            {
                "file": path,
                "document": 0,
                "subject": "AnalyticsWorkspace/w",
                "field": "spec.jupyterWorkspace.image",
                "message": "String should match pattern "
                "'^[a-z0-9\\-\\/]*\\:([a-zA-Z0-9\\-\\_\\.]*)'",
            },
            {
                "file": path,
                "line": 15,
                "column": 1,
                "message": "malformed YAML: expected ',' or ']', but got '<stream end>' "
                "(while parsing a flow sequence)",
            },
        ],
    }
