"""Every page of a site as a `Page` to render on demand: one per explainer, the front pages, the lists,
feeds, sitemap and robots.txt. Writes nothing."""
from __future__ import annotations

import functools

from . import feeds, translations
from .renderer import Page, Renderer


def site_pages(renderer: Renderer) -> list[Page]:
    """The explainers' pages (newest first), then every page that lists them."""
    pages = [Page(f"{e.slug}/index.html", (e,), functools.partial(renderer.explainer_page, e),
                  (renderer.translations_key(e), renderer.images_key(e))) for e in renderer.listing.explainers]
    return pages + list_pages(renderer)


def list_pages(renderer: Renderer) -> list[Page]:
    """Every page that lists explainers, each with what it shows (a build skips it when they did not change)."""
    everything = renderer.listing.explainers
    alternates = translations.front_page_alternates(renderer.listing.languages)
    pages = [Page("index.html", everything, functools.partial(
                 renderer.list_page, "index.html", "home", None, None, everything, alternates=alternates)),
             Page("404.html", (), renderer.not_found_page)]
    if renderer.config.search:      # it shows no explainer, only what every page shows (the categories)
        pages.append(Page("search/index.html", (), renderer.search_page))
    for lang in renderer.listing.languages:     # a multilingual site: a front page per language
        path = f"{lang.folder}/index.html"
        shown = tuple(e for e in everything if e.language == lang.tag)
        pages.append(Page(path, shown, functools.partial(renderer.list_page, path, "language", None, None, shown,
                                                         language=lang.tag, alternates=alternates)))
    for kind, groups in (("category", renderer.listing.categories), ("tag", renderer.listing.tags)):
        if not groups:
            continue
        pages.append(Page(f"{kind}/index.html", everything, functools.partial(renderer.terms_page, kind, groups)))
        for group in groups:
            path = f"{kind}/{group.term.slug}/index.html"
            pages.append(Page(path, group.explainers, functools.partial(
                renderer.list_page, path, kind, group.term.name, group.term, group.explainers)))
    pages.extend(feeds.discovery_pages(renderer))   # feeds, sitemap.xml, robots.txt list the same explainers
    return pages
