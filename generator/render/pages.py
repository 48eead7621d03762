"""Every page of a site as a `Page` to render on demand: one per explainer, the front pages, the lists (each
cut into pages of `paginate:` explainers), the indexes of categories, tags, authors and series, feeds,
sitemap and robots.txt. Writes nothing."""
from __future__ import annotations

import functools
from typing import Any

from ..model import Explainer, Term
from . import feeds, translations
from .listing import TermPage
from .paging import paginate
from .renderer import Page, Renderer

# The lists of explainers by what they are grouped by: the kind of page, and its folder.
KINDS = (("category", "categories"), ("tag", "tags"), ("author", "authors"), ("series", "series"))


def site_pages(renderer: Renderer) -> list[Page]:
    """The explainers' pages (newest first), then every page that lists them."""
    return [explainer_page(renderer, e) for e in renderer.listing.explainers] + list_pages(renderer)


def explainer_page(renderer: Renderer, e: Explainer) -> Page:
    return Page(f"{e.slug}/index.html", (e,), functools.partial(renderer.explainer_page, e),
                (renderer.explainer_key(e), renderer.images_key(e)), renderer.explainer_cards(e))


def list_pages(renderer: Renderer) -> list[Page]:
    """Every page that lists explainers, each with what it shows (a build skips it when that did not change)."""
    listing = renderer.listing
    everything = listing.explainers
    alternates = translations.front_page_alternates(listing.languages)
    pages: list[Page] = []
    listed: list[tuple[str, tuple[Explainer, ...]]] = []     # each list page's URL and explainers, for the sitemap

    def paged(base: str, kind: str, title: str | None, term: Term | None, shown: tuple[Explainer, ...],
              **options: Any) -> None:
        author = options.get("author")
        portrait = renderer.portrait(author) if author else None
        for pagination, part in paginate(base, shown, renderer.config.paginate):
            pages.append(Page(pagination.path, (), functools.partial(
                renderer.list_page, pagination, kind, title, term, part, **options),
                key=(kind, title, term, pagination, tuple(sorted(options.items())), portrait), cards=part))
            listed.append((pagination.url, part))

    paged("", "home", None, None, everything, alternates=alternates)
    pages.append(Page("404.html", (), renderer.not_found_page))
    if renderer.config.search:      # it shows no explainer, only what every page shows (the categories)
        pages.append(Page("search/index.html", (), renderer.search_page))
    for lang in listing.languages:     # a multilingual site: a front page per language
        paged(lang.url, "language", None, None, tuple(e for e in everything if e.language == lang.tag),
              language=lang.tag, alternates=alternates)
    for kind, attribute in KINDS:
        groups: tuple[TermPage, ...] = getattr(listing, attribute)
        if not groups:
            continue
        members = tuple({e.slug: e for group in groups for e in group.explainers}.values())
        pages.append(Page(f"{kind}/index.html", (), functools.partial(renderer.terms_page, kind, groups),
                          key=tuple((g.term, len(g.explainers)) for g in groups), cards=members))
        listed.append((f"{kind}/", members))
        for group in groups:
            options = {"author": group.author} if group.author else {}
            paged(f"{kind}/{group.term.slug}/", kind, group.term.name, group.term, group.explainers, **options)
    pages.extend(feeds.discovery_pages(renderer, listed))   # feeds, sitemap.xml, robots.txt
    return pages
