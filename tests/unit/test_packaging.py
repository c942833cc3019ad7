"""Versioning and packaging rules (the wheel itself is checked by ``tools/check_wheel.py``,
run by ``nox -s build``)."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import lscsde_sdk
from lscsde_sdk import _generated

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
CRD_RELEASE = (ROOT / "schemas" / "CRD_RELEASE").read_text().strip()
BUILD_ONLY = {"datamodel-code-generator", "jinja2"}


def _distribution(requirement: str) -> str:
    name = re.match(r"[A-Za-z0-9._-]+", requirement)
    assert name, requirement
    return re.sub(r"[-_.]+", "-", name.group()).lower()


def test_crd_release_is_a_version() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+", CRD_RELEASE)


def test_package_version_is_the_crd_release_plus_an_sdk_counter() -> None:
    version = PYPROJECT["project"]["version"]
    assert version.startswith(f"{CRD_RELEASE}.")
    assert re.fullmatch(rf"{re.escape(CRD_RELEASE)}\.\d+", version)


def test_the_package_reports_the_crd_release_it_was_generated_from() -> None:
    assert lscsde_sdk.CRD_RELEASE == CRD_RELEASE
    assert _generated.CRD_RELEASE == CRD_RELEASE


def test_build_time_tools_are_not_runtime_dependencies() -> None:
    runtime = {_distribution(r) for r in PYPROJECT["project"]["dependencies"]}
    assert runtime, "no runtime dependencies declared"
    assert not runtime & BUILD_ONLY
    codegen_extra = {
        _distribution(r) for r in PYPROJECT["project"]["optional-dependencies"]["codegen"]
    }
    assert codegen_extra >= BUILD_ONLY


def test_importing_the_sdk_does_not_load_build_time_tools() -> None:
    code = (
        "import sys, lscsde_sdk, lscsde_sdk.models, lscsde_sdk.clients\n"
        "build = ('jinja2', 'datamodel_code_generator', 'codegen')\n"
        "print(sorted(m for m in build if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(ROOT / "src")},
    )
    assert result.stdout.strip() == "[]"


def test_the_wheel_ships_the_generated_package_with_crds_and_py_typed() -> None:
    packages = PYPROJECT["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
    assert "src/lscsde_sdk" in packages
    package = ROOT / "src" / "lscsde_sdk"
    assert (package / "py.typed").is_file()
    shipped = sorted(p.name for p in (package / "_generated" / "crds").glob("*.yaml"))
    assert shipped == sorted(p.name for p in (ROOT / "schemas").glob("*.yaml"))


def _check_wheel(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "tools" / "check_wheel.py"), *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_check_wheel_needs_exactly_one_wheel() -> None:
    result = _check_wheel()
    assert result.returncode == 2
    assert "Usage" in result.stderr


def test_check_wheel_refuses_what_is_not_a_wheel(tmp_path: Path) -> None:
    result = _check_wheel(str(tmp_path / "lscsde_sdk-0.1.1.0-py3-none-any.whl"))
    assert result.returncode == 2
    assert "is not a wheel file" in result.stderr
    broken = tmp_path / "lscsde_sdk-0.1.1.0-py3-none-any.whl"
    broken.write_text("not a zip")
    result = _check_wheel(str(broken))
    assert result.returncode == 1
    assert "lscsde_sdk-0.1.1.0-py3-none-any.whl" in result.stderr
