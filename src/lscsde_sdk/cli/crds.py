"""``lscsde crds install`` and ``lscsde crds diff``: the cluster's CustomResourceDefinitions
against the ones this SDK was generated from (shipped as ``lscsde_sdk/_generated/crds``).

``install`` is idempotent: a missing CRD is created; an existing one is replaced (conditional
on the version read) only when the server would store something different, which a dry-run
replace tells exactly (the server's defaults included). Labels and annotations others put on
a CRD (Helm's ownership, for one) are kept. It returns once every CRD is Established and its
resources can be listed, so the next command can use them.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

from ..core.conflicts import retry_on_conflict
from ..core.retry import NO_RETRY
from ..core.transport import Request, Transport
from ..drift import crd_drift, packaged_crds
from ..errors import AlreadyExistsError, NotFoundError, TooManyRequestsError
from .errors import CliError
from .output import FORMATS, Column, Printer
from .parsing import CliParser, ClusterCommand, add_command, add_group
from .progress import Progress
from .session import Session

__all__ = ["CrdOutcome", "install_crds", "register", "wait_until_served"]

CRD_API: Final = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
#: How long ``install`` waits for the CRDs to be Established and servable.
SERVED_TIMEOUT: Final = 60.0
_POLL: Final = 0.1

Result = Literal["created", "updated", "unchanged"]
COLUMNS = (Column("NAME"), Column("RESULT"))


@dataclass(frozen=True)
class CrdOutcome:
    """What ``install`` did to one CRD."""

    name: str
    kind: str
    result: Result


def _wanted(manifest: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, Any]:
    """The manifest as a replacement of ``current``: its version, and the labels and
    annotations others set, with the manifest's winning."""
    wanted = copy.deepcopy(dict(manifest))
    metadata = wanted.setdefault("metadata", {})
    existing = current.get("metadata") or {}
    metadata["resourceVersion"] = existing.get("resourceVersion")
    for key in ("labels", "annotations"):
        merged = {**(existing.get(key) or {}), **(metadata.get(key) or {})}
        if merged:
            metadata[key] = merged
    return wanted


def _stored_alike(first: Mapping[str, Any], second: Mapping[str, Any]) -> bool:
    def essentials(crd: Mapping[str, Any]) -> tuple[Any, ...]:
        metadata = crd.get("metadata") or {}
        return crd.get("spec"), metadata.get("labels") or {}, metadata.get("annotations") or {}

    return essentials(first) == essentials(second)


async def _install_one(transport: Transport, manifest: Mapping[str, Any]) -> Result:
    name = manifest["metadata"]["name"]
    path = f"{CRD_API}/{name}"

    async def attempt() -> Result:
        try:
            current = await transport.send_json(Request("GET", path))
        except NotFoundError:
            try:
                await transport.send(Request("POST", CRD_API, body=dict(manifest)))
                return "created"
            except AlreadyExistsError:
                # Created meanwhile: compare with that one.
                current = await transport.send_json(Request("GET", path))
        wanted = _wanted(manifest, current)
        preview = await transport.send_json(
            Request("PUT", path, query=[("dryRun", "All")], body=wanted)
        )
        if _stored_alike(preview, current):
            return "unchanged"
        await transport.send(Request("PUT", path, body=wanted))  # changed since read: repeated
        return "updated"

    return await retry_on_conflict(attempt, what=f"CustomResourceDefinition {name}")


def _condition(crd: Mapping[str, Any], kind: str) -> Mapping[str, Any] | None:
    for condition in (crd.get("status") or {}).get("conditions") or []:
        if condition.get("type") == kind:
            return condition  # type: ignore[no-any-return]
    return None


async def _served(transport: Transport, name: str) -> bool:
    crd = await transport.send_json(Request("GET", f"{CRD_API}/{name}"))
    established = _condition(crd, "Established")
    if established is None or established.get("status") != "True":
        return False
    # Established precedes the resource's storage being ready; until then lists answer 404
    # or 429 ("storage is (re)initializing").
    spec = crd["spec"]
    for version in (v["name"] for v in spec["versions"] if v.get("served")):
        request = Request(
            "GET",
            f"/apis/{spec['group']}/{version}/{spec['names']['plural']}",
            query=[("limit", "1")],
            retry=NO_RETRY,
        )
        try:
            await transport.send(request)
        except (NotFoundError, TooManyRequestsError):
            return False
    return True


async def wait_until_served(
    transport: Transport,
    names: Iterable[str],
    seconds: float = SERVED_TIMEOUT,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Return once each CRD named is Established and its resources can be listed;
    :class:`CliError` after ``seconds``. ``progress(served, total)`` is told how many are
    so far, before the first and after each."""
    names = list(names)
    for served, name in enumerate(names):
        if progress is not None:
            progress(served, len(names))
        try:
            async with asyncio.timeout(seconds):
                # Polled: the API server offers nothing to wait on.
                while not await _served(transport, name):  # noqa: ASYNC110
                    await asyncio.sleep(_POLL)
        except TimeoutError:
            crd = await transport.send_json(Request("GET", f"{CRD_API}/{name}"))
            reasons = "; ".join(
                f"{c.get('type')}={c.get('status')}: {c.get('message')}"
                for c in (crd.get("status") or {}).get("conditions") or []
            )
            raise CliError(
                f"CustomResourceDefinition {name} not Established after {seconds:.0f}s"
                f" ({reasons or 'no conditions yet'})"
            ) from None
    if progress is not None:
        progress(len(names), len(names))


async def install_crds(
    transport: Transport,
    progress: Callable[[str], None] = lambda _: None,
    served: Callable[[int, int], None] | None = None,
) -> list[CrdOutcome]:
    """Create or update the SDK's CRDs (see the module doc); one outcome per CRD, by kind.
    ``progress`` is told each step in words; ``served`` counts the CRDs that are servable
    while they are waited for (see :func:`wait_until_served`)."""
    outcomes = []
    for kind, manifest in sorted(packaged_crds().items()):
        name = manifest["metadata"]["name"]
        result = await _install_one(transport, manifest)
        progress(f"CustomResourceDefinition {name} {result}")
        outcomes.append(CrdOutcome(name, kind, result))
    progress(f"waiting until the {len(outcomes)} CRDs are Established")
    await wait_until_served(transport, [outcome.name for outcome in outcomes], progress=served)
    return outcomes


async def install(args: argparse.Namespace, session: Session, printer: Printer) -> int:
    counter = Progress(printer.err, "CRDs Established")
    try:
        outcomes = await install_crds(session.transport, printer.note, counter.update)
    finally:
        counter.done()
    printer.show(
        {"items": [{"name": o.name, "kind": o.kind, "result": o.result} for o in outcomes]},
        COLUMNS,
        [[o.name, o.result] for o in outcomes],
        [f"customresourcedefinition.apiextensions.k8s.io/{o.name}" for o in outcomes],
    )
    return 0


async def diff(args: argparse.Namespace, session: Session, printer: Printer) -> int:
    report = await crd_drift(session.api)
    if printer.tabular:
        printer.line(report.format())
    else:
        printer.show(report.to_dict())
    return 0 if report.ok else 1


def register(commands: argparse._SubParsersAction[CliParser]) -> None:
    group = add_group(commands, "crds", help="the cluster's CRDs against the SDK's")
    add_command(
        group,
        "install",
        ClusterCommand(install),
        help="create or update the five CRDs; wait until they are Established",
        description=(
            "Create the SDK's five CRDs where missing and update those the server would store "
            "differently (labels and annotations others set are kept); wait until all are "
            "Established and servable (a counter on stderr while it waits, when stderr is "
            "a terminal). Reports created, updated or unchanged for each."
        ),
        formats=FORMATS,
    )
    add_command(
        group,
        "diff",
        ClusterCommand(diff),
        help="compare the cluster's CRDs with the SDK's; exit 1 on drift",
        description=(
            "Compare the server's CRDs with those this SDK was generated from: one line per "
            "difference (descriptions aside). Exits 0 when they match, 1 when they drift."
        ),
    )
