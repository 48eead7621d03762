"""What a page says about itself in a few words and plain values, for the head tags, JSON-LD and feeds: a
description cut at a word, the text that describes an explainer, times as RFC 3339, paths as they go into
URLs. Pure functions; no I/O."""
from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from markupsafe import Markup

from ..model import Explainer

DESCRIPTION_LIMIT = 160


def trim_at_word(text: str, limit: int = DESCRIPTION_LIMIT) -> str:
    """`text` on one line, cut at a word boundary with an ellipsis so that it is at most `limit` characters."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    if text[limit - 1] != " " and " " in cut:
        cut = cut.rsplit(" ", 1)[0]          # drop the word that was cut in half
    return cut.rstrip(" ,;:.\u2013\u2014-") + "\u2026"


def describe(explainer: Explainer) -> str:
    """The summary, else the lede (or the first section when there is no lede) trimmed for a snippet."""
    if explainer.summary:
        return " ".join(explainer.summary.split())
    text = explainer.body.lede_text
    if not text.strip() and explainer.body.sections:
        text = Markup(explainer.body.sections[0].html).striptags()
    return trim_at_word(text or explainer.title)


def rfc3339(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def url_path(relative: str) -> str:
    """A site-relative path as it goes into an absolute URL: non-ASCII slugs percent-encoded."""
    return quote(relative, safe="/")
