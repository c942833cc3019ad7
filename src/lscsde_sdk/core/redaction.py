"""Masking secrets in what the API server answers, as the caller says what is secret.

A failed request's answer may echo objects, secrets included, even ones the request did not
carry: under ``fieldValidation=Strict`` a patch with an unknown field is refused with a message
holding the whole object as patched, once quoted (``Invalid value: "{\\"spec\\":...}"``). A
:class:`Redaction` is told what is secret and masks it with :data:`MASK`:

* ``paths``: schema paths of secrets (``spec.connections[].connectionString.value``; ``[]``
  steps into list items, ``{}`` into map values). In data (a ``Status`` body), the value at
  such a path is masked wherever the path's last two steps (or more) occur, and a scalar found
  where the path goes on (a connection string given as a plain string where an object holding
  one belongs) too. In text, the same, in the forms the server writes objects: JSON; JSON
  quoted inside a string, once or more (``\\"key\\":``); Go's ``%v`` (``key:map[...]``) and
  ``%#v`` (``"key":map[string]interface {}{...}``). A field error about a secret or something
  inside one (``<field>: Invalid value: <value>``) has its value masked.
* ``values``: strings to mask wherever they occur, as they are and as JSON escapes them (once
  or twice). :meth:`Redaction.including` adds those a request's body holds in the objects
  that hold its secrets (a secret under a misspelt name beside the right one is as secret,
  and the server echoes it before refusing the request). Strings shorter than
  :data:`MIN_VALUE_LENGTH` are masked at their paths only.

Masking errs towards hiding: a value whose end cannot be told is masked up to the end of what
encloses it. Nothing here knows a kind: the per-kind layer says what is secret (the generated
clients' ``secret_paths``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Final

__all__ = ["MASK", "MIN_VALUE_LENGTH", "Redaction"]

#: What a secret is shown as.
MASK: Final = "**********"
#: Secret values shorter than this are not searched for in free text: masking every ``"ab"``
#: of a message would garble it and hide next to nothing.
MIN_VALUE_LENGTH: Final = 4

# A step into every value of a map (``{}`` in a path).
_ANY_KEY: Final = "{}"
# Nothing legitimate nests this deep; bounds the walk over hostile data.
_MAX_DEPTH: Final = 200
# A field error that prints the value it refuses (apimachinery's field.Error).
_FIELD_ERROR = re.compile(r"(?P<field>[\w.\[\]/-]+): (?:Invalid|Unsupported|Duplicate) value: ")
_VALUE_OF_FIELD_ERROR = re.compile(r"(?:Invalid|Unsupported|Duplicate) value: ")
# Go's %#v of a map or slice: the type, then the braces of the value.
_GO_TYPED = re.compile(r"(?:map\[\w+\]|\[\])(?:interface \{\}|[\w.*]+)(?=\{)")

Steps = tuple[str, ...]


@dataclass(frozen=True)
class Redaction:
    """What to mask in an answer (see the module doc). ``values`` never show in its repr."""

    paths: tuple[str, ...] = ()
    values: frozenset[str] = field(default=frozenset(), repr=False)

    def __bool__(self) -> bool:
        return bool(self.paths or self.values)

    def including(self, body: Any) -> Redaction:
        """This redaction plus the secret values ``body`` (a request's JSON body: an object,
        or a JSON patch's operations) holds at :attr:`paths`."""
        if not self.paths or body is None:
            return self
        found = set(self._values_in_body(body))
        return Redaction(self.paths, self.values | found) if found - self.values else self

    def data(self, value: Any) -> Any:
        """``value`` (parsed JSON) with its secrets masked: values at the paths keep their
        shape (lists and mappings, the mappings' keys) with every scalar masked; strings are
        masked as :meth:`text`."""
        return self._masked_data(value, frozenset(), 0)

    def text(self, text: str) -> str:
        """``text`` with its secrets masked (see the module doc)."""
        spans: list[tuple[int, int]] = []
        for chain in self._text_chains:
            _find_chain(text, 0, len(text), chain, spans)
        for match in _FIELD_ERROR.finditer(text):
            if self._is_secret_field(match["field"]):
                spans.append(_value_span(text, match.end(), len(text)))
        spans.extend(_occurrences(text, self._searched_values))
        return _masked_spans(text, spans)

    def field_message(self, field_path: str | None, message: str) -> str:
        """A field error's ``message`` about ``field_path`` (a ``Status`` cause), masked as
        :meth:`text`, and its value too when the field is a secret or inside one."""
        masked = self.text(message)
        if field_path and self._is_secret_field(field_path):
            found = _VALUE_OF_FIELD_ERROR.search(masked)
            if found is not None:
                start, end = _value_span(masked, found.end(), len(masked))
                masked = masked[:start] + MASK + masked[end:]
        return masked

    # -- what is searched ------------------------------------------------------------------

    @cached_property
    def _steps(self) -> tuple[Steps, ...]:
        return tuple(_steps_of(path) for path in self.paths)

    @cached_property
    def _anchors(self) -> frozenset[Steps]:
        """Where a path may start in data that is not the object itself (a ``Status``, an
        echoed part): its suffixes of two steps or more (a single step is too common a name
        to mean the secret alone), the whole path when it has one step."""
        anchors: set[Steps] = set()
        for steps in self._steps:
            if len(steps) == 1:
                anchors.add(steps)
            for start in range(len(steps) - 1):
                if steps[start] != _ANY_KEY:
                    anchors.add(steps[start:])
        return frozenset(anchors)

    @cached_property
    def _text_chains(self) -> tuple[Steps, ...]:
        # In text, map values are found by searching inside the map: the wildcard step goes.
        chains = {tuple(step for step in anchor if step != _ANY_KEY) for anchor in self._anchors}
        return tuple(sorted(chain for chain in chains if chain))

    @cached_property
    def _searched_values(self) -> tuple[str, ...]:
        forms: set[str] = set()
        for value in self.values:
            if len(value) < MIN_VALUE_LENGTH:
                continue
            once = json.dumps(value)[1:-1]
            forms.update((value, once, json.dumps(once)[1:-1]))
        return tuple(sorted(forms, key=len, reverse=True))

    def _is_secret_field(self, field_path: str) -> bool:
        """Whether a field path as the server writes it (``a.b[0].c``, ``a.m[key]``) is a
        secret path or inside one."""
        keys = [key for key in re.split(r"\.|\[[^\]]*\]", field_path) if key]
        for steps in self._steps:
            wanted = [step for step in steps if step != _ANY_KEY]
            if keys[: len(wanted)] == wanted:
                return True
        return False

    # -- data ------------------------------------------------------------------------------

    def _next(
        self, pending: frozenset[Steps], key: str, *, anchored: bool = True
    ) -> frozenset[Steps]:
        """The rests of the paths that go on below ``key``, given those pending above it (and
        with ``anchored``, the paths that may start anywhere). Below a secret, all is."""
        candidates = pending | self._anchors if anchored else pending
        return frozenset(
            rest[1:] if rest else ()
            for rest in candidates
            if not rest or rest[0] in (key, _ANY_KEY)
        )

    def _masked_data(self, value: Any, pending: frozenset[Steps], depth: int) -> Any:
        if depth > _MAX_DEPTH:
            return MASK
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self._masked_data(item, pending, depth + 1) for item in value]
        if not isinstance(value, Mapping):
            return value
        out: dict[Any, Any] = {}
        for key, item in value.items():
            below = self._next(pending, str(key))
            if () in below or (below and _is_scalar(item)):
                out[key] = _hidden(item, depth + 1)
            else:
                out[key] = self._masked_data(item, below, depth + 1)
        return out

    @cached_property
    def _holders(self) -> frozenset[Steps]:
        """Where a request's secrets are taken from: the object holding each secret (a value
        under a misspelt name beside the right one is as secret, and the server echoes it
        before refusing the request), or the secret itself when that object is a top-level
        field such as ``spec``."""
        return frozenset(
            steps[:-1] if len([s for s in steps if s != _ANY_KEY]) >= 3 else steps
            for steps in self._steps
        )

    def _values_in_body(self, body: Any) -> Iterator[str]:
        if isinstance(body, Mapping):
            yield from self._secrets_in(body, self._holders, 0)
            return
        if not isinstance(body, list):
            return
        # A JSON patch: each operation's value sits at its path.
        for operation in body:
            if not isinstance(operation, Mapping) or "value" not in operation:
                continue
            pending = self._holders
            for key in _pointer_keys(operation.get("path")):
                pending = self._next(pending, key, anchored=False)
            yield from self._secrets_in(operation["value"], pending, 0)

    def _secrets_in(self, value: Any, pending: frozenset[Steps], depth: int) -> Iterator[str]:
        if () in pending or (pending and _is_scalar(value)):
            yield from _strings(value, depth)
        elif depth > _MAX_DEPTH or not pending:
            return
        elif isinstance(value, list):
            for item in value:
                yield from self._secrets_in(item, pending, depth + 1)
        elif isinstance(value, Mapping):
            for key, item in value.items():
                yield from self._secrets_in(
                    item, self._next(pending, str(key), anchored=False), depth + 1
                )


def _steps_of(path: str) -> Steps:
    """``a.b[].c{}.d`` -> ``("a", "b", "c", "{}", "d")``: list items are stepped into
    implicitly, map values by the wildcard."""
    steps: list[str] = []
    for part in path.split("."):
        name = part.replace("[]", "").replace("{}", "")
        if name:
            steps.append(name)
        steps.extend(_ANY_KEY for _ in range(part.count("{}")))
    return tuple(steps)


def _pointer_keys(pointer: Any) -> list[str]:
    """The object keys of a JSON pointer (``/spec/connections/0/x``): array indexes and
    ``-`` are list steps, which paths step into implicitly."""
    if not isinstance(pointer, str):
        return []
    keys = [part.replace("~1", "/").replace("~0", "~") for part in pointer.split("/")[1:]]
    return [key for key in keys if not (key.isdigit() or key == "-")]


def _is_scalar(value: Any) -> bool:
    return value is not None and not isinstance(value, Mapping | list)


def _hidden(value: Any, depth: int) -> Any:
    if value is None:
        return None
    if depth > _MAX_DEPTH:
        return MASK
    if isinstance(value, list):
        return [_hidden(item, depth + 1) for item in value]
    if isinstance(value, Mapping):
        return {key: _hidden(item, depth + 1) for key, item in value.items()}
    return MASK


def _strings(value: Any, depth: int) -> Iterator[str]:
    if depth > _MAX_DEPTH:
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, depth + 1)
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item, depth + 1)


# -- text --------------------------------------------------------------------------------------


def _key_pattern(key: str) -> re.Pattern[str]:
    # The key, bare (Go's %v) or quoted with any number of backslashes before its quotes
    # (JSON quoted inside strings), then a colon; not the tail of a longer name (f:key, a.key).
    return re.compile(rf'(?<![\w:./\\-])(?P<quote>\\*")?{re.escape(key)}(?P=quote)?\s*:(?!:)')


_KEY_PATTERNS: dict[str, re.Pattern[str]] = {}


def _find_chain(
    text: str, start: int, end: int, chain: Steps, spans: list[tuple[int, int]], depth: int = 0
) -> None:
    """Add to ``spans`` the values ``chain`` leads to in ``text[start:end]``."""
    pattern = _KEY_PATTERNS.get(chain[0])
    if pattern is None:
        pattern = _KEY_PATTERNS[chain[0]] = _key_pattern(chain[0])
    for match in pattern.finditer(text, start, end):
        level = len(match["quote"]) - 1 if match["quote"] else 0
        value_start, value_end = _value_span(text, match.end(), end, level)
        if len(chain) == 1 or depth > _MAX_DEPTH:
            spans.append((value_start, value_end))
        elif _opens_container(text, value_start - 1):
            _find_chain(text, value_start, value_end, chain[1:], spans, depth + 1)
        else:
            spans.append((value_start, value_end))  # a scalar where its secret's object belongs


def _opens_container(text: str, position: int) -> bool:
    return 0 <= position < len(text) and text[position] in "{["


def _value_span(text: str, position: int, end: int, level: int = 0) -> tuple[int, int]:
    """Where the value starting at ``position`` lies (inside its quotes or brackets: a
    container's span starts right after its opening bracket). A value without a clear end
    runs to the end of what encloses it, or of ``end``."""
    while position < end and text[position] in " \t":
        position += 1
    typed = _GO_TYPED.match(text, position, end)
    if typed is not None:
        position = typed.end()
    elif text.startswith("map[", position):
        position += 3
    if position >= end:
        return position, end
    if text[position] in "{[":
        return position + 1, _closing(text, position + 1, end, level)
    quote = re.compile(r'\\*"').match(text, position, end)
    if quote is not None:
        inner_level = len(quote.group()) - 1
        return quote.end(), _string_end(text, quote.end(), end, inner_level)
    return position, _closing(text, position, end, level)


def _string_end(text: str, position: int, end: int, level: int) -> int:
    """The position of the quote that closes a string quoted at ``level`` (that many
    backslashes before its quotes); ``end`` when none does."""
    while True:
        found = text.find('"', position, end)
        if found < 0:
            return end
        if _backslashes_before(text, found) == level:
            return found - level
        position = found + 1


def _closing(text: str, position: int, end: int, level: int) -> int:
    """The position of the bracket closing the container (or ending the bare value) that
    ``position`` is in; strings quoted at ``level`` are skipped. ``end`` when none does."""
    depth = 0
    while position < end:
        char = text[position]
        if char == '"' and _backslashes_before(text, position) == level:
            position = _string_end(text, position + 1, end, level) + level + 1
            continue
        if char in "{[":
            depth += 1
        elif char in "}]":
            if depth == 0:
                return position
            depth -= 1
        position += 1
    return end


def _backslashes_before(text: str, position: int) -> int:
    count = 0
    while position - count - 1 >= 0 and text[position - count - 1] == "\\":
        count += 1
    return count


def _occurrences(text: str, values: Iterable[str]) -> Iterator[tuple[int, int]]:
    for value in values:
        start = text.find(value)
        while start >= 0:
            yield start, start + len(value)
            start = text.find(value, start + 1)


def _masked_spans(text: str, spans: list[tuple[int, int]]) -> str:
    if not spans:
        return text
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out: list[str] = []
    position = 0
    for start, end in merged:
        out.append(text[position:start])
        out.append(MASK)
        position = end
    out.append(text[position:])
    return "".join(out)
