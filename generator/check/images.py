"""The images/size rule, for hero images (the copy desk) and images in the body (links)."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..problems import Problem
from .findings import CheckSettings, finding


def size_findings(path: Path, name: str, source: Path | str, line: int | None,
                  settings: CheckSettings) -> Iterator[Problem]:
    size = path.stat().st_size
    if size > settings.image_kb * 1000:
        yield finding(source, line, "images/size",
                      f"{name} is {size / 1e6:.1f} MB, over {settings.image_kb / 1000:g} MB "
                      "(resize or compress it: readers on phones download every byte)")
