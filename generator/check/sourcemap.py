"""Where things are in an explainer's source file: front matter keys, Markdown blocks and URLs, by line."""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import yamlfile
from ..content.load import split_front_matter
from ..markdown.sections import normalise_label

_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_ITEM = re.compile(r"^\s*(?:[-*+]|\d{1,9}[.)])\s+")
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_LEAD_IN = re.compile(r"^(\*\*|__)(.+?)\1(:?)")
_URLS = re.compile(r"""\]\(\s*<?([^)\s>]+)            # [text](url) and ![alt](url)
                   |^\s{0,3}\[[^\]]+\]:\s*<?([^\s>]+)  # [ref]: url
                   |<((?:https?|mailto):[^>\s]+)>      # <https://autolink>
                   |\b(?:href|src)\s*=\s*["']([^"']+)   # raw HTML""", re.X)
_CODE_SPAN = re.compile(r"(`+).+?\1")
_MARKUP = (
    (re.compile(r"!\[[^\]]*\]\([^)]*\)"), " "),               # images are not words
    (re.compile(r"\[([^\]]*)\]\([^)]*\)"), r"\1"),            # [text](url) → text
    (re.compile(r"\[([^\]]*)\]\[[^\]]*\]"), r"\1"),           # [text][ref] → text
    (re.compile(r"<[^>]+>"), " "),                            # inline HTML tags
    (re.compile(r"[*_`~]+"), ""),                             # emphasis and code marks
)


@dataclass(frozen=True)
class Block:
    """A paragraph, list item, heading, table, quote or code block of the body, with its first line."""
    line: int
    kind: str
    text: str

    @property
    def lead_in(self) -> str | None:
        """The bold lead-in ending in ':' (`**The big picture:**`) or a heading's text; None otherwise."""
        if self.kind == "heading":
            return self.text
        match = _LEAD_IN.match(self.text) if self.kind == "paragraph" else None
        if match and (match.group(2).rstrip().endswith(":") or match.group(3)):
            return match.group(2).strip().rstrip(":").strip()
        return None

    def words(self) -> int:
        """Words as the reader sees them, without a bold lead-in label."""
        text = self.text
        if self.lead_in is not None and self.kind == "paragraph":
            text = _LEAD_IN.sub("", text, count=1)
        for pattern, replacement in _MARKUP:
            text = pattern.sub(replacement, text)
        return len(text.split())


@dataclass(frozen=True)
class SourceText:
    path: Path
    lines: tuple[str, ...]   # lines[0] is line 1
    data: dict               # the front matter, keeping key lines
    first_line: int          # file line of the first front matter line
    body_line: int           # file line where the Markdown body starts

    @classmethod
    def read(cls, path: Path) -> SourceText:
        text = yamlfile.read_text(path)
        front = split_front_matter(text, path)
        lines = text.lstrip("\ufeff").replace("\r\n", "\n").split("\n")
        return cls(path, tuple(lines), front.data, front.first_line, front.body_line)

    def line_of(self, *keys: Any) -> int:
        """File line of a front matter key, or of a nested one: line_of("image", "credit")."""
        data, line = self.data, self.first_line
        for key in keys:
            if not isinstance(data, dict) or key not in data:
                break
            line = yamlfile.line_of(data, key, self.first_line)
            data = data[key]
        return line

    def blocks(self) -> list[Block]:
        return list(_blocks(self.lines, self.body_line))

    def urls(self) -> Iterator[tuple[int, str]]:
        """(line, URL as written) of every link and image in the body, in order."""
        for number in range(self.body_line, len(self.lines) + 1):
            for match in _URLS.finditer(self.lines[number - 1]):
                yield number, next(group for group in match.groups() if group)

    def markup(self) -> Iterator[tuple[int, str]]:
        """(line, text) of each body line that is not code: fenced blocks are skipped, `code spans` blanked."""
        fence = ""
        for number in range(self.body_line, len(self.lines) + 1):
            line = self.lines[number - 1]
            opened = _FENCE.match(line)
            if fence:
                fence = "" if line.strip().startswith(fence) else fence
            elif opened:
                fence = opened.group(1)
            else:
                yield number, _CODE_SPAN.sub(lambda found: " " * len(found.group()), line)

    def find(self, text: str, start: int | None = None) -> int | None:
        """First line at or after `start` (default: the body) that contains `text`."""
        for number in range(start or self.body_line, len(self.lines) + 1):
            if text in self.lines[number - 1]:
                return number
        return None


def _blocks(lines: tuple[str, ...], first: int) -> Iterator[Block]:
    kind: str | None = None
    start, fence = 0, ""
    text: list[str] = []
    for number in range(first, len(lines) + 1):
        line = lines[number - 1]
        if fence:
            if line.strip().startswith(fence):
                fence = ""
            continue
        fenced, heading, item = _FENCE.match(line), _HEADING.match(line), _ITEM.match(line)
        if fenced or heading or item or not line.strip():
            if kind:
                yield Block(start, kind, " ".join(text))
            kind, text = None, []
        if fenced:
            fence = fenced.group(1)
            yield Block(number, "code", "")
        elif heading:
            yield Block(number, "heading", heading.group(2))
        elif item:
            kind, start, text = "item", number, [line[item.end():].strip()]
        elif line.strip() and kind:
            text.append(line.strip())
        elif line.strip():
            kind, start, text = _kind_of(line), number, [line.strip()]
    if kind:
        yield Block(start, kind, " ".join(text))


def _kind_of(line: str) -> str:
    stripped = line.lstrip()
    if stripped.startswith(">"):
        return "quote"
    if stripped.startswith("|"):
        return "table"
    if stripped.startswith("<"):
        return "html"
    return "paragraph"


def is_axiom(label: str, vocabulary: frozenset[str]) -> bool:
    return normalise_label(label) in vocabulary
