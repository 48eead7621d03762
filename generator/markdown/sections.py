"""Markdown → lede + Smart Brevity sections, through a Python-Markdown extension."""
from __future__ import annotations

import html as htmllib
import posixpath
import re
import xml.etree.ElementTree as etree
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import markdown
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup

from ..errors import ExplainerError
from ..model import Body, Section
from .axioms import DEFAULT_AXIOMS as DEFAULT_AXIOMS  # the label table lives in axioms; kept importable here
from .axioms import axiom_slug, normalise_label, vocabulary
from .typography import TypographyTreeprocessor

BODY_FORMAT = 5      # bump when the HTML a body converts to changes, so cached bodies are converted again
MARKDOWN_EXTENSIONS = ("tables", "fenced_code", "footnotes", "attr_list", "sane_lists")
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
# content-relative path → (width, height), None when unknown; raises ExplainerError for a broken picture
ImageSizer = Callable[[str], "tuple[int, int] | None"]


@dataclass(frozen=True)
class _Found:
    label: str
    element: etree.Element


class SectionSplitter(Treeprocessor):
    """Wraps the lede and each section in its own element, separated so `convert` can cut them apart."""

    def __init__(self, md: markdown.Markdown, vocabulary: dict[str, str]):
        super().__init__(md)
        self.vocabulary = vocabulary    # normalised label → axiom key
        self.sections: list[tuple[str, int]] = []    # (label, words) per section, in order
        self.lede_text = ""

    def run(self, root: etree.Element) -> None:
        lede = etree.Element("div")
        groups: list[tuple[str | None, etree.Element]] = [(None, lede)]
        for child in list(root):
            label = self.axiom_label(child)
            if label is not None:
                groups.append((label, etree.Element("section")))
            groups[-1][1].append(child)
            root.remove(child)
        self.sections = []
        for label, wrapper in groups:
            wrapper.tail = _SPLIT
            root.append(wrapper)
            if label is None:
                self.lede_text = plain_text(wrapper)
            else:
                self.sections.append((label, count_words(plain_text(wrapper))))
        for _, wrapper in groups[1:]:
            mark_permalink_place(wrapper)

    def axiom_label(self, element: etree.Element) -> str | None:
        """The label when `element` starts a section: a bold lead-in ending in ':' or a heading."""
        if element.tag == "p" and not (element.text or "").strip() and len(element):
            lead = element[0]
            if lead.tag not in ("strong", "b"):
                return None
            text = "".join(lead.itertext()).strip()
            if not text.endswith(":") and not (lead.tail or "").startswith(":"):
                return None
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
    return Markup('<a class="permalink" href="#{}" aria-label="Link to this section: {}">#</a>').format(
        section_id, label)


class UrlRewriter(Treeprocessor):
    """Makes relative links and images work from the page's URL, and turns links to .md files into page links.

    Local images also get their pixel `width` and `height` (when `size_of` can read the file), so the
    page does not shift as they load, and `loading="lazy"`.
    """

    def __init__(self, md: markdown.Markdown | None):   # None: check rewrites URLs without a converter
        super().__init__(md)
        self.source_dir = ""   # folder of the .md file, relative to the content folder ('' = top)
        self.page_dir = ""     # folder of the built page, relative to the site root
        self.size_of: ImageSizer | None = None
        self.image_errors: list[tuple[str, ExplainerError]] = []   # (src as written, what is wrong with it)

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            attribute = {"a": "href", "img": "src"}.get(element.tag)
            value = element.get(attribute, "") if attribute else ""
            if attribute and value:
                if element.tag == "img":
                    self.add_size(element)
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
            self.image_errors.append((src, err))
            size = None
        if size and not (img.get("width") or img.get("height")):
            img.set("width", str(size[0]))
            img.set("height", str(size[1]))
        img.set("loading", img.get("loading") or "lazy")

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


class SmartBrevityExtension(Extension):
    def __init__(self, axioms: tuple[str, ...] = (), raw_html: bool = True):
        super().__init__()
        self.vocabulary = vocabulary(tuple(axioms))
        self.raw_html = raw_html

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        if not self.raw_html:
            # Without these, `<script>` and `<b onclick=…>` are plain text, escaped like any other.
            md.preprocessors.deregister("html_block")
            md.inlinePatterns.deregister("html")
            md.preprocessors.register(CommentRemover(md), "explainer-comments", 20)   # after fenced code
        # After inline parsing (priority 20), before unescaping (0): bold lead-ins exist as <strong>.
        md.treeprocessors.register(TypographyTreeprocessor(md), "explainer-typography", 7)
        md.treeprocessors.register(UnsafeUrlFilter(md, self.raw_html), "explainer-unsafe-urls", 6.5)
        md.treeprocessors.register(UrlRewriter(md), "explainer-urls", 6)
        md.treeprocessors.register(SectionSplitter(md, self.vocabulary), "explainer-sections", 5)


class Converter:
    """One Markdown instance, reset between documents (building it costs more than converting).

    `raw_html=False` (site.yml `raw_html: false`) shows HTML written in the Markdown as text.
    """

    def __init__(self, axioms: tuple[str, ...] = (), raw_html: bool = True):
        self.md = markdown.Markdown(extensions=[*MARKDOWN_EXTENSIONS, SmartBrevityExtension(axioms, raw_html)],
                                    output_format="html")
        splitter, urls = self.md.treeprocessors["explainer-sections"], self.md.treeprocessors["explainer-urls"]
        assert isinstance(splitter, SectionSplitter) and isinstance(urls, UrlRewriter)   # registered above
        self.splitter, self.urls = splitter, urls
        self.axioms = tuple(axioms)
        self.raw_html = raw_html
        self.settings_key = repr((BODY_FORMAT, MARKDOWN_EXTENSIONS, sorted(self.splitter.vocabulary.items()),
                                 raw_html))

    def convert(self, text: str, source_dir: str = "", page_dir: str = "",
                size_of: ImageSizer | None = None) -> Body:
        self.md.reset()
        self.urls.source_dir, self.urls.page_dir = source_dir, page_dir
        self.urls.size_of = size_of
        self.urls.image_errors = []
        html = self.md.convert(text)
        parts = html.split(_SPLIT)
        lede_html = _unwrap(parts[0], "div")
        ids = unique_ids(label for label, _ in self.splitter.sections)
        sections = []
        for (label, words), part, section_id in zip(self.splitter.sections, parts[1:], ids):
            inner = _unwrap(part.strip(), "section")
            sections.append(Section(
                label=label, axiom=axiom_slug(label), id=section_id, words=words,
                key=self.splitter.vocabulary[normalise_label(label)],
                html=Markup(inner.replace(_PERMALINK, "")),
                html_with_permalink=Markup(inner.replace(_PERMALINK, permalink(label, section_id), 1))))
        lede_text = self.splitter.lede_text
        words = count_words(lede_text) + sum(s.words for s in sections)
        return Body(lede_html=Markup(lede_html), lede_text=lede_text, sections=tuple(sections), words=words)


def _unwrap(html: str, tag: str) -> str:
    html = html.strip()
    opening, closing = f"<{tag}>", f"</{tag}>"
    if html.startswith(opening) and html.endswith(closing):
        html = html[len(opening):-len(closing)]
    elif html == f"<{tag} />" or html == f"<{tag}></{tag}>":
        html = ""
    return html.strip("\n")


def plain_text(element: etree.Element) -> str:
    return " ".join(_STASH.sub(" ", "".join(element.itertext())).split())


def count_words(text: str) -> int:
    return len(text.split())
