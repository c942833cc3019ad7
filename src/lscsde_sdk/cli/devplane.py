"""A dev control plane run by the process that calls :func:`serve` (``lscsde dev up``).

:func:`serve` starts kube-apiserver and etcd (:class:`lscsde_sdk.envtest.ControlPlane`) as
this process's children, writes an admin kubeconfig, installs the CRDs, seeds the sample
data, records the process in the state directory, and then keeps the control plane up until
SIGTERM (``lscsde dev down``) or SIGINT (Ctrl-C), when it stops both and removes the state.
The control plane's processes are tied to this process by the kernel (``PR_SET_PDEATHSIG``):
if it is killed outright, they die too. ``lscsde dev up --foreground`` serves in the
command's own process; detached, :mod:`lscsde_sdk.cli.devserver` does.
"""

from __future__ import annotations

import asyncio
import base64
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any, Final, TextIO

import yaml
from kubernetes_asyncio import client, config

from ..core.transport import Transport
from ..envtest import ADMIN, ControlPlane
from .crds import install_crds
from .devstate import (
    KUBECONFIG_FILE,
    DevState,
    ProcessRef,
    clear_state,
    write_private,
    write_state,
)
from .sample_data import (
    SAMPLE_USER,
    SampleData,
    ensure_namespace,
    permitted_profiles,
    sample_counts,
    seed_sample_data,
)

__all__ = ["DevReport", "Stopped", "api_client", "describe", "serve", "write_kubeconfig"]

_CLUSTER: Final = "lscsde-dev"
#: How often the supervisor checks that its control plane still runs.
_WATCH_INTERVAL: Final = 0.5


class Stopped(BaseException):
    """SIGTERM arrived: stop (a BaseException, like KeyboardInterrupt, so that no
    ``except Exception`` on the way swallows it)."""


@dataclass(frozen=True)
class DevReport:
    """What a running dev control plane holds, for ``dev up`` to show."""

    counts: dict[str, int]
    profiles: list[dict[str, Any]]
    username: str = SAMPLE_USER


def write_kubeconfig(plane: ControlPlane, path: Path, namespace: str) -> Path:
    """An admin kubeconfig for ``plane`` at ``path``, self-contained (the CA inline) and
    defaulting to ``namespace``; readable by the owner only."""
    token = plane.identities[ADMIN].token
    assert plane.ca_file is not None and token is not None
    ca = base64.b64encode(plane.ca_file.read_bytes()).decode("ascii")
    document = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": _CLUSTER,
                "cluster": {"server": plane.server_url, "certificate-authority-data": ca},
            }
        ],
        "users": [{"name": ADMIN, "user": {"token": token}}],
        "contexts": [
            {
                "name": _CLUSTER,
                "context": {"cluster": _CLUSTER, "user": ADMIN, "namespace": namespace},
            }
        ],
        "current-context": _CLUSTER,
    }
    write_private(path, yaml.safe_dump(document, sort_keys=False))
    return path


async def api_client(kubeconfig: Path) -> client.ApiClient:
    """An ApiClient from ``kubeconfig`` (the caller closes it)."""
    configuration = client.Configuration()
    await config.load_kube_config(
        config_file=str(kubeconfig), client_configuration=configuration, persist_config=False
    )
    return client.ApiClient(configuration=configuration)


async def describe(transport: Transport, namespace: str) -> DevReport:
    """The counts of each kind in ``namespace`` and the sample user's permitted profiles."""
    return DevReport(
        counts=await sample_counts(transport, namespace),
        profiles=await permitted_profiles(transport, namespace),
    )


async def _prepare(
    kubeconfig: Path, namespace: str, progress: Callable[[str], None]
) -> tuple[SampleData, DevReport]:
    # Through the kubeconfig users get: if this works, theirs does.
    async with await api_client(kubeconfig) as api:
        transport = Transport.of(api)
        await install_crds(transport, progress)
        await ensure_namespace(transport, namespace)
        progress(f"seeding sample data into namespace {namespace}")
        sample = await seed_sample_data(transport, namespace)
        return sample, await describe(transport, namespace)


def _raise_stopped(signum: int, frame: FrameType | None) -> None:
    raise Stopped(signum)


@contextmanager
def _stop_on_signals() -> Iterator[None]:
    """SIGTERM raises :class:`Stopped` (SIGINT raises KeyboardInterrupt already). Only the
    main thread can handle signals; elsewhere (tests) nothing is installed."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_stopped)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def _signals_ignored() -> Iterator[None]:
    """While stopping: a second Ctrl-C or SIGTERM must not cut the stop short."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {
        signum: signal.signal(signum, signal.SIG_IGN) for signum in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def serve(
    state_dir: Path,
    namespace: str,
    *,
    mode: str,
    progress: TextIO,
    on_ready: Callable[[DevState, DevReport], None] = lambda state, report: None,
    exit_when_ready: bool = False,
) -> int:
    """Run a dev control plane in this process (see the module doc) until SIGTERM or SIGINT
    (or, with ``exit_when_ready``, right after ``on_ready``); then stop it and remove the
    state. Returns the exit code: 0 when stopped on request, 1 when the control plane's
    processes exited by themselves."""

    def note(text: str) -> None:
        progress.write(text + "\n")
        progress.flush()

    state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    # Only the admin identity: nothing here uses the test identities.
    plane = ControlPlane(apply_crds=False, users=(), build_stream=progress)
    try:
        with _stop_on_signals():
            try:
                note("starting etcd and kube-apiserver")
                plane.start()
                kubeconfig = write_kubeconfig(plane, state_dir / KUBECONFIG_FILE, namespace)
                sample, report = asyncio.run(_prepare(kubeconfig, namespace, note))
                state = DevState(
                    supervisor=ProcessRef.of(os.getpid()),
                    mode=mode,
                    server=plane.server_url,
                    namespace=sample.namespace,
                    kubeconfig=str(kubeconfig),
                    children={name: ProcessRef.of(pid) for name, pid in plane.pids.items()},
                )
                write_state(state_dir, state)
                note(f"ready: {plane.server_url}")
                on_ready(state, report)
                if exit_when_ready:
                    return 0
                while plane.running:
                    time.sleep(_WATCH_INTERVAL)
                note(f"the control plane exited by itself:\n{plane.log_tail()}")
                return 1
            except (Stopped, KeyboardInterrupt):
                note("stopping")
                return 0
    finally:
        with _signals_ignored():
            plane.stop()
            clear_state(state_dir)
