"""The newsletter edition of an explainer: an email-safe HTML document and its plain-text twin, rendered with
the theme's `email/` templates through the same Renderer as the page (its language, its words, its embeds).

The HTML is a table layout at EMAIL_WIDTH pixels whose CSS (`email/style.css`, in the template's `<style>`) is
inlined element by element (render/inline.py), with every address absolute. Its pictures are the published
JPEG or PNG derivatives the Renderer's images name (the hero and the body's at least twice the column wide,
portraits small), never an original the site may withhold. Nothing is written here.
"""
from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from typing import Any

from ..model import Explainer
from .feeds import absolute_links
from .inline import inline_css
from .plaintext import WIDTH
from .renderer import Renderer

EMAIL_WIDTH = 600        # px: the column email clients expect
GUTTER = 24              # px on each side of the text
CONTENT_WIDTH = EMAIL_WIDTH - 2 * GUTTER
CLIP_BYTES = 102_000     # Gmail cuts a message's HTML off after about 102 kB ("[Message clipped]")
HTML_TEMPLATE = "email/explainer.html"
TEXT_TEMPLATE = "email/explainer.txt"
EMBED_TEMPLATE = "email/embed.html"
PICTURE_TEMPLATE = "email/body-image.html"
_MARKER = re.compile(r"^((?:> )*\s*)(- |\d+\. )?")     # a quote's and a list item's prefix


@dataclass(frozen=True)
class Email:
    """An explainer as an email: its HTML and plain-text parts."""
    html: str
    text: str
    url: str                 # the explainer's web page

    @property
    def html_bytes(self) -> int:
        return len(self.html.encode("utf-8"))

    @property
    def clipped(self) -> bool:
        """Whether Gmail would clip the HTML."""
        return self.html_bytes > CLIP_BYTES


def render_email(renderer: Renderer, explainer: Explainer) -> Email:
    """The explainer as an email; the site's base_url must be absolute."""
    base = renderer.config.absolute_base
    assert base, "an email needs an absolute base_url (newsletter.py says so before it gets here)"
    url = base + explainer.url
    path = explainer.url + "index.html"
    explainer = renderer.with_pictures(renderer.full(explainer), path, base, PICTURE_TEMPLATE)
    context: dict[str, Any] = {"root": base, "language": explainer.language, "page_url": url,
                               "email": {"width": EMAIL_WIDTH, "gutter": GUTTER, "content_width": CONTENT_WIDTH}}
    html = renderer.render_explainer(explainer, HTML_TEMPLATE, path, EMBED_TEMPLATE, **context)
    text = renderer.render_explainer(explainer, TEXT_TEMPLATE, path, EMBED_TEMPLATE, **context)
    return Email(inline_css(absolute_links(html, url), CONTENT_WIDTH), _tidy(text), url)


def _tidy(text: str) -> str:
    """Lines wrapped for mail (the template's own lines too: a byline, a fact with its source), no trailing
    spaces, at most one blank line in a row, one newline at the end."""
    lines = [wrapped for line in text.strip("\n").split("\n") for wrapped in _wrapped(line.rstrip())]
    kept = [line for index, line in enumerate(lines) if line or (index and lines[index - 1])]
    return "\n".join(kept) + "\n"


def _wrapped(line: str) -> list[str]:
    if len(line) <= WIDTH:
        return [line]
    marker = _MARKER.match(line)
    indent = marker.group(1) + " " * len(marker.group(2) or "") if marker else ""
    return textwrap.wrap(line, width=WIDTH, subsequent_indent=indent, break_long_words=False,
                         break_on_hyphens=False) or [line]
