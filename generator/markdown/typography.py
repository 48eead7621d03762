"""Curly quotes, dashes and ellipses for a fraction of what Python-Markdown's `smarty` costs."""
from __future__ import annotations

import xml.etree.ElementTree as etree

from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString

from .punctuation import smarten_after

_SKIP_TAGS = frozenset({"code", "pre", "kbd", "samp", "script", "style", "math", "svg"})


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
            element.text, prev = smarten_after(element.text, prev)
        elif element.text:
            prev = element.text[-1]
        for child in element:
            prev = self._walk(child, prev)
            if child.tail:
                child.tail, prev = smarten_after(child.tail, prev)
        return prev
