"""The template filters every theme can use: one table, registered once when a theme's environment is made.

A new filter is one entry here (a name and a function; one that needs the page's language reads `i18n` from
the template context with `jinja2.pass_context`) plus a line in docs/theme.md. Per-page data never goes in
here: the renderer passes it to each render call.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from .formats import isodate
from .i18n import bdi_filter, date_long_filter, language_name_filter, number_filter
from .share import share_links


def email_text(html: str, base: str | None = None, **options: Any) -> str:
    """`render/plaintext.html_to_text`, imported when a template first calls it: only the email's do, so a
    build never imports the HTML-to-text converter."""
    from .plaintext import html_to_text
    return html_to_text(html, base, **options)


FILTERS: Mapping[str, Callable] = MappingProxyType({
    "date_long": date_long_filter,          # November 2, 2023, in the page's language (or the one given)
    "isodate": isodate,                     # 2023-11-02, or the full ISO 8601 time when it has one
    "number": number_filter,                # 1,234 in the page's language
    "bdi": bdi_filter,                      # a name isolated from the text around it
    "language_name": language_name_filter,  # "es" → Español
    "share_links": share_links,             # the page's share links, from its absolute URL and its title
    "email_text": email_text,               # HTML as plain text (an email's text part); links made absolute
})
