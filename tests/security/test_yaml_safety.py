"""``load_documents`` reads manifests as kubectl sends them and refuses what could hurt; the
test control plane's ``load_crds`` reads its CRD files through it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from lscsde_sdk.envtest import default_crd_dir, load_crds
from lscsde_sdk.errors import LscsdeError
from lscsde_sdk.yaml_safety import YamlInputError, load_documents

LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]\n"
    for previous, name in zip("abcdefg", "bcdefgh", strict=True)
)


def test_plain_manifests_read_as_json_would_have_them() -> None:
    text = (
        "a: 1\nb: 2026-02-30\nc: 2025-01-20T14:30:00\nd: !!timestamp 2025-01-01\n"
        "e: [yes, null, 1.5]\n---\n---\nf: {}\n"
    )
    assert load_documents(text) == [
        {
            "a": 1,
            "b": "2026-02-30",  # a string, left to the models (PyYAML: ValueError)
            "c": "2025-01-20T14:30:00",  # not a naive datetime
            "d": "2025-01-01",
            "e": [True, None, 1.5],
        },
        {"f": {}},
    ]
    with pytest.raises(ValueError, match="day is out of range"):
        yaml.safe_load("b: 2026-02-30")  # what this replaces


def test_text_bytes_and_paths_are_read_the_same(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text("kind: AnalyticsWorkspace\n", encoding="utf-8")
    expected = [{"kind": "AnalyticsWorkspace"}]
    assert load_documents(path) == expected
    assert load_documents(path.read_bytes()) == expected
    assert load_documents("\ufeffkind: AnalyticsWorkspace\n") == expected  # a BOM is fine
    assert load_documents("") == []
    with pytest.raises(YamlInputError, match="cannot be read") as caught:
        load_documents(tmp_path / "missing.yaml")
    assert "missing.yaml" in str(caught.value) and caught.value.line is None


def test_an_oversized_file_is_refused_without_reading_it_whole(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"a: " + b"x" * 5000)
    assert load_documents(path, max_bytes=5003) == [{"a": "x" * 5000}]
    with pytest.raises(YamlInputError, match="larger than 5002 bytes") as caught:
        load_documents(path, max_bytes=5002)
    assert str(caught.value).startswith(str(path))


def test_aliases_are_refused_by_default_and_bounded_when_allowed() -> None:
    with pytest.raises(YamlInputError, match="anchor 'a'") as caught:
        load_documents(LAUGHS)
    assert caught.value.line == 1
    small = "a: &a [x]\nb: *a\nc: *a\n"
    assert load_documents(small, max_aliases=2) == [{"a": ["x"], "b": ["x"], "c": ["x"]}]
    with pytest.raises(YamlInputError, match="more than 1 aliases") as caught:
        load_documents(small, max_aliases=1)
    assert caught.value.line == 3
    # 9**8 nodes once expanded, from 63 alias uses: refused by the expanded size.
    with pytest.raises(YamlInputError, match="more than 100000 nodes"):
        load_documents(LAUGHS, max_aliases=100)


def test_nesting_is_bounded_before_python_recursion_is() -> None:
    deep = "a: " + "[" * 5000 + "]" * 5000 + "\n"
    with pytest.raises(YamlInputError, match="nest more than 100 levels"):
        load_documents(deep)
    assert load_documents("a: " + "[" * 99 + "]" * 99) == [{"a": _lists(99)}]
    with pytest.raises(YamlInputError, match="nest more than 10 levels"):
        load_documents("a: " + "[" * 10 + "]" * 10, max_depth=10)


def _lists(levels: int) -> list[object]:
    value: list[object] = []
    for _ in range(levels - 1):
        value = [value]
    return value


def test_every_refusal_is_an_sdk_error_and_a_value_error() -> None:
    with pytest.raises(YamlInputError) as caught:
        load_documents("a: 1\na: 2\n", source="dup.yaml")
    error = caught.value
    assert isinstance(error, LscsdeError) and isinstance(error, ValueError)
    assert (error.source, error.line) == ("dup.yaml", 2)
    assert str(error) == "dup.yaml:2: the key 'a' is given twice in one mapping (first on line 1)"


def test_refusals_do_not_quote_the_document(tmp_path: Path) -> None:
    # A document that is only a token, or a broken line holding one: the message says what is
    # wrong and where, not what the line said.
    for text in ("dapiSENTINEL0123\n", "a: [dapiSENTINEL0123\nb: 1\n", "a: 'dapiSENTINEL\n"):
        with pytest.raises(YamlInputError) as caught:
            load_documents(text)
        assert "SENTINEL" not in str(caught.value)


def test_load_crds_reads_the_shipped_crds_and_refuses_a_hostile_file(tmp_path: Path) -> None:
    crd_dir = default_crd_dir()
    assert crd_dir is not None
    assert len(load_crds(crd_dir)) == 5
    (tmp_path / "a.yaml").write_text(
        "kind: CustomResourceDefinition\nmetadata: &m {name: x}\nspec: *m\n", encoding="utf-8"
    )
    with pytest.raises(YamlInputError) as caught:
        load_crds(tmp_path)
    assert caught.value.source.endswith("a.yaml") and caught.value.line == 2
