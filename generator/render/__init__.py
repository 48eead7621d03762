"""Rendering: pages, feeds, SEO data and hosting headers as text in memory. Writes nothing.

pages lists every page of a site; renderer renders each kind with the site-wide context passed to the call;
feeds, seo and hosting make the files beside the pages; themes finds the theme's folders and files, and
environment makes the one Jinja2 environment (with the filters of `filters.FILTERS`).

The package's names come from their modules when first asked for (`render.Page`): a build that finds nothing
changed imports `themes` for the theme's folders and never needs Jinja2 or Babel's formats.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .pages import site_pages
    from .renderer import Page, Renderer
    from .themes import Theme, fingerprint

__all__ = ["Page", "Renderer", "Theme", "fingerprint", "site_pages"]
HOMES = {"Page": "renderer", "Renderer": "renderer", "Theme": "themes", "fingerprint": "themes",
         "site_pages": "pages"}


def __getattr__(name: str) -> Any:
    if name not in HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{HOMES[name]}", __name__), name)
