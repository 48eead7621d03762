"""The page-skip rule: a page is rendered again only when something it shows changed since the last build.

A page's key is a digest of the stamps of the explainers it shows, of anything else it shows (`Page.key`: an
explainer page's translations) and of what every page shows of the rest of the site
(`Renderer.site_wide_key`); the state remembers each page's key. A changed template or message catalog, or a
changed stylesheet whose fingerprinted name is in every page, renders everything again.
"""
from __future__ import annotations

from collections.abc import Iterable

from ..render import Page, i18n
from ..write import SiteWriter
from .cache import digest_of
from .stamps import Stamp
from .state import BuildState


def everything_again(state: BuildState, theme_stamp: Stamp, fingerprinted: bool) -> tuple[bool, bool]:
    """Whether every page must be rendered again, and whether the templates changed (the theme's environment
    caches compiled templates, so it must be made anew); the state takes the theme's new stamp."""
    everything = not state.shown or not state.manifest
    templates_changed = False
    if theme_stamp != state.theme_stamp:
        templates = [s for s in theme_stamp if _renders_pages(s[0])]   # templates and message catalogs
        if templates != [s for s in state.theme_stamp if _renders_pages(s[0])]:
            templates_changed = everything = True
        elif fingerprinted:
            everything = True      # a new stylesheet name appears in every page
        state.theme_stamp = theme_stamp
    if everything:
        state.shown = {}
    return everything, templates_changed


def _renders_pages(path: str) -> bool:
    """A theme file that pages are rendered with (a template, a message catalog), unlike a static file."""
    return "/templates/" in path or f"/{i18n.LOCALES}/" in path


def write_pages(pages: Iterable[Page], site_wide: tuple, state: BuildState, writer: SiteWriter,
                everything: bool) -> tuple[int, int]:
    """Hand every page to the writer, rendering only those whose key changed (or whose file the writer cannot
    carry over); the number rendered and the number of pages."""
    stamps = {e.source: digest_of(stamp) for stamp, e in state.loaded.values()}
    shown: dict[str, str] = {}
    rendered = 0
    for page in pages:
        key = digest_of((site_wide, tuple(stamps[e.source] for e in page.shows), page.key))
        if everything or state.shown.get(page.path) != key or not writer.keep(page.path):
            writer.page(page.path, page.render().encode("utf-8"))
            rendered += 1
        shown[page.path] = key
    state.shown = shown
    return rendered, len(shown)
