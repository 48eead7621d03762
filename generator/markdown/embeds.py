"""Embeds: a paragraph that is only the address of a known provider's page — a YouTube video, a Datawrapper
chart, a post on X, a PDF — becomes an `Embed`, which the theme's `partials/embed.html` shows (the providers:
markdown/providers.py). Raw iframes written alone with a width and height get the same responsive box.
"""
from __future__ import annotations

import functools
import html as htmllib
import re
import xml.etree.ElementTree as etree

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString

from ..errors import ExplainerError
from ..model import Embed
from .lines import LineMap
from .providers import (
    HEIGHT_LIMITS,
    PROVIDERS,
    Pattern,
    Provider,
    compile_pattern,
    frame_address,
    parse_height,
    parse_ratio,
    start_query,
    with_query,
)

EMBED_ATTRIBUTE = "data-explainer-embed"     # on the paragraph that stands for an embed until the page is rendered
_BARE_URL = re.compile(r"^https?://[^\s\x02\x03<>\"]+$", re.IGNORECASE)
_STASHED = re.compile("\x02wzxhzdk:(\\d+)\x03")     # Python-Markdown's placeholder for a block of raw HTML
_LONE_FRAME = re.compile(r"^\s*<iframe\b[^>]*>\s*</iframe>\s*$", re.IGNORECASE)
_FRAME_SIZE = re.compile(r"""\b(width|height)\s*=\s*["']?(\d+)(?:px)?["']?(?=[\s>/])""", re.IGNORECASE)


class EmbedFinder(Treeprocessor):
    """Turns each top-level paragraph that is only a provider's address into a placeholder paragraph,
    `<p data-explainer-embed="N"><a href="address">address</a></p>`, and notes the `Embed` (the page renders
    it with the theme's markup; anything else that shows the body keeps a plain link). Raw iframes written
    alone with a width and height get the theme's responsive box around them.

    Both change the paragraph in place, so it keeps its source line (`lines`, the converter's line map, when
    there is one: an embed and a mistake in one are reported at the address's line)."""

    def __init__(self, md: markdown.Markdown, providers: tuple[Provider, ...]):
        super().__init__(md)
        self.given = providers
        self.lines: LineMap | None = None
        self.embeds: list[Embed] = []
        self.problems: list[tuple[int, ExplainerError]] = []    # (line of the address, what is wrong)

    def run(self, root: etree.Element) -> None:
        self.embeds, self.problems = [], []
        for child in root:
            url = lone_url(child)
            found = self.provider_for(url) if url else None
            if url and found:
                embed = self.make(found[0], found[1], url, child)
                if embed is not None:
                    self.placeholder(embed, url, child)
            elif child.tag == "p":
                self.wrap_raw_frame(child)

    def line_of(self, element: etree.Element) -> int | None:
        return self.lines.line_of(element) if self.lines is not None else None

    @functools.cached_property
    def providers(self) -> list[tuple[Provider, list[Pattern]]]:
        """Each provider with its addresses' patterns, compiled when a body first has an address on a line of
        its own: most have none, and compiling them all (33 patterns) took longer than converting a body."""
        return [(provider, [compile_pattern(text) for text in provider.match]) for provider in self.given]

    def provider_for(self, url: str) -> tuple[Provider, dict[str, str]] | None:
        for provider, patterns in self.providers:
            for pattern in patterns:
                values = pattern.values(url)
                if values is not None:
                    return provider, values
        return None

    def make(self, provider: Provider, values: dict[str, str], url: str, paragraph: etree.Element) -> Embed | None:
        ratio, height = provider.ratio, provider.height
        if paragraph.get("ratio"):
            ratio, height = parse_ratio(paragraph.get("ratio", "")), None
            if ratio is None:
                return self.fail(paragraph, url, f"ratio={paragraph.get('ratio')!r} is not a width:height ratio",
                                 "write it as {: ratio=\"4:3\" } on the line after the address")
        if paragraph.get("height"):
            height, ratio = parse_height(paragraph.get("height", "")), None
            if height is None:
                return self.fail(paragraph, url, f"height={paragraph.get('height')!r} is not a height in pixels",
                                 f"a whole number from {HEIGHT_LIMITS[0]} to {HEIGHT_LIMITS[1]}")
        src = with_query(frame_address(provider.embed, values, url), start_query(provider, url))
        play = with_query(src, provider.play) if provider.facade else ""
        title = " ".join(self.unstashed(paragraph.get("title") or "").split()) or None
        return Embed(provider=provider.key, name=provider.name, kind=provider.kind, url=url, src=src, play=play,
                     ratio=ratio, height=height, title=title, sandbox=provider.sandbox, allow=provider.allow,
                     line=self.line_of(paragraph))

    def unstashed(self, text: str) -> str:
        """Text of an attribute with the raw HTML Python-Markdown took out of it put back (`title="a <b> c"`)."""
        blocks = self.md.htmlStash.rawHtmlBlocks
        return _STASHED.sub(lambda found: str(blocks[int(found.group(1))]) if int(found.group(1)) < len(blocks)
                            else "", text)

    def fail(self, paragraph: etree.Element, url: str, message: str, hint: str) -> Embed | None:
        """Notes what is wrong with an embed's settings (reported at its line); no embed is made."""
        line = self.line_of(paragraph) or (self.lines.first_line if self.lines is not None else 1)
        self.problems.append((line, ExplainerError(f"the embed of {url}: {message}", hint=hint)))
        return None

    def placeholder(self, embed: Embed, url: str, paragraph: etree.Element) -> None:
        """The paragraph becomes `<p data-explainer-embed="N"><a href="address">address</a></p>`."""
        link = paragraph[0] if len(paragraph) else etree.Element("a")
        if self.lines is not None and link not in self.lines.of and paragraph in self.lines.of:
            self.lines.of[link] = self.lines.of[paragraph]
        paragraph.attrib.clear()
        paragraph.set(EMBED_ATTRIBUTE, str(len(self.embeds)))
        paragraph.text = None
        paragraph[:] = [link]
        link.attrib.clear()
        link.set("href", url)
        link.text, link.tail = AtomicString(url), None
        self.embeds.append(embed)

    def wrap_raw_frame(self, paragraph: etree.Element) -> None:
        """A block of raw HTML that is one <iframe width=… height=…> (a pasted embed code): kept as written,
        inside the responsive box (`.embed-frame`) at its own proportions and at most its own width."""
        stash = self.md.htmlStash
        found = _STASHED.fullmatch((paragraph.text or "").strip()) if not len(paragraph) else None
        number = int(found.group(1)) if found else -1
        block = stash.rawHtmlBlocks[number] if 0 <= number < len(stash.rawHtmlBlocks) else None
        if isinstance(block, str) and _LONE_FRAME.match(block):
            size = {name.lower(): int(value) for name, value in _FRAME_SIZE.findall(block.split(">", 1)[0])}
            if size.get("width") and size.get("height"):     # the raw HTML takes the place of the box's text
                paragraph.tag = "div"
                paragraph.set("class", "embed-frame embed-raw")
                width, height = size["width"], size["height"]
                paragraph.set("style", f"max-width: {width}px; aspect-ratio: {width} / {height}")


def lone_url(element: etree.Element) -> str | None:
    """The address, when a paragraph is nothing but one: bare, `<https://…>`, or `[address](address)`."""
    if element.tag != "p":
        return None
    text = (element.text or "").strip()
    if len(element) == 0:
        return text if _BARE_URL.match(text) else None
    if text or len(element) != 1 or (element[0].tail or "").strip() or element[0].tag != "a":
        return None
    link = element[0]
    href = link.get("href", "")
    shown = htmllib.unescape("".join(link.itertext())).strip()
    return href if _BARE_URL.match(href) and shown == href and len(link) == 0 else None


class EmbedExtension(Extension):
    def __init__(self, providers: tuple[Provider, ...] = PROVIDERS):
        super().__init__()
        self.providers = providers

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        # After attr_list (8) has put `{: title=… }` on the paragraph, before typography (7) curls the address.
        md.treeprocessors.register(EmbedFinder(md, self.providers), "explainer-embeds", 7.5)
