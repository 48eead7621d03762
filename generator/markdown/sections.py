"""Markdown → lede + Smart Brevity sections, through a Python-Markdown extension."""
from __future__ import annotations

import html as htmllib
import posixpath
import re
import xml.etree.ElementTree as etree
from collections.abc import Callable, Iterable
from urllib.parse import unquote, urlsplit

import markdown
from markdown.extensions import Extension
from markdown.extensions.attr_list import AttrListExtension
from markdown.extensions.fenced_code import FencedCodeExtension
from markdown.extensions.footnotes import FootnoteExtension
from markdown.extensions.sane_lists import SaneListExtension
from markdown.extensions.tables import TableExtension
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup, escape

from ..errors import ExplainerError
from ..model import Block, Body, BodyLink, Outline, Section
from . import lines as source_lines
from . import record
from .axioms import DEFAULT_AXIOMS as DEFAULT_AXIOMS  # the label table lives in axioms; kept importable here
from .axioms import axiom_slug, normalise_label, vocabulary
from .embeds import EmbedExtension, EmbedFinder
from .lines import LineMap
from .media import PICTURE_ATTRIBUTE, local_target, picture_marker, raw_references
from .providers import PROVIDERS, Provider
from .pruning import Pruner
from .pullquotes import PullQuoteExtension
from .record import Recorder
from .typography import TypographyTreeprocessor

BODY_FORMAT = 6      # bump when the HTML a body converts to changes, so cached bodies are converted again
MARKDOWN_EXTENSIONS = ("tables", "fenced_code", "footnotes", "attr_list", "sane_lists")
# The same five as classes: given a name, Python-Markdown first reads every installed package's entry points.
_ALWAYS: dict[str, type[Extension]] = {"tables": TableExtension, "fenced_code": FencedCodeExtension,
                                       "footnotes": FootnoteExtension, "attr_list": AttrListExtension,
                                       "sane_lists": SaneListExtension}
_SPLIT = "\x02explainer-split\x03"          # STX/ETX never survive from the source text
_PERMALINK = "\x02explainer-permalink\x03"
_STASH = re.compile(r"\x02[^\x03]*\x03")
_HEADINGS = frozenset({"h2", "h3", "h4"})
# Link and image targets that run code or smuggle a document in: removed from what Markdown writes.
UNSAFE_SCHEMES = frozenset({"javascript", "vbscript", "data"})
_URL_ATTRIBUTES = ("href", "src", "action", "formaction", "poster", "xlink:href")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):", re.IGNORECASE)
_URL_WHITESPACE = re.compile(r"[\t\n\r]")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_ONLY_PLACEHOLDER = re.compile(r"\s*\x02wzxhzdk:(\d+)\x03\s*")   # a paragraph that is a stashed block
_BLOCK_KINDS = {"p": "paragraph", "blockquote": "quote", "table": "table", "pre": "code", "hr": "rule",
                **{f"h{level}": "heading" for level in range(1, 7)}}
# content-relative path → (width, height), None when unknown; raises ExplainerError for a broken picture
ImageSizer = Callable[[str], "tuple[int, int] | None"]


def bold_lead_in(element: etree.Element) -> tuple[etree.Element, str] | None:
    """A paragraph's bold lead-in ending in ':' (`**Label:** …` or `**Label**: …`): the bold element and its
    text; None for any other element."""
    if element.tag != "p" or (element.text or "").strip() or not len(element):
        return None
    lead = element[0]
    if lead.tag not in ("strong", "b"):
        return None
    text = "".join(lead.itertext()).strip()
    if not text.endswith(":") and not (lead.tail or "").startswith(":"):
        return None
    return lead, text


class SectionSplitter(Treeprocessor):
    """Wraps the lede and each section in its own element, separated so `convert` can cut them apart; records
    the body's blocks and where each section starts (check reads them: one definition of a section start)."""

    def __init__(self, md: markdown.Markdown, vocabulary: dict[str, str], lines: LineMap):
        super().__init__(md)
        self.vocabulary = vocabulary    # normalised label → axiom key
        self.lines = lines
        self.sections: list[tuple[str, int, int]] = []    # (label, words, line) per section, in order
        self.blocks: list[Block] = []
        self.lede_text = ""

    def run(self, root: etree.Element) -> None:
        lede = etree.Element("div")
        groups: list[tuple[str | None, etree.Element, int]] = [(None, lede, 0)]
        self.blocks = []
        for child in list(root):
            lead_in = bold_lead_in(child)
            label = self.axiom_label(child, lead_in)
            if label is not None:
                groups.append((label, etree.Element("section"), self._line_of(child)))
            self.blocks.extend(self._blocks_of(child, lead_in))
            groups[-1][1].append(child)
            root.remove(child)
        self.sections = []
        for label, wrapper, line in groups:
            wrapper.tail = _SPLIT
            root.append(wrapper)
            if label is None:
                self.lede_text = plain_text(wrapper)
            else:
                self.sections.append((label, count_words(plain_text(wrapper)), line))
        for _, wrapper, _ in groups[1:]:
            mark_permalink_place(wrapper)

    def axiom_label(self, element: etree.Element, found: tuple[etree.Element, str] | None) -> str | None:
        """The label when `element` starts a section: a bold lead-in ending in ':' (`found`: its
        `bold_lead_in`) or a heading."""
        if found is not None:
            lead, text = found
            if normalise_label(text) in self.vocabulary:
                if not text.endswith(":"):        # `**Label**: text` → the colon moves inside the label
                    lead.tail = (lead.tail or "")[1:]
                    if len(lead):
                        lead[-1].tail = (lead[-1].tail or "") + ":"
                    else:
                        lead.text = (lead.text or "") + ":"
                lead.set("class", "axiom-label")
                return text.rstrip(":").strip()
            return None
        if element.tag in _HEADINGS:
            text = "".join(element.itertext()).strip()
            if normalise_label(text) in self.vocabulary:
                element.set("class", "axiom-label")
                return text.rstrip(":").strip()
        return None

    def _line_of(self, element: etree.Element) -> int:
        return self.lines.line_of(element) or self.lines.first_line

    def _blocks_of(self, element: etree.Element, found: tuple[etree.Element, str] | None) -> list[Block]:
        """The blocks a top-level element holds: itself, or each item of a list."""
        line = self._line_of(element)
        if element.tag in ("ul", "ol"):
            return [Block(self._line_of(item), "item", count_words(_own_text(item))) for item in element.iter("li")]
        kind = _BLOCK_KINDS.get(element.tag, "other")
        if kind == "heading":
            text = plain_text(element)
            return [Block(line, kind, count_words(text), text)]
        if kind == "paragraph":
            stashed = _ONLY_PLACEHOLDER.fullmatch(element.text or "") if not len(element) else None
            if stashed:     # fenced code or an HTML block, kept aside until the page is written
                return [Block(line, "code" if int(stashed.group(1)) < self.lines.code_stash else "html", 0)]
            if found is not None:
                lead, label = found
                text = "".join(element.itertext())[len("".join(lead.itertext())):].lstrip().removeprefix(":")
                return [Block(line, kind, count_words(_STASH.sub(" ", text)), label.rstrip(":").strip())]
        # Words are counted where a length rule reads them (paragraphs and quotes); elsewhere they are 0.
        return [Block(line, kind, _words(element) if kind in ("paragraph", "quote") else 0)]


def unique_ids(labels: Iterable[str]) -> list[str]:
    """Section ids in order: the axiom slug, then `-2`, `-3`… when a label comes back."""
    used: dict[str, int] = {}
    ids = []
    for label in labels:
        axiom = axiom_slug(label)
        used[axiom] = used.get(axiom, 0) + 1
        ids.append(axiom if used[axiom] == 1 else f"{axiom}-{used[axiom]}")
    return ids


def mark_permalink_place(section: etree.Element) -> None:
    """Marks the spot right after the section's label where the page puts its permalink.

    A bold lead-in's spot is inside its paragraph, after the `<strong>`; a heading's is after the heading,
    so the heading's accessible name stays the label alone. `Converter.convert` turns the mark into the
    link for `Section.html_with_permalink` and drops it from `Section.html`.
    """
    label = section[0]
    if label.tag == "p":
        lead = label[0]
        lead.tail = _PERMALINK + (lead.tail or "")
    else:
        label.tail = _PERMALINK + (label.tail or "")


def permalink(label: str, section_id: str) -> Markup:
    # escape() and an f-string: what Markup.format does, for a tenth of its cost (string.Formatter)
    return Markup(f'<a class="permalink" href="#{escape(section_id)}" aria-label="Link to this section: '
                  f'{escape(label)}">#</a>')


class UrlRewriter(Treeprocessor):
    """Makes relative links and images work from the page's URL, and turns links to .md files into page links.

    Local images also get their pixel `width` and `height` (when `size_of` can read the file), so the
    page does not shift as they load, and `loading="lazy"`. A picture it can read is noted in `pictures`
    and marked (the page shows it through the theme's picture markup); local links are noted in `links`.
    """

    def __init__(self, md: markdown.Markdown, lines: LineMap):
        super().__init__(md)
        self.lines = lines
        self.source_dir = ""   # folder of the .md file, relative to the content folder ('' = top)
        self.page_dir = ""     # folder of the built page, relative to the site root
        self.size_of: ImageSizer | None = None
        self.image_errors: list[tuple[int, ExplainerError]] = []   # (line of the image, what is wrong with it)
        self.pictures: list[str] = []     # content-relative files shown as pictures, by marker number
        self.links: list[str] = []        # content-relative targets of local links

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            attribute = {"a": "href", "img": "src"}.get(element.tag)
            value = element.get(attribute, "") if attribute else ""
            if attribute and value:
                if element.tag == "img":
                    self.add_size(element)
                else:
                    target = local_target(value, self.source_dir)
                    if target:
                        self.links.append(target)
                element.set(attribute, self.rewrite(value))

    def add_size(self, img: etree.Element) -> None:
        src = img.get("src", "")
        parts = urlsplit(src)
        if self.size_of is None or parts.scheme or parts.netloc or parts.path.startswith("/"):
            return
        target = posixpath.normpath(posixpath.join(self.source_dir, unquote(parts.path)))
        try:
            size = None if target.startswith("..") else self.size_of(target)
        except ExplainerError as err:
            self.image_errors.append((self.lines.line_of(img) or self.lines.first_line, err))
            size = None
        if size and not (img.get("width") or img.get("height")):
            img.set("width", str(size[0]))
            img.set("height", str(size[1]))
        img.set("loading", img.get("loading") or "lazy")
        if size:
            img.set(PICTURE_ATTRIBUTE, picture_marker(len(self.pictures)))
            self.pictures.append(target)

    def rewrite(self, url: str) -> str:
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or not parts.path or parts.path.startswith("/"):
            return url
        target = posixpath.normpath(posixpath.join(self.source_dir, parts.path))
        if target.endswith("/index.md"):
            target = target[: -len("index.md")]
        elif target.endswith(".md"):
            target = target[: -len(".md")] + "/"
        elif parts.path.endswith("/") and not target.endswith("/"):
            target += "/"
        if target == self.page_dir + "/" and parts.fragment:
            new = ""
        else:
            new = posixpath.relpath(target, self.page_dir or ".")
            if target.endswith("/") and not new.endswith("/"):
                new += "/"
        if parts.query:
            new += "?" + parts.query
        if parts.fragment:
            new += "#" + parts.fragment
        return new


def url_scheme(url: str) -> str | None:
    """The scheme a browser reads in an href or src, lowercase: entities decoded (`&#106;avascript:`), tabs
    and line breaks dropped, leading spaces and control characters ignored, as browsers do. None: relative."""
    text = _URL_WHITESPACE.sub("", htmllib.unescape(url)).lstrip("".join(map(chr, range(33))))
    found = _SCHEME.match(text)
    return found.group(1).lower() if found else None


class UnsafeUrlFilter(Treeprocessor):
    """Removes javascript:, vbscript: and data: targets from the links and images Markdown makes (the text of
    the link stays); with raw HTML off, also the `on…` event handlers that attr_list (`{: onclick=…}`) can set.

    Raw HTML written in the Markdown is not in this tree: it is passed as written, or escaped (`raw_html`).
    """

    def __init__(self, md: markdown.Markdown, raw_html: bool):
        super().__init__(md)
        self.raw_html = raw_html

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            for name in list(element.attrib):
                value = element.attrib[name]
                if name in _URL_ATTRIBUTES and url_scheme(value) in UNSAFE_SCHEMES:
                    del element.attrib[name]
                elif not self.raw_html and name.lower().startswith("on"):
                    del element.attrib[name]


class CommentRemover(Preprocessor):
    """With raw HTML off, HTML comments (notes between editors) are still left out, not shown as text."""

    def run(self, lines: list[str]) -> list[str]:
        text = _COMMENT.sub(lambda found: "\n" * found.group().count("\n"), "\n".join(lines))
        return text.split("\n")


class _Finish(Treeprocessor):
    """Last of all, when every URL is what the page will have: the links and images, for the record."""

    def __init__(self, md: markdown.Markdown, recorder: Recorder):
        super().__init__(md)
        self.recorder = recorder
        self.links: tuple[BodyLink, ...] = ()

    def run(self, root: etree.Element) -> None:
        self.links = self.recorder.links(root)


class SmartBrevityExtension(Extension):
    def __init__(self, axioms: tuple[str, ...] = (), raw_html: bool = True):
        super().__init__()
        self.vocabulary = vocabulary(tuple(axioms))
        self.raw_html = raw_html

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        self.lines = LineMap(md)
        self.recorder = Recorder(self.lines, self.raw_html)
        source_lines.install(md, self.lines)
        record.install(md, self.recorder)
        md.treeprocessors.register(_Finish(md, self.recorder), "explainer-record-finish", -100)
        if not self.raw_html:
            # Without these, `<script>` and `<b onclick=…>` are plain text, escaped like any other.
            md.preprocessors.deregister("html_block")
            md.inlinePatterns.deregister("html")
            md.preprocessors.register(CommentRemover(md), "explainer-comments", 20)   # after fenced code
        # After inline parsing (priority 20), before unescaping (0): bold lead-ins exist as <strong>.
        md.treeprocessors.register(TypographyTreeprocessor(md), "explainer-typography", 7)
        md.treeprocessors.register(UnsafeUrlFilter(md, self.raw_html), "explainer-unsafe-urls", 6.5)
        md.treeprocessors.register(UrlRewriter(md, self.lines), "explainer-urls", 6)
        # Before toc (5) puts a permalink into headings, so a heading is still its label alone.
        md.treeprocessors.register(SectionSplitter(md, self.vocabulary, self.lines), "explainer-sections", 5.5)


class Converter:
    """One Markdown instance, reset between documents (building it costs more than converting).

    `raw_html=False` (site.yml `raw_html: false`) shows HTML written in the Markdown as text; `extensions`
    (site.yml `markdown_extensions`) are more Python-Markdown extensions with their options, or options for
    the ones always used (MARKDOWN_EXTENSIONS), in the form site.yml's validation leaves them; `embeds` are the
    providers whose addresses become embeds (markdown/providers.py, with site.yml's `embeds:`). `prune=False`
    converts every document with all of Python-Markdown's processors (markdown/pruning.py), as the tests'
    reference.
    """

    def __init__(self, axioms: tuple[str, ...] = (), raw_html: bool = True,
                 extensions: tuple[tuple[str, dict], ...] = (), embeds: tuple[Provider, ...] = PROVIDERS,
                 prune: bool = True):
        extension = SmartBrevityExtension(axioms, raw_html)
        options = {name: dict(given) for name, given in extensions}
        always = [_ALWAYS[name](**options.pop(name, {})) for name in MARKDOWN_EXTENSIONS]
        self.md = markdown.Markdown(extensions=[*always, *options, extension, EmbedExtension(embeds),
                                                PullQuoteExtension()], output_format="html",
                                    extension_configs=options)
        splitter, urls = self.md.treeprocessors["explainer-sections"], self.md.treeprocessors["explainer-urls"]
        finish, finder = self.md.treeprocessors["explainer-record-finish"], self.md.treeprocessors["explainer-embeds"]
        assert isinstance(splitter, SectionSplitter) and isinstance(urls, UrlRewriter)   # registered above
        assert isinstance(finish, _Finish) and isinstance(finder, EmbedFinder)
        self.splitter, self.urls, self.finish, self.embeds = splitter, urls, finish, finder
        self.lines, self.recorder = extension.lines, extension.recorder
        finder.lines = self.lines
        self.pruner = Pruner(self.md, prune)
        self.axioms = tuple(axioms)
        self.raw_html = raw_html
        self.extensions = tuple(extensions)
        self.providers = tuple(embeds)
        # Part of every body's cache key: a change to any of these converts the bodies again.
        self.settings_key = repr((BODY_FORMAT, MARKDOWN_EXTENSIONS, sorted(self.splitter.vocabulary.items()),
                                  raw_html, self.providers) + ((self.extensions,) if self.extensions else ()))

    def convert(self, text: str, source_dir: str = "", page_dir: str = "",
                size_of: ImageSizer | None = None, first_line: int = 1) -> Body:
        """The body of an explainer; `first_line` is the file line the text starts on (for the outline)."""
        self.pruner.reset(text)     # md.reset(), and the processors this text can need
        self.lines.reset(first_line)
        self.recorder.reset()
        self.urls.source_dir, self.urls.page_dir = source_dir, page_dir
        self.urls.size_of = size_of
        self.urls.image_errors, self.urls.pictures, self.urls.links = [], [], []
        html = self.md.convert(text)
        raw = [block for block in self.md.htmlStash.rawHtmlBlocks if isinstance(block, str)]
        links = self.urls.links + raw_references(raw, page_dir)
        parts = html.split(_SPLIT)
        lede_html = _unwrap(parts[0], "div")
        ids = unique_ids(label for label, _, _ in self.splitter.sections)
        sections = []
        for (label, words, line), part, section_id in zip(self.splitter.sections, parts[1:], ids):
            inner = _unwrap(part.strip(), "section")
            sections.append(Section(
                label=label, axiom=axiom_slug(label), id=section_id, words=words,
                key=self.splitter.vocabulary[normalise_label(label)],
                html=Markup(inner.replace(_PERMALINK, "")),
                html_with_permalink=Markup(inner.replace(_PERMALINK, permalink(label, section_id), 1)),
                line=line))
        lede_text = self.splitter.lede_text
        words = count_words(lede_text) + sum(s.words for s in sections)
        outline = Outline(first_line, tuple(self.splitter.blocks), self.finish.links, self.recorder.definitions(),
                          self.recorder.html(), tuple(self.recorder.handlers))
        return Body(lede_html=Markup(lede_html), lede_text=lede_text, sections=tuple(sections), words=words,
                    outline=outline, embeds=tuple(self.embeds.embeds), pictures=tuple(self.urls.pictures),
                    links=tuple(dict.fromkeys(links)))


def _unwrap(html: str, tag: str) -> str:
    html = html.strip()
    opening, closing = f"<{tag}>", f"</{tag}>"
    if html.startswith(opening) and html.endswith(closing):
        html = html[len(opening):-len(closing)]
    elif html == f"<{tag} />" or html == f"<{tag}></{tag}>":
        html = ""
    return html.strip("\n")


def _words(element: etree.Element) -> int:
    """count_words(plain_text(element)), in one pass."""
    text = "".join(element.itertext())
    return len((_STASH.sub(" ", text) if "\x02" in text else text).split())


def _own_text(item: etree.Element) -> str:
    """A list item's words, those of the lists nested in it left out."""
    parts = [item.text or ""]
    for child in item:
        if child.tag not in ("ul", "ol"):
            parts.extend(child.itertext())
        parts.append(child.tail or "")
    return _STASH.sub(" ", "".join(parts))


def plain_text(element: etree.Element) -> str:
    return " ".join(_STASH.sub(" ", "".join(element.itertext())).split())


def count_words(text: str) -> int:
    return len(text.split())
