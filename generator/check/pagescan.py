"""The start tags of a rendered page, read once for every rule that needs them (links, anchors, what loads from
other hosts).

`html.parser` costs about 2.4 ms for a 14 kB explainer page, most of it in its Python loop over every piece of
text. The pages check reads are the theme's and the converter's markup: plain tags with quoted attributes. Those
are read here with one regular expression per tag, giving exactly the tags and attributes `html.parser` gives;
anything else (a tag written another way, a `<![CDATA[`, `<?…>`, an odd comment, markup inside a script or a
title) sends the whole page to `html.parser`, so the answer never depends on which way it was read.
"""
from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

Attributes = list[tuple[str, str | None]]
StartTag = tuple[str, Attributes]       # the tag's name and its attributes, lower-cased names, as html.parser
WrittenTag = tuple[str, str]            # the tag's name, lower-cased, and its attributes as written (`attributes`)

_SPACE = r"[\t\n\r\f ]"
_NAME = r"[a-zA-Z_:][-a-zA-Z0-9_:.]*"
_VALUE = r"""(?:"[^"]*"|'[^']*'|[^\t\n\r\f "'=<>`/]+)"""
_ATTRIBUTES = rf"(?:{_SPACE}+{_NAME}(?:{_SPACE}*={_SPACE}*{_VALUE})?)*{_SPACE}*"
_ATTRIBUTE = re.compile(rf"{_SPACE}+({_NAME})(?:{_SPACE}*={_SPACE}*({_VALUE}))?")
# Elements whose content is text to html.parser in one Python version or another: read plainly only when that
# text has no "<" (a script's or style sheet's text may, but not "</" before its end, nor "<!").
_SCRIPTS = "script|style"
_RAW_TEXT = "xmp|iframe|noembed|noframes|noscript|textarea|title|plaintext"
# One token at each "<" that starts markup other than a plain end tag (which starts no element the rules read):
# a start tag (its name and attributes as written), a plain comment, the doctype, or, for anything else, the last
# group.
_TOKEN = re.compile(
    "<(?:"
    rf"(?!(?i:{_SCRIPTS}|{_RAW_TEXT})[\t\n\r\f />])([a-zA-Z][a-zA-Z0-9-]*)({_ATTRIBUTES})/?>"
    rf"|((?i:{_SCRIPTS}))({_ATTRIBUTES})>(?:[^<]|<(?![/!]))*</\3{_SPACE}*>"
    rf"|((?i:{_RAW_TEXT}))({_ATTRIBUTES})>[^<]*</\5{_SPACE}*>"
    r"|!--(?!-?>)(?:[^-]|-(?!-))*(?<!-)-->"
    r"|!(?i:doctype)[^<>]*>"
    rf"|([a-zA-Z!?]|/(?![a-zA-Z][a-zA-Z0-9-]*{_SPACE}*>)))")


def start_tags(html: str, named: frozenset[str]) -> list[StartTag]:
    """The start tags of `html` in order, with their attributes exactly as html.parser reports them: at least
    every tag `named` and every tag with an `id` (the others may be left out)."""
    tags = _plain_start_tags(html, named)
    return tags if tags is not None else _parsed_start_tags(html)


def _plain_start_tags(html: str, named: frozenset[str]) -> list[StartTag] | None:
    """The start tags, when every piece of markup in `html` is of a plain kind; None otherwise."""
    tags = written_start_tags(html, named)
    return None if tags is None else [(tag, attributes(written)) for tag, written in tags]


def written_start_tags(html: str, named: frozenset[str]) -> list[WrittenTag] | None:
    """What `start_tags` gives, with each tag's attributes as written (`attributes` reads them), when every
    piece of markup in `html` is of a plain kind; None otherwise (then only `start_tags` reads the page). A
    site's pages repeat the theme's tags, written the same way on every page: a reader of many pages can read
    each way once."""
    tokens = _TOKEN.findall(html)
    if any(token[6] for token in tokens):
        return None
    tags = []
    for name, written, script, script_written, raw, raw_written, _ in tokens:
        tag = (name or script or raw).lower()
        written = written or script_written or raw_written
        if tag in named or "id" in written.lower():
            tags.append((tag, written))
    return tags


def attributes(written: str) -> Attributes:
    """The attributes of a start tag as `written_start_tags` gives them, as html.parser reports them."""
    if not written:
        return []
    return [(name.lower(), _value(value)) for name, value in _ATTRIBUTE.findall(written)]


def _value(written: str) -> str | None:
    if not written:
        return None
    if written[0] in "'\"":
        written = written[1:-1]
    return unescape(written) if "&" in written else written


class _StartTags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[StartTag] = []

    def handle_starttag(self, tag: str, attrs: Attributes) -> None:
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag


def _parsed_start_tags(html: str) -> list[StartTag]:
    parser = _StartTags()
    parser.feed(html)
    parser.close()
    return parser.tags
