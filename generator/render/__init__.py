"""Rendering: pages, feeds, SEO data and hosting headers as text in memory. Writes nothing.

pages renders every page of a site; renderer holds the theme's environment and the site-wide context;
feeds, seo and hosting make the files beside the pages; themes finds the templates.
"""
from .pages import list_page_jobs, render_site
from .renderer import Renderer, fingerprint, listing

__all__ = ["Renderer", "fingerprint", "list_page_jobs", "listing", "render_site"]
