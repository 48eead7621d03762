"""Rendering: pages, feeds, SEO data and hosting headers as text in memory. Writes nothing.

pages lists every page of a site; renderer renders each kind with the site-wide context passed to the call;
feeds, seo and hosting make the files beside the pages; themes finds the templates and makes the one
environment (with the filters of `filters.FILTERS`).
"""
from . import related
from .listing import listing
from .pages import site_pages
from .renderer import Page, Renderer
from .themes import Theme, fingerprint

__all__ = ["Page", "Renderer", "Theme", "fingerprint", "listing", "related", "site_pages"]
