"""Embeds on a page: each paragraph the Markdown stage left for an embed (`<p data-explainer-embed="N">`, see
markdown/embeds.py) is replaced by the theme's markup for it, rendered in the page's language."""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable

from markupsafe import Markup

from ..markdown.embeds import EMBED_ATTRIBUTE
from ..model import Embed, Explainer

PAGE_TEMPLATE = "partials/embed.html"
FEED_TEMPLATE = "partials/feed-embed.html"
_PLACEHOLDER = re.compile(r'<p ' + EMBED_ATTRIBUTE + r'="(\d+)"><a href="[^"]*">[^<]*</a></p>')


def with_embeds(explainer: Explainer, render: Callable[[Embed], str]) -> Explainer:
    """The explainer with each embed of its body as `render` makes it (a theme partial)."""
    body = explainer.body
    if not body.embeds:
        return explainer
    made: dict[int, str] = {}

    def one(found: re.Match) -> str:
        number = int(found.group(1))
        if number >= len(body.embeds):
            return found.group(0)
        if number not in made:
            made[number] = render(body.embeds[number]).strip()
        return made[number]

    def substituted(html: str) -> Markup:
        return Markup(_PLACEHOLDER.sub(one, str(html)))

    sections = tuple(dataclasses.replace(s, html=substituted(s.html), html_with_permalink=substituted(
        s.html_with_permalink)) for s in body.sections)
    return dataclasses.replace(explainer, body=dataclasses.replace(
        body, lede_html=substituted(body.lede_html), sections=sections))
