"""``lscsde validate FILE...``: check manifests offline, with the SDK's models.

Each file may hold several YAML documents; each document must be an object of one of the
five kinds and is validated as user input (:class:`lscsde_sdk.models.AwmsResource`: unknown
fields, formats, patterns and the schemas' "one of" rules). One line per problem::

    FILE:DOC_INDEX (Kind/name): field.path: message

``DOC_INDEX`` counts the file's documents from 0. YAML that cannot be parsed is one line
naming the file, line and column. Untrusted input stays cheap: files larger than
:data:`MAX_FILE_BYTES` are refused, and so are YAML aliases (``*name``), with which a few
bytes expand into gigabytes (the "billion laughs"); manifests have no use for them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final

import yaml
from pydantic import ValidationError

from .._generated import KINDS
from ..models import AwmsResource
from .output import Printer
from .parsing import CliParser, LocalCommand, add_command

__all__ = [
    "MAX_FILE_BYTES",
    "FileReport",
    "Problem",
    "SafeManifestLoader",
    "register",
    "validate_text",
]

#: Files larger than this are refused unread.
MAX_FILE_BYTES: Final = 4 * 1024 * 1024


class AliasError(yaml.MarkedYAMLError):
    """A YAML alias, which :class:`SafeManifestLoader` refuses."""


class SafeManifestLoader(yaml.SafeLoader):
    """PyYAML's safe loader without aliases, and with dates left as strings (as the API
    server reads YAML: ``2025-01-01`` is the string the schema's ``date`` format checks)."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise AliasError(
                None,
                None,
                f"YAML aliases (*{event.anchor}) are not allowed in manifests",
                event.start_mark,
            )
        return super().compose_node(parent, index)


SafeManifestLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file: where (the document's index and ``Kind/name``, or the
    line and column of YAML that cannot be parsed), the field path, and what is wrong.
    ``str()`` is the line ``validate`` prints."""

    file: str
    message: str
    document: int | None = None
    subject: str | None = None
    field: str | None = None
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = self.file
        if self.document is not None:
            where += f":{self.document}"
        if self.subject is not None:
            where += f" ({self.subject})"
        if self.line is not None:
            where += f": line {self.line}, column {self.column}"
        return ": ".join(part for part in (where, self.field, self.message) if part is not None)

    def data(self) -> dict[str, Any]:
        return {key: value for key, value in asdict(self).items() if value is not None}


def _subject(document: dict[str, Any]) -> str:
    metadata = document.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    return f"{document.get('kind') or '?'}/{name or '?'}"


def _document_problems(file: str, index: int, document: Any) -> Iterator[Problem]:
    if not isinstance(document, dict):
        yield Problem(file, f"not an object but {type(document).__name__}", index)
        return
    subject = _subject(document)
    kind = document.get("kind")
    if kind not in KINDS:
        found = f"{kind!r} is not" if kind is not None else "required; must be"
        yield Problem(file, f"{found} one of {', '.join(KINDS)}", index, subject, "kind")
        return
    try:
        AwmsResource.model_validate(document)
    except ValidationError as error:
        for detail in error.errors():
            location = list(detail["loc"])
            if location[:1] == [kind]:  # the union's tag, not a field
                location = location[1:]
            path = ".".join(str(step) for step in location) or "(top level)"
            yield Problem(file, detail["msg"], index, subject, path)


@dataclass
class FileReport:
    """What :func:`validate_text` found in one file."""

    documents: int = 0
    problems: list[Problem] = field(default_factory=list)


def validate_text(file: str, text: str) -> FileReport:
    """Validate every document of the YAML ``text`` read from ``file`` (empty documents are
    skipped); no problems when each is a valid object of the five kinds."""
    report = FileReport()
    index = 0
    try:
        for document in yaml.load_all(text, Loader=SafeManifestLoader):
            if document is not None:
                report.documents += 1
                report.problems.extend(_document_problems(file, index, document))
            index += 1
    except yaml.YAMLError as error:
        report.problems.append(_yaml_problem(file, error))
    except RecursionError:
        report.problems.append(Problem(file, "nested too deeply to be a manifest", index))
    return report


def _yaml_problem(file: str, error: yaml.YAMLError) -> Problem:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    context = getattr(error, "context", None)
    if not isinstance(error, AliasError):
        problem = f"malformed YAML: {problem}" + (f" ({context})" if context else "")
    if mark is None:
        return Problem(file, problem)
    return Problem(file, problem, line=mark.line + 1, column=mark.column + 1)


def _read(path: str) -> str | Problem:
    try:
        if path == "-":
            data = sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
        else:
            with Path(path).open("rb") as handle:
                data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        return Problem(path, f"cannot read: {error.strerror or error}")
    if len(data) > MAX_FILE_BYTES:
        return Problem(path, f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB; refused")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        return Problem(path, f"not UTF-8 text (byte {error.start})")


def run_validate(args: argparse.Namespace, printer: Printer) -> int:
    problems: list[Problem] = []
    documents = 0
    for path in args.files:
        text = _read(path)
        if isinstance(text, Problem):
            problems.append(text)
            continue
        report = validate_text("<stdin>" if path == "-" else path, text)
        problems.extend(report.problems)
        documents += report.documents
    if printer.tabular:
        for problem in problems:
            printer.line(str(problem))
    else:
        printer.show(
            {
                "documents": documents,
                "valid": not problems,
                "problems": [p.data() for p in problems],
            }
        )
    files = len(args.files)
    if problems:
        printer.note(f"error: {len(problems)} problem(s) in {files} file(s)")
        return 1
    printer.note(f"{documents} document(s) in {files} file(s): all valid")
    return 0


def register(commands: argparse._SubParsersAction[CliParser]) -> None:
    parser = add_command(
        commands,
        "validate",
        LocalCommand(run_validate),
        help="check manifests offline (no cluster needed)",
        description=(
            "Validate each YAML document of each FILE as one of the five kinds, offline. "
            "One line per problem: FILE:DOC_INDEX (Kind/name): field.path: message, "
            "DOC_INDEX counting a file's documents from 0. Exits 1 if there is any. Files "
            f"over {MAX_FILE_BYTES // (1024 * 1024)} MiB and YAML aliases are refused."
        ),
    )
    parser.add_argument(
        "files", metavar="FILE", nargs="+", help="YAML files of manifests ('-': stdin)"
    )
