"""The malformed-input corpus: the files in ``corpus/`` and what each must produce.

Each file is one hostile input, starting with comment lines that say what it is:

* ``# why:`` what is wrong with it;
* ``# expect: model`` - the YAML reads, and the model of ``# kind:`` rejects the document with
  a ``ValidationError`` that has an error at ``# loc:`` (dotted; ``(root)`` for the object
  itself; an error whose location starts with it counts) and whose text contains
  ``# names:``;
* ``# expect: yaml`` - :func:`lscsde_sdk.yaml_safety.load_documents` refuses the file with a
  ``YamlInputError`` whose text contains ``# names:`` and the file's name, at the line marked
  ``# <- refused here`` (or ``# line:``; no line when neither is given);
* ``# repeat: TOKEN COUNT "TEXT"`` (optional, repeatable): TOKEN in the file stands for TEXT
  repeated COUNT times, so a 2 MB input needs no 2 MB file.

Files that are not UTF-8 on purpose are read for their comment lines as UTF-16 (when they
start with its byte order mark) or as UTF-8 with replacement characters.
"""

from __future__ import annotations

import codecs
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
MARKER = "# <- refused here"

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class CorpusEntry:
    """One corpus file and its expectations (see the module doc)."""

    path: Path
    why: str
    expect: str
    names: str
    kind: str | None
    loc: Loc | None
    line: int | None
    repeats: tuple[tuple[str, int, str], ...]

    @property
    def name(self) -> str:
        return self.path.stem

    def source(self) -> bytes | Path:
        """What to give ``load_documents``: the path, or the expanded bytes with repeats."""
        if not self.repeats:
            return self.path
        data = self.path.read_bytes()
        for token, count, text in self.repeats:
            data = data.replace(token.encode(), (text * count).encode())
        return data


def _text_of(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    return data.decode("utf-8", "replace")


def _loc(text: str) -> Loc:
    if text == "(root)":
        return ()
    return tuple(int(step) if step.isdigit() else step for step in text.split("."))


def read_entry(path: Path) -> CorpusEntry:
    text = _text_of(path.read_bytes())
    fields: dict[str, str] = {}
    repeats: list[tuple[str, int, str]] = []
    for line in text.splitlines():
        if not line.startswith("# ") or ": " not in line:
            break
        key, value = line[2:].split(": ", 1)
        if key == "repeat":
            token, count, literal = value.split(" ", 2)
            repeats.append((token, int(count), json.loads(literal)))
        else:
            fields[key] = value
    marked = [number for number, line in enumerate(text.splitlines(), 1) if MARKER in line]
    line = int(fields["line"]) if "line" in fields else (marked[0] if marked else None)
    expect = fields["expect"]
    if expect not in ("model", "yaml"):
        raise ValueError(f"{path.name}: expect is model or yaml, not {expect!r}")
    return CorpusEntry(
        path=path,
        why=fields["why"],
        expect=expect,
        names=fields["names"],
        kind=fields.get("kind"),
        loc=_loc(fields["loc"]) if "loc" in fields else None,
        line=line,
        repeats=tuple(repeats),
    )


@cache
def corpus() -> tuple[CorpusEntry, ...]:
    """Every corpus entry, by file name."""
    return tuple(read_entry(path) for path in sorted(CORPUS_DIR.glob("*.yaml")))


def model_entries() -> list[CorpusEntry]:
    return [entry for entry in corpus() if entry.expect == "model"]


def yaml_entries() -> list[CorpusEntry]:
    return [entry for entry in corpus() if entry.expect == "yaml"]
