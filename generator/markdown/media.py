"""Which files a body shows as pictures and which it links to, and the marker a picture carries until the page
is rendered (the theme then decides its `<picture>` markup, docs/theme.md)."""
from __future__ import annotations

import posixpath
import re
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

PICTURE_ATTRIBUTE = "data-explainer-picture"
# STX/ETX never survive from the source text (Python-Markdown removes them), so no text can forge a marker;
# not digits alone between them, which Python-Markdown would unescape into a character.
_MARKER = "\x02explainer-picture:{}\x03"
PICTURE_TAG = re.compile(r'<img\b[^>]*?\s' + PICTURE_ATTRIBUTE + r'="\x02explainer-picture:(\d+)\x03"[^>]*>')
_REFERENCE_ATTRIBUTES = frozenset({"src", "href", "poster", "data", "srcset"})


def picture_marker(number: int) -> str:
    return _MARKER.format(number)


def local_target(url: str, base: str) -> str | None:
    """The site-relative path a relative URL written in folder `base` leads to; None for other URLs
    (another site, a scheme, an absolute path, only a #fragment) and for paths out of the site."""
    parts = urlsplit(url.strip())
    if parts.scheme or parts.netloc or not parts.path or parts.path.startswith("/"):
        return None
    target = posixpath.normpath(posixpath.join(base, unquote(parts.path)))
    return None if target == "." or target == ".." or target.startswith("../") else target


class _References(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in _REFERENCE_ATTRIBUTES and value:
                if name == "srcset":
                    self.urls += [candidate.split()[0] for candidate in value.split(",") if candidate.split()]
                else:
                    self.urls.append(value)

    handle_startendtag = handle_starttag


def raw_references(blocks: list[str], page_dir: str) -> list[str]:
    """Site-relative files that HTML written in the Markdown refers to (it is not rewritten: a browser reads
    its URLs from the page's folder)."""
    parser = _References()
    for block in blocks:
        parser.feed(block)
    parser.close()
    found = (local_target(url, page_dir) for url in parser.urls)
    return [target for target in found if target]
