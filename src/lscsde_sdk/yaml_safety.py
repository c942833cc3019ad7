"""Reading YAML manifests that may be hostile: bounded, unambiguous, and read as kubectl does.

:func:`load_documents` is PyYAML's safe loader with what it lacks for untrusted input:

* input larger than ``max_bytes`` is refused before it is parsed;
* anchors and aliases are refused (``max_aliases=0``, the default), so a "billion laughs"
  document cannot expand; when a caller allows some, at most ``max_aliases`` alias uses in
  the input and ``max_nodes`` nodes per document after expansion are accepted;
* mappings and lists nest at most ``max_depth`` levels (PyYAML builds nodes recursively and
  would otherwise fail with a ``RecursionError``);
* a key given twice in one mapping is an error (PyYAML silently keeps the last one, so
  ``username: alice`` followed by ``username: mallory`` would read as mallory);
* keys are strings, as in JSON (an unquoted ``on:`` or ``1:`` is not);
* dates and date-times stay the strings they are written as, as kubectl sends them, so
  ``2025-02-30`` is rejected by the models naming the field instead of crashing the loader,
  and ``2025-02-03T10:00:00`` does not become a naive ``datetime``;
* only the tags of JSON's types are accepted (strings, numbers, booleans, null, mappings,
  lists): ``!!python/...``, ``!custom``, ``!!binary``, ``!!set``, ``!!omap`` and ``!!pairs``
  are refused, and so is a value its tag cannot be made of (``!!int abc``);
* every document must be a mapping (an empty document is skipped).

Every refusal is a :class:`YamlInputError` naming the source and the line. It is raised
without the parser's error as its context: that error's text quotes the input around the
problem, which may be a secret.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .errors import LscsdeError

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_DEPTH",
    "DEFAULT_MAX_NODES",
    "YamlInputError",
    "load_documents",
]

#: The largest input read by default: etcd's default request limit (1.5 MiB), so nothing
#: larger could be stored as one object anyway.
DEFAULT_MAX_BYTES = 1536 * 1024
#: How many levels of mappings and lists a document may nest by default.
DEFAULT_MAX_DEPTH = 100
#: How many nodes a document may have once its aliases are expanded (only counted when
#: aliases are allowed: without them the size limit bounds the node count).
DEFAULT_MAX_NODES = 100_000

_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_STR = "tag:yaml.org,2002:str"


class YamlInputError(LscsdeError, ValueError):
    """YAML input that :func:`load_documents` refuses: :attr:`source` (a file name, or
    ``<string>``), :attr:`line` (1-based; ``None`` when the input as a whole is refused) and
    :attr:`reason`."""

    def __init__(self, source: str, line: int | None, reason: str) -> None:
        self.source = source
        self.line = line
        self.reason = reason
        where = f"{source}:{line}" if line is not None else source
        super().__init__(f"{where}: {reason}")


def load_documents(
    text_or_path: str | bytes | os.PathLike[str],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_aliases: int = 0,
    max_depth: int = DEFAULT_MAX_DEPTH,
    max_nodes: int = DEFAULT_MAX_NODES,
    source: str | None = None,
) -> list[dict[str, Any]]:
    """The mapping documents of a YAML stream, read safely (see the module doc).

    ``text_or_path``: YAML text (``str`` or UTF-8 ``bytes``) or the path of a file
    (``os.PathLike``; a ``str`` is always text). ``source`` names the input in errors
    (default: the path, or ``<string>``). Raises :class:`YamlInputError`.
    """
    name, data = _read(text_or_path, max_bytes, source)
    failure: YamlInputError | None = None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        failure = YamlInputError(name, line, f"not UTF-8 text ({error.reason})")
    if failure is not None:
        raise failure  # outside the except block, as every refusal (see the module doc)
    loader: _Loader | None = None
    documents: list[dict[str, Any]] = []
    try:
        loader = _Loader(text, name, max_aliases=max_aliases, max_depth=max_depth)
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            line = node.start_mark.line + 1
            if max_aliases and _expanded_size(node, max_nodes) > max_nodes:
                raise YamlInputError(
                    name, line, f"the document has more than {max_nodes} nodes once expanded"
                )
            document = loader.construct_document(node)
            if document is None:
                continue  # an empty document, as between two '---'
            if not isinstance(document, dict):
                raise YamlInputError(name, line, f"a manifest is a mapping, not {_what(document)}")
            documents.append(document)
    except YamlInputError as error:
        failure = error
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        reason = " ".join(part for part in (error.context, error.problem) if part)
        failure = YamlInputError(
            name, mark.line + 1 if mark is not None else None, reason or "not valid YAML"
        )
    except yaml.YAMLError as error:  # ReaderError: characters YAML does not allow
        position = getattr(error, "position", None)
        at = text[:position].count("\n") + 1 if isinstance(position, int) else None
        failure = YamlInputError(name, at, _reader_reason(error))
    except RecursionError:  # only with a max_depth beyond what Python's stack allows
        failure = YamlInputError(name, None, "mappings and lists nest too deeply")
    finally:
        if loader is not None:
            loader.dispose()
    if failure is not None:
        raise failure
    return documents


def _read(
    text_or_path: str | bytes | os.PathLike[str], max_bytes: int, source: str | None
) -> tuple[str, bytes]:
    if isinstance(text_or_path, str):
        data = text_or_path.encode("utf-8", "surrogatepass")
        name = source or "<string>"
    elif isinstance(text_or_path, bytes):
        data, name = text_or_path, source or "<string>"
    elif isinstance(text_or_path, os.PathLike):
        path = Path(text_or_path)
        name = source or str(path)
        try:
            with path.open("rb") as handle:
                data = handle.read(max_bytes + 1)
        except OSError as error:
            raise YamlInputError(name, None, f"cannot be read: {error.strerror}") from None
    else:
        raise TypeError(
            f"expected YAML text (str, bytes) or a path, got {type(text_or_path).__name__}"
        )
    if len(data) > max_bytes:
        raise YamlInputError(name, None, f"larger than {max_bytes} bytes; refused unread")
    return name, data


def _what(value: Any) -> str:
    # The type only: the value itself may be anything, a token included.
    return {list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), f"a {type(value).__name__}"
    )


def _reader_reason(error: yaml.YAMLError) -> str:
    character = getattr(error, "character", None)
    if isinstance(character, int):  # the code point (a byte when reading bytes)
        return f"the character U+{character:04X} is not allowed in YAML"
    return "not valid YAML text"


def _expanded_size(node: Node, limit: int) -> int:
    """How many nodes ``node`` has with every alias expanded; stops counting past ``limit``."""
    sizes: dict[int, int] = {}

    def size(current: Node) -> int:
        known = sizes.get(id(current))
        if known is not None:
            return known
        total = 1
        if isinstance(current, SequenceNode):
            children: list[Node] = list(current.value)
        elif isinstance(current, MappingNode):
            children = [part for pair in current.value for part in pair]
        else:
            children = []
        for child in children:
            total += size(child)
            if total > limit:
                break
        sizes[id(current)] = total
        return total

    return size(node)


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader with the checks of the module doc."""

    # Timestamps are left to the models (the API server's YAML keeps them as strings).
    yaml_implicit_resolvers = {  # noqa: RUF012 (PyYAML's class-level table)
        first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def __init__(self, text: str, name: str, *, max_aliases: int, max_depth: int) -> None:
        super().__init__(text)
        self.name = name
        self.max_aliases = max_aliases
        self.max_depth = max_depth
        self.aliases = 0
        self.depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > self.max_aliases:
                raise YamlInputError(self.name, line, self._alias_refusal("alias", event.anchor))
        elif getattr(event, "anchor", None) is not None and self.max_aliases == 0:
            raise YamlInputError(self.name, line, self._alias_refusal("anchor", event.anchor))
        nests = isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent)
        if nests:
            self.depth += 1
            if self.depth > self.max_depth:
                raise YamlInputError(
                    self.name, line, f"mappings and lists nest more than {self.max_depth} levels"
                )
        try:
            return super().compose_node(parent, index)
        finally:
            if nests:
                self.depth -= 1

    def _alias_refusal(self, what: str, anchor: str | None) -> str:
        if self.max_aliases == 0:
            return f"{what} {anchor!r}: anchors and aliases are not accepted in manifests"
        return f"{what} {anchor!r}: more than {self.max_aliases} aliases"

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[str, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, ScalarNode):
                raise YamlInputError(self.name, line, "a key must be a string, not a collection")
            if key_node.tag != _STR:
                raise YamlInputError(
                    self.name, line, f"the key {key_node.value!r} is not a string (quote it)"
                )
            if key_node.value in seen:
                raise YamlInputError(
                    self.name,
                    line,
                    f"the key {key_node.value!r} is given twice in one mapping "
                    f"(first on line {seen[key_node.value]})",
                )
            seen[key_node.value] = line
        return super().construct_mapping(node, deep=deep)

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (YamlInputError, yaml.YAMLError):
            raise
        except (ValueError, KeyError, TypeError, OverflowError):
            pass  # a standard tag given a value it cannot hold (!!int abc, !!bool maybe)
        raise YamlInputError(
            self.name,
            node.start_mark.line + 1,
            f"the value cannot be read as {node.tag.rsplit(':', 1)[-1]}",
        )

    def construct_undefined(self, node: Node) -> Any:
        raise YamlInputError(
            self.name, node.start_mark.line + 1, f"the tag {node.tag!r} is not accepted"
        )


def _as_string(loader: _Loader, node: Node) -> Any:
    return loader.construct_scalar(node)  # type: ignore[arg-type]


_Loader.add_constructor(None, _Loader.construct_undefined)
# Types JSON does not have (the API server could not be sent them).
for _tag in ("binary", "set", "omap", "pairs"):
    _Loader.add_constructor(f"tag:yaml.org,2002:{_tag}", _Loader.construct_undefined)
# An explicit !!timestamp stays a string too.
_Loader.add_constructor(_TIMESTAMP, _as_string)
