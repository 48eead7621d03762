"""HTML as plain text, for the text part of an email: paragraphs apart, list items as `- `, quotes as `> `,
headings and Smart Brevity labels in upper case, each link's address after its words (`words <https://…>`),
lines wrapped for mail. Templates use it as the `email_text` filter."""
from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from .inline import VOID

WIDTH = 76          # characters per line: what mail programs show without wrapping again
BLOCKS = frozenset({"p", "div", "section", "aside", "article", "figure", "figcaption", "header", "footer",
                    "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "tr", "ul", "ol", "dl",
                    "li", "dt", "dd", "hr", "nav", "main", "details", "summary", "address"})
CONTAINERS = frozenset({"ul", "ol", "dl", "table", "blockquote"})
UPPER = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
SKIPPED = frozenset({"script", "style", "template", "head", "title", "noscript"})
SKIPPED_CLASSES = frozenset({"permalink"})      # a section's "#" link
ASIDE_CLASSES = frozenset({"source"})           # said in parentheses: "5 million (Source: Agency)"
LABEL_CLASS = "axiom-label"
_SPACE = re.compile(r"\s+")


@dataclass
class _Block:
    """A block of text being laid out as plain text (a paragraph, a list item, a quote …)."""
    words: list[str] = field(default_factory=list)
    prefix: str = ""              # before the first line ("- ", "1. ", "> ")
    indent: str = ""              # before the next lines
    item: bool = False            # a list item, a definition, a table row: one line after the one before
    tight: bool = False           # set when laid out: no blank line before it
    pre: bool = False


class _Text(HTMLParser):
    def __init__(self, base: str | None):
        super().__init__(convert_charrefs=True)
        self.base = base
        self.blocks: list[_Block] = []
        self.current = _Block()
        self.lists: list[list] = []       # [tag, next number] per open list
        self.quotes = 0
        self.upper = 0
        self.skip = 0
        self.pre = 0
        self.links: list[tuple[str | None, int]] = []    # (address, where its words start) per open <a>
        self.label: list[str] = []                       # a <dt>'s words, put before its <dd>
        self.fresh = True                                # a list, table or quote just opened or closed
        self.closing: list[str] = []                     # what each open element adds at its end

    def flush(self) -> None:
        block = self.current
        if "".join(block.words).strip():
            block.tight = block.item and not self.fresh
            self.fresh = False
            self.blocks.append(block)
        self.current = _Block(prefix=self.quote_prefix(), indent=self.quote_prefix())

    def quote_prefix(self) -> str:
        return "> " * self.quotes

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        classes = set((values.get("class") or "").split())
        if self.skip or tag in SKIPPED or classes & SKIPPED_CLASSES:
            self.skip += tag not in VOID
            return
        if tag in BLOCKS:
            self.flush()
        if tag in CONTAINERS:
            self.fresh = True
        self.closing.append(")" if classes & ASIDE_CLASSES else "")
        if classes & ASIDE_CLASSES:
            self.current.words.append(" (")
        if tag in ("ul", "ol"):
            self.lists.append([tag, 1])
        elif tag == "blockquote":
            self.quotes += 1
            self.current = _Block(prefix=self.quote_prefix(), indent=self.quote_prefix())
        elif tag in ("li", "dt", "dd"):
            self.start_item(tag)
            if tag == "dd" and self.label:
                self.current.words.append(self.label.pop() + ": ")
        elif tag == "pre":
            self.pre += 1
            self.current.pre = True
        elif tag == "br":
            self.current.words.append("\n")
        elif tag == "img" and values.get("alt"):
            self.current.words.append(f"[{values['alt']}]")
        elif tag == "tr":
            self.current.item = True
        elif tag in ("td", "th") and "".join(self.current.words).strip():
            self.current.words.append(" | ")
        elif tag == "a":
            self.links.append((values.get("href"), len(self.current.words)))
        if tag in UPPER or LABEL_CLASS in classes:
            self.upper += 1

    def start_item(self, tag: str) -> None:
        quote = self.quote_prefix()
        depth = "  " * max(0, len(self.lists) - 1)
        if tag == "li" and self.lists and self.lists[-1][0] == "ol":
            marker = f"{self.lists[-1][1]}. "
            self.lists[-1][1] += 1
        else:
            marker = "- "
        if tag == "dt":
            self.current = _Block(prefix=quote, indent=quote)
        else:
            self.current = _Block(prefix=quote + depth + marker, indent=quote + depth + " " * len(marker), item=True)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in ("br", "img", "hr"):
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.skip:
            self.skip -= tag not in VOID
            return
        if tag not in VOID and self.closing:
            self.current.words.append(self.closing.pop())
        if tag == "a" and self.links:
            self.end_link()
        if tag in UPPER or (self.upper and tag in ("strong", "b", "span")):
            self.upper = max(0, self.upper - 1)
        if tag == "dt":
            self.label.append(" ".join("".join(self.current.words).split()))
            self.current = _Block(prefix=self.quote_prefix(), indent=self.quote_prefix())
            return
        if tag in BLOCKS:
            self.flush()
        if tag in CONTAINERS:
            self.fresh = True
        if tag in ("ul", "ol") and self.lists:
            self.lists.pop()
        elif tag == "blockquote" and self.quotes:
            self.quotes -= 1
            self.current = _Block(prefix=self.quote_prefix(), indent=self.quote_prefix())
        elif tag == "pre" and self.pre:
            self.pre -= 1

    def end_link(self) -> None:
        href, start = self.links.pop()
        words = "".join(self.current.words[start:]).strip()
        if not href or href.startswith("#"):
            return
        address = urljoin(self.base, href) if self.base else href
        shown = address.removeprefix("mailto:")
        if words and words not in (address, shown, urlsplit(address)._replace(scheme="").geturl().lstrip("/")):
            self.current.words.append(f" <{address}>")
        elif not words:
            self.current.words.append(address)

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        text = data if self.pre else _SPACE.sub(" ", data)
        if self.upper:
            text = text.upper()
        self.current.words.append(text)

    def text(self, width: int) -> str:
        self.flush()
        out: list[str] = []
        quoted = False
        for block in self.blocks:
            if out:
                inside = quoted and block.prefix.startswith(">")
                out.append("\n" if block.tight else "\n>\n" if inside else "\n\n")
            out.append(_lay_out(block, width))
            quoted = block.indent.startswith(">")
        return "".join(out)


def _lay_out(block: _Block, width: int) -> str:
    joined = "".join(block.words)
    if block.pre:
        return "\n".join(block.prefix + line for line in joined.strip("\n").split("\n"))
    lines: list[str] = []
    for number, piece in enumerate(joined.split("\n")):
        words = " ".join(piece.split())
        if not words:
            continue
        first = block.prefix if number == 0 and not lines else block.indent
        lines += textwrap.wrap(words, width=width, initial_indent=first, subsequent_indent=block.indent,
                               break_long_words=False, break_on_hyphens=False) or [first.rstrip()]
    return "\n".join(lines)


def html_to_text(html: str, base: str | None = None, width: int = WIDTH) -> str:
    """`html` as plain text; relative links are resolved against `base` (the page's address)."""
    parser = _Text(base)
    parser.feed(str(html))
    parser.close()
    return parser.text(width)
