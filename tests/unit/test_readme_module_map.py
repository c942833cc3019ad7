"""The README's module map names modules that exist, and every public module of lscsde_sdk."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"


def _section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text.split("## Module map\n", 1)[1].split("\n## ", 1)[0]


def _bullets() -> list[str]:
    # One entry per bullet, its continuation lines joined; parentheses are remarks.
    bullets = re.split(r"\n\s*- ", "\n" + _section())
    remarks = re.compile(r"\([^()]*\)")
    cleaned = []
    for bullet in bullets:
        while remarks.search(bullet):
            bullet = remarks.sub("", bullet)
        cleaned.append(" ".join(bullet.split()))
    return cleaned


def _exists(dotted: str) -> bool:
    path = SRC.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _named_modules() -> set[str]:
    named: set[str] = set()
    for bullet in _bullets():
        names = re.findall(r"`([^`]+)`", bullet)
        dotted = [
            name for name in names if re.fullmatch(r"lscsde_(sdk|workspace_mgmt)[\w.]*", name)
        ]
        named.update(dotted)
        # "`lscsde_sdk.core`: `transport`, `retry`, ...": bare names are that package's modules.
        heading = re.match(r"`(lscsde_sdk\.\w+)`: ", bullet)
        if heading:
            named.update(
                f"{heading.group(1)}.{name}" for name in names if re.fullmatch(r"[a-z_]+", name)
            )
    return named


def test_every_module_the_map_names_exists() -> None:
    named = _named_modules()
    assert "lscsde_sdk.core.transport" in named  # the map's submodule lists are read
    assert sorted(name for name in named if not _exists(name)) == []
    for path in re.findall(r"`([\w/*.]+/[\w*.]*)`", _section()):
        assert list(ROOT.glob(path)), path


def test_the_map_names_every_public_module_of_the_sdk() -> None:
    public = {
        f"lscsde_sdk.{path.stem if path.suffix else path.name}"
        for path in (SRC / "lscsde_sdk").iterdir()
        if not path.name.startswith("_")
        and (path.suffix == ".py" or (path / "__init__.py").is_file())
    }
    assert sorted(public - _named_modules()) == []
