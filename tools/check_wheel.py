"""Install a built wheel into a fresh virtual environment and check what it ships.

Usage: ``python tools/check_wheel.py dist/lscsde_sdk-<version>-py3-none-any.whl``

The wheel is installed (with its dependencies, from the package index) into a new venv in a
temporary directory. Inside that venv, run isolated from this source tree, it checks that:

* ``lscsde_sdk``, ``lscsde_sdk.models``, ``lscsde_sdk.clients`` and ``lscsde_sdk.envtest``
  import, and ``lscsde_workspace_mgmt`` too when the wheel contains it;
* the installed version is the wheel's version;
* the build-time tools (``datamodel_code_generator``, ``jinja2``) are not installed;
* the CRD manifests (``lscsde_sdk/_generated/crds/*.yaml``, one per kind), ``py.typed`` and
  the Go module the control plane is built from (``lscsde_sdk/envtest/controlplane_go/``:
  ``go.mod``, ``go.sum``, ``tools.go``) are in the installed package.

Exits 0 when all hold; otherwise prints what is wrong and exits 1 (2 for bad usage).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

BUILD_ONLY_MODULES = ("datamodel_code_generator", "jinja2")
# The Go module `lscsde dev up` and the tests build kube-apiserver and etcd from.
GO_MODULE_FILES = ("go.mod", "go.sum", "tools.go")
COMPAT_PACKAGE = "lscsde_workspace_mgmt"

# Runs inside the fresh venv; prints a JSON report instead of asserting, so every problem is
# listed at once.
PROBE = r"""
import importlib, importlib.util, json, sys
from importlib.metadata import version
from pathlib import Path

modules, build_only, expected_version, go_files = json.loads(sys.argv[1])
problems = []
for name in modules:
    try:
        importlib.import_module(name)
    except Exception as exc:
        problems.append(f"import {name} failed: {type(exc).__name__}: {exc}")
for name in build_only:
    if importlib.util.find_spec(name) is not None:
        problems.append(f"{name} is installed, but it is only needed to build the package")

import lscsde_sdk
package = Path(lscsde_sdk.__file__).parent
if "site-packages" not in package.parts:
    problems.append(f"lscsde_sdk was imported from {package}, not from the venv")
if version("lscsde-sdk") != expected_version:
    problems.append(f"installed version {version('lscsde-sdk')}, wheel says {expected_version}")
if not (package / "py.typed").is_file():
    problems.append("lscsde_sdk/py.typed is missing")
for name in go_files:
    if not (package / "envtest" / "controlplane_go" / name).is_file():
        problems.append(f"lscsde_sdk/envtest/controlplane_go/{name} is missing")
crds = sorted(p.name for p in (package / "_generated" / "crds").glob("*.yaml"))
try:
    from lscsde_sdk._generated import KINDS
    expected_crds = sorted(f"{kind}.yaml" for kind in KINDS)
except Exception as exc:
    problems.append(f"lscsde_sdk._generated.KINDS unreadable: {exc}")
    expected_crds = []
if not crds or crds != expected_crds:
    problems.append(f"CRDs in lscsde_sdk/_generated/crds: {crds}, expected {expected_crds}")
import yaml
for name in crds:
    manifest = yaml.safe_load((package / "_generated" / "crds" / name).read_text())
    if not isinstance(manifest, dict) or manifest.get("kind") != "CustomResourceDefinition":
        problems.append(f"lscsde_sdk/_generated/crds/{name} is not a CustomResourceDefinition")
print(json.dumps({"problems": problems, "package": str(package), "crds": crds}))
"""


class CheckFailed(Exception):
    pass


def _run(command: list[str], *, cwd: Path, what: str) -> str:
    env = {
        k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")
    }
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip()
        raise CheckFailed(f"{what} failed (exit {result.returncode}):\n{output}")
    return result.stdout


def _wheel_version(wheel: Path) -> str:
    # {distribution}-{version}(-{build})?-{python}-{abi}-{platform}.whl
    return wheel.name.split("-")[1]


def check_wheel(wheel: Path) -> list[str]:
    """Problems with ``wheel`` (empty: none). Raises CheckFailed when it cannot check."""
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    modules = ["lscsde_sdk", "lscsde_sdk.models", "lscsde_sdk.clients", "lscsde_sdk.envtest"]
    notes = []
    if f"{COMPAT_PACKAGE}/__init__.py" in names:
        modules.append(COMPAT_PACKAGE)
    else:
        notes.append(f"note: the wheel has no {COMPAT_PACKAGE}/__init__.py; not importing it")

    with tempfile.TemporaryDirectory(prefix="check-wheel-") as tmp:
        work = Path(tmp)
        venv = work / "venv"
        _run([sys.executable, "-m", "venv", str(venv)], cwd=work, what="creating a venv")
        python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
        _run(
            [str(python), "-m", "pip", "install", "--quiet", str(wheel.resolve())],
            cwd=work,
            what=f"pip install {wheel.name}",
        )
        # -I: isolated, so neither this source tree nor PYTHONPATH can stand in for the wheel
        argument = json.dumps(
            [modules, list(BUILD_ONLY_MODULES), _wheel_version(wheel), list(GO_MODULE_FILES)]
        )
        output = _run([str(python), "-I", "-c", PROBE, argument], cwd=work, what="the checks")
    report = json.loads(output.strip().splitlines()[-1])
    for note in notes:
        print(note)
    print(f"installed {wheel.name} into a fresh venv: {report['package']}")
    print(f"checked imports of {', '.join(modules)}; CRDs shipped: {', '.join(report['crds'])}")
    return list(report["problems"])


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] in ("-h", "--help"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    wheel = Path(argv[0])
    if wheel.suffix != ".whl" or not wheel.is_file():
        print(f"check_wheel: {wheel} is not a wheel file", file=sys.stderr)
        return 2
    try:
        problems = check_wheel(wheel)
    except (CheckFailed, zipfile.BadZipFile) as exc:
        print(f"check_wheel: {wheel.name}: {exc}", file=sys.stderr)
        return 1
    for problem in problems:
        print(f"check_wheel: {wheel.name}: {problem}", file=sys.stderr)
    if problems:
        return 1
    print(f"check_wheel: {wheel.name} OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
