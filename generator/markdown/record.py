"""What `explainer check` needs of a body, recorded while it converts: the links and images as written and as
the page has them, the HTML written in the Markdown and the inline event handlers, each with its line."""
from __future__ import annotations

import re
import xml.etree.ElementTree as etree

import markdown
from markdown import util
from markdown.inlinepatterns import ReferenceInlineProcessor
from markdown.treeprocessors import Treeprocessor

from ..model import BodyLink, Handler, LinkDefinition, WrittenHtml
from .lines import LineMap

_URL_OF = {"a": "href", "img": "src"}
_PLACEHOLDER = re.compile(util.HTML_PLACEHOLDER % r"(\d+)")
_ESCAPED = re.compile(f"{util.STX}(\\d+){util.ETX}")    # a backslash escape, as Python-Markdown keeps it


def _as_text(value: str) -> str:
    """An attribute value as it is written out: escapes and `&` placeholders back to characters."""
    return _ESCAPED.sub(lambda found: chr(int(found.group(1))), value.replace(util.AMP_SUBSTITUTE, "&"))


class Recorder:
    """Collects one document's links, HTML and handlers (reset with the document)."""

    def __init__(self, lines: LineMap, raw_html: bool):
        self.lines = lines
        self.raw_html = raw_html
        self.reset()

    def reset(self) -> None:
        self.written: dict[etree.Element, str] = {}
        self.handlers: list[Handler] = []
        self.from_definition: set[etree.Element] = set()   # links `[text][label]` made from a definition

    def line_of(self, element: etree.Element) -> int:
        return self.lines.line_of(element) or self.lines.first_line

    def handler_line(self, element: etree.Element) -> int:
        """Where `{: on…= }` is written: a block's attribute list ends its text, an inline element's follows it."""
        if element in self.lines.parsed:
            return self.lines.ends.get(element, self.line_of(element))
        return self.line_of(element)

    def links(self, root: etree.Element) -> tuple[BodyLink, ...]:
        """Every link and image of the finished tree, in order, with the URL the Markdown wrote."""
        found = []
        defined: dict[str, int] = {}
        for definition_line, definition_url in self.lines.definitions:
            defined.setdefault(_as_text(definition_url), definition_line)
        for element in root.iter():
            attribute = _URL_OF.get(element.tag)
            if attribute is None:
                continue
            url = element.get(attribute)
            written = self.written.get(element, url)
            if written is None:
                continue
            # A link made from a `[label]: URL` definition is where its URL is written: the definition.
            line = defined.get(written) if element in self.from_definition else None
            found.append(BodyLink(line or self.line_of(element), element.tag, written,
                                  None if url is None else _as_text(url),
                                  _as_text(element.get("alt", "")) if element.tag == "img" else None))
        return tuple(found)

    def definitions(self) -> tuple[LinkDefinition, ...]:
        return tuple(LinkDefinition(line, _as_text(url)) for line, url in self.lines.definitions)

    def html(self) -> tuple[WrittenHtml, ...]:
        """HTML written in the Markdown: what raw HTML placeholders stand for (fenced code aside), or, with
        raw_html: false, the lines of text that hold a '<'."""
        stash = self.lines.md.htmlStash.rawHtmlBlocks
        found = []
        for line, text in self.lines.marked:
            if not self.raw_html:
                found += [WrittenHtml(line + n, part) for n, part in enumerate(text.split("\n")) if "<" in part]
                continue
            for placeholder in _PLACEHOLDER.finditer(text):
                index = int(placeholder.group(1))
                if self.lines.code_stash <= index < len(stash):
                    before = self.lines.placeholder_lines(text[:placeholder.start()])
                    found.append(WrittenHtml(line + before, str(stash[index])))
        return tuple(found)


class LinkRecorder(Treeprocessor):
    """Before links are filtered and rewritten: the URLs as written, and the `on…` handlers attr_list set."""

    def __init__(self, md: markdown.Markdown, recorder: Recorder):
        super().__init__(md)
        self.recorder = recorder

    def run(self, root: etree.Element) -> None:
        recorder = self.recorder
        for element in root.iter():
            attribute = _URL_OF.get(element.tag)
            if attribute and element.get(attribute) is not None:
                recorder.written[element] = _as_text(element.get(attribute, ""))
            for name in element.attrib:
                if name.lower().startswith("on"):
                    recorder.handlers.append(Handler(recorder.handler_line(element), name))


class _FromDefinition(ReferenceInlineProcessor):
    """Mixed into Python-Markdown's reference link processors: remembers the elements a definition made."""

    recorder: Recorder

    def makeTag(self, href: str, title: str, text: str) -> etree.Element:
        element = super().makeTag(href, title, text)
        self.recorder.from_definition.add(element)
        return element


def install(md: markdown.Markdown, recorder: Recorder) -> None:
    for name in ("reference", "short_reference", "image_reference", "short_image_ref"):
        if name not in md.inlinePatterns:
            continue
        processor = md.inlinePatterns[name]
        if isinstance(processor, ReferenceInlineProcessor):
            # The same processor, with the mixin before its class (its state and pattern are kept).
            processor.__class__ = type(f"Recorded{type(processor).__name__}", (_FromDefinition, type(processor)), {})
            assert isinstance(processor, _FromDefinition)
            processor.recorder = recorder
    # After inline parsing and the lines of inline elements, before typography (7) and the link filters (6.5, 6).
    md.treeprocessors.register(LinkRecorder(md, recorder), "explainer-record-links", 7.6)
