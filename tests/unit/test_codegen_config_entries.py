"""Entries of ``codegen/*.yaml`` naming a kind, path or class the schemas lack are warnings
naming the file and the entry, with the nearest existing name when one is close (a typo), and
are left out; the committed schemas give none."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

import codegen.compat
import codegen.generate
from codegen.__main__ import main as codegen_main
from codegen.compat import match_overrides, render_compat
from codegen.config_entries import (
    Findings,
    Schemas,
    match_class_names,
    match_field_indexes,
    match_paths,
    nearest_path,
)
from codegen.crds import load_crds
from codegen.generate import CLASS_NAMES, NAME_FIELD, render
from codegen.jsonschema import combine

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "schemas"


@pytest.fixture(scope="module")
def schemas() -> Schemas:
    return Schemas(load_crds(SCHEMAS))


def _class_name_warnings(schemas: Schemas, class_names: dict[str, dict[str, str]]) -> list[str]:
    found = Findings()
    match_class_names("class_names.yaml", class_names, schemas, found)
    return [str(warning) for warning in found.warnings]


def test_the_committed_schemas_and_configuration_give_no_warnings() -> None:
    # So a typo in the configuration fails the project's tests, while a user regenerating
    # from an older release only sees warnings.
    assert render(SCHEMAS).warnings == ()
    assert render_compat(SCHEMAS).warnings == ()


@pytest.mark.parametrize(
    ("path", "nearest"),
    [
        ("spec.connections[].roCrat", "spec.connections[].roCrate"),
        ("spec.conections[].roCrate", "spec.connections[].roCrate"),
        ("spec.publisher.contcat", "spec.publisher.contact"),
        ("spec.conections[]", "spec.connections[]"),
    ],
    ids=["last-step", "a-step-above", "nested", "array-items"],
)
def test_a_typo_in_a_path_names_the_nearest_existing_path(
    schemas: Schemas, path: str, nearest: str
) -> None:
    warnings = _class_name_warnings(schemas, {"AnalyticsDataSource": {path: "Named"}})
    assert warnings == [
        f"codegen/class_names.yaml: AnalyticsDataSource {path}: no such path in the schemas "
        f"(nearest: {nearest})"
    ]


def test_the_nearest_path_is_found_step_by_step_among_siblings() -> None:
    paths = {"spec", "spec.publisher", "spec.publisherName", "spec.publisher.contact"}
    assert nearest_path("spex.publisher.contcat", paths) == "spec.publisher.contact"
    # "Name" continues the name "publisher"; it is not a step below it.
    assert nearest_path("spec.publisher.Name", paths) is None


def test_a_removed_path_or_kind_names_no_nearest(schemas: Schemas) -> None:
    warnings = _class_name_warnings(
        schemas,
        {
            "AnalyticsDataSource": {"spec.connections[].sftp": "Sftp", "spec.retired.x": "X"},
            "AnalyticsNotebook": {"spec": "AnalyticsNotebookSpec"},
        },
    )
    assert warnings == [
        "codegen/class_names.yaml: AnalyticsDataSource spec.connections[].sftp: "
        "no such path in the schemas",
        "codegen/class_names.yaml: AnalyticsDataSource spec.retired.x: no such path in the schemas",
        "codegen/class_names.yaml: AnalyticsNotebook: no such kind in the schemas",
    ]


def test_a_typo_in_a_kind_or_version_names_the_nearest_existing_one(schemas: Schemas) -> None:
    warnings = _class_name_warnings(
        schemas,
        {"AnalyticsDataSorce": {"spec": "S"}, "AnalyticsWorkspaceBinding@v3": {"spec": "S3"}},
    )
    assert warnings == [
        "codegen/class_names.yaml: AnalyticsDataSorce: no such kind in the schemas "
        "(nearest: AnalyticsDataSource)",
        "codegen/class_names.yaml: AnalyticsWorkspaceBinding@v3: no such kind and version in "
        "the schemas (nearest: AnalyticsWorkspaceBinding@v1)",
    ]


def test_entries_left_out_are_recorded_with_what_the_schemas_lack(schemas: Schemas) -> None:
    found = Findings()
    kept = match_class_names(
        "class_names.yaml",
        {
            "AnalyticsDataSource": {"spec": "DataSourceSpec", "spec.gone": "Gone"},
            "AnalyticsNotebook": {"spec": "NotebookSpec"},
        },
        schemas,
        found,
    )
    assert kept == {"AnalyticsDataSource": {"spec": "DataSourceSpec"}}
    assert found.missing_kinds == {"AnalyticsNotebook"}
    # A class another path still generates is not absent.
    assert found.absent_classes({"Gone"}) == {
        "AnalyticsNotebook": "AnalyticsNotebook",
        "NotebookSpec": "AnalyticsNotebook",
    }


def test_a_secret_path_or_field_index_the_schemas_lack_is_left_out(schemas: Schemas) -> None:
    found = Findings()
    secrets = match_paths(
        "secret_fields.yaml",
        {"AnalyticsDataSource": ["spec.connections[].connectionString.valeu"], "Gone": ["x"]},
        schemas,
        found,
    )
    indexes: dict[str, dict[str, Any]] = {
        "AnalyticsWorkspaceBinding": {
            "username": {"field": "spec.usrname"},
            "name": {"field": "metadata.name"},
        }
    }
    kept = match_field_indexes("field_indexes.yaml", indexes, schemas, found, NAME_FIELD)
    assert secrets == {"AnalyticsDataSource": []}
    assert kept == {"AnalyticsWorkspaceBinding": {"name": {"field": "metadata.name"}}}
    assert [str(warning) for warning in found.warnings] == [
        "codegen/secret_fields.yaml: AnalyticsDataSource "
        "spec.connections[].connectionString.valeu: no such path in the schemas "
        "(nearest: spec.connections[].connectionString.value)",
        "codegen/secret_fields.yaml: Gone: no such kind in the schemas",
        "codegen/field_indexes.yaml: AnalyticsWorkspaceBinding username (field spec.usrname): "
        "no such path in the schemas (nearest: spec.username)",
    ]


def test_compat_overrides_naming_classes_or_properties_the_schemas_lack_are_left_out() -> None:
    class_names = yaml.safe_load(CLASS_NAMES.read_text())
    combined = combine([crd for crd in load_crds(SCHEMAS) if crd.storage], class_names)
    found = Findings()
    overrides = match_overrides(
        {
            "extra_classes": {"KubernetesMetadata": {"properties": {"name": {"type": "string"}}}},
            "fields": {
                "AnalyticsWorkspaceStatsu": {"statusText": {"default": "Waiting"}},
                "AnalyticsDataSourceStatus": {
                    "statusTxt": {"default": "Waiting"},
                    "lastActiveCheck": {"add": {"type": "string"}},
                },
                "KubernetesMetadata": {"name": {"default": ""}},
            },
            "open_classes": ["KubernetesMetadata", "Gone"],
            "bases": {"AnalyticsDataSourceSecretWithKey": "AnalyticsDataSourceSecret"},
            "base_classes": {"Gone": "x.Base"},
        },
        combined,
        found,
    )
    assert overrides["fields"] == {
        "AnalyticsDataSourceStatus": {"lastActiveCheck": {"add": {"type": "string"}}},
        "KubernetesMetadata": {"name": {"default": ""}},
    }
    assert overrides["open_classes"] == ["KubernetesMetadata"]
    assert overrides["bases"] == {"AnalyticsDataSourceSecretWithKey": "AnalyticsDataSourceSecret"}
    assert overrides["base_classes"] == {}
    assert [str(warning) for warning in found.warnings] == [
        "codegen/compat_overrides.yaml: fields AnalyticsWorkspaceStatsu: no such class in the "
        "schemas (nearest: AnalyticsWorkspaceStatus)",
        "codegen/compat_overrides.yaml: fields AnalyticsDataSourceStatus.statusTxt: no such "
        "property in the schemas (nearest: statusText)",
        "codegen/compat_overrides.yaml: open_classes Gone: no such class in the schemas",
        "codegen/compat_overrides.yaml: base_classes Gone: no such class in the schemas",
    ]


def test_a_typo_is_a_warning_when_generating_and_check_fails_on_the_changed_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class_names = yaml.safe_load(CLASS_NAMES.read_text())
    names = class_names["AnalyticsWorkspace"]
    names["spec.valdity"] = names.pop("spec.validity")
    typo = tmp_path / "class_names.yaml"
    typo.write_text(yaml.safe_dump(class_names))
    monkeypatch.setattr(codegen.generate, "CLASS_NAMES", typo)
    monkeypatch.setattr(codegen.compat, "CLASS_NAMES", typo)
    warning = (
        "warning: codegen/class_names.yaml: AnalyticsWorkspace spec.valdity: no such path in "
        "the schemas (nearest: spec.validity)\n"
    )

    out = ["--out", str(tmp_path / "sdk"), "--compat-out", str(tmp_path / "compat")]
    assert codegen_main(out) == 0
    # Shown once, though both profiles read class_names.yaml.
    assert capsys.readouterr().err == warning

    # With --check the warning alone would pass; here the class got its default name, so the
    # committed code is out of date.
    assert codegen_main(["--check"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(warning)
    assert "AnalyticsWorkspaceSpecValidity" in err
