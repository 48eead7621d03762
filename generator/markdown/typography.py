"""Curly quotes, dashes and ellipses for a fraction of what Python-Markdown's `smarty` costs."""
from __future__ import annotations

import re
import xml.etree.ElementTree as etree

from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString

_SKIP_TAGS = frozenset({"code", "pre", "kbd", "samp", "script", "style", "math", "svg"})
_DASHES = re.compile(r"---|--|\.\.\.")
_DASH_MAP = {"---": "\u2014", "--": "\u2013", "...": "\u2026"}
_QUOTE_OR_STASH = re.compile(r"[\"']|\x02[^\x03]*\x03")
# After these (or at the start of a block) a quote opens; after anything else it closes.
_OPENERS = frozenset(" \t\n\r([{<\u2014\u2013-/\u00a0\u201c\u2018")


def smarten(text: str, prev: str = " ") -> str:
    """Typographic punctuation for plain text; `prev` is the character before `text`."""
    return _smarten(text, prev)[0]


def _smarten(text: str, prev: str) -> tuple[str, str]:
    if not text:
        return text, prev
    if "-" in text or "." in text:
        text = _DASHES.sub(lambda m: _DASH_MAP[m.group()], text)
    if '"' not in text and "'" not in text:
        return text, text[-1]
    out = []
    last = 0
    for match in _QUOTE_OR_STASH.finditer(text):
        start = match.start()
        mark = match.group()
        if len(mark) > 1:       # a stashed placeholder (escaped character, inline HTML): leave it
            continue
        before = text[start - 1] if start else prev
        after = text[start + 1] if start + 1 < len(text) else " "
        out.append(text[last:start])
        opening = before in _OPENERS
        if mark == '"':
            out.append("\u201c" if opening else "\u201d")
        elif opening and not after.isdigit():
            out.append("\u2018")
        else:
            out.append("\u2019")   # apostrophe, closing quote, or '90s
        last = start + 1
    out.append(text[last:])
    return "".join(out), text[-1]


class TypographyTreeprocessor(Treeprocessor):
    """Walks text in document order so a quote after `</em>` knows what came before it."""

    def run(self, root: etree.Element) -> None:
        for block in root:
            self._walk(block, " ")

    def _walk(self, element: etree.Element, prev: str) -> str:
        if element.tag in _SKIP_TAGS:
            text = "".join(element.itertext())
            return text[-1] if text else prev
        if element.text and not isinstance(element.text, AtomicString):
            element.text, prev = _smarten(element.text, prev)
        elif element.text:
            prev = element.text[-1]
        for child in element:
            prev = self._walk(child, prev)
            if child.tail:
                child.tail, prev = _smarten(child.tail, prev)
        return prev
