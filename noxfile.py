"""Developer and CI sessions: generate, generate_check, lint, tests, demo, build, bench."""

from __future__ import annotations

import os
from pathlib import Path

import nox

nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = True
nox.options.sessions = ["generate_check", "lint", "tests"]

ROOT = Path(__file__).parent
PYTHON = "3.11"


@nox.session(python=PYTHON)
def generate(session: nox.Session) -> None:
    """Regenerate src/lscsde_sdk/_generated from schemas/."""
    session.install("-e", ".[codegen]")
    session.run("python", "-m", "codegen")


@nox.session(python=PYTHON)
def generate_check(session: nox.Session) -> None:
    """Fail when regenerating would change any generated file (warnings about entries of
    codegen/*.yaml that the schemas lack are printed, and do not fail it)."""
    session.install("-e", ".[codegen]")
    session.run("python", "-m", "codegen", "--check")


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff over everything hand-written, mypy (strict) over src, bench and examples."""
    session.install("-e", ".[lint,test,codegen,bench,kopf]")
    paths = ["src", "tests", "codegen", "bench", "examples", "noxfile.py"]
    session.run("ruff", "check", *paths)
    session.run("ruff", "format", "--check", *paths)
    session.run("mypy")


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Unit and integration tests; builds the control plane binaries on first use."""
    session.install("-e", ".[test,codegen,kopf]")
    # Builds (or finds in the cache) kube-apiserver and etcd with visible progress, so the
    # first pytest run is not silent for minutes.
    if not os.environ.get("LSCSDE_TEST_KUBECONFIG"):
        session.run("python", "-m", "lscsde_sdk.envtest")
    session.run("pytest", *session.posargs)


@nox.session(python=PYTHON)
def demo(session: nox.Session) -> None:
    """A throwaway kube-apiserver with the CRDs and sample data; what the sample user may
    start; then everything stopped (``lscsde dev up --exit-after-seed``)."""
    session.install("-e", ".")
    session.run("lscsde", "dev", "up", "--exit-after-seed", *session.posargs)


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Benchmark against lscsde-workspace-mgmt 0.1.14, lightkube, kr8s and a raw-GET floor.

    Writes bench/results.json and bench/results.md; `-- --update-readme` also rewrites the
    README's Performance section, `-- --quick` is a smoke run (`-- --help` for the rest).
    Takes about 25 minutes on two cores (`-- --quick`: under a minute); run it on an
    otherwise idle machine.
    """
    session.install("-e", ".[bench]")
    session.run("python", "-m", "lscsde_sdk.envtest")
    session.run("python", "-m", "bench", *session.posargs)


@nox.session(python=PYTHON)
def build(session: nox.Session) -> None:
    """Build sdist and wheel, then install the wheel in a clean venv and import it."""
    session.install("build")
    dist = ROOT / "dist"
    session.run("python", "-m", "build", "--outdir", str(dist))
    wheels = sorted(dist.glob("lscsde_sdk-*.whl"))
    session.run("python", "tools/check_wheel.py", str(wheels[-1]), external=False)
