"""Pages as {output path: HTML} in memory, from explainers and the theme. Writes nothing."""
from __future__ import annotations

import functools
from collections.abc import Callable

import jinja2

from ..config import SiteConfig
from ..model import Explainer
from . import feeds, i18n, translations
from .renderer import Renderer, listing


def render_site(explainers: list[Explainer], config: SiteConfig, env: jinja2.Environment,
                assets: dict[str, str], interface: i18n.Interface | None = None) -> dict[str, str]:
    renderer = Renderer(config, env, assets, listing(explainers, config.language), interface)
    pages = {f"{e.slug}/index.html": renderer.explainer_page(e) for e in renderer.listing.explainers}
    pages.update(list_pages(renderer))
    return dict(sorted(pages.items()))


def list_pages(renderer: Renderer) -> dict[str, str]:
    return {path: make() for path, _, make in list_page_jobs(renderer)}


PageJob = tuple[str, tuple[Explainer, ...], Callable[[], str]]   # path, the explainers it shows, how to render it


def list_page_jobs(renderer: Renderer) -> list[PageJob]:
    """Every page that lists explainers: its path, what it shows, and how to render it.

    The builder skips a page when the explainers it shows did not change since the last build.
    """
    everything = renderer.listing.explainers
    alternates = translations.front_page_alternates(renderer.listing.languages)
    # Served at any missing address, so its links cannot be relative.
    jobs: list[PageJob] = [
        ("index.html", everything, lambda: renderer.render("list.html", "index.html", title=None,
                                                           explainers=everything, term=None, kind="home",
                                                           alternates=alternates)),
        ("404.html", (), lambda: renderer.render("404.html", "404.html", root=renderer.config.base_path))]
    if renderer.config.search:
        jobs.append(("search/index.html", (), lambda: renderer.render("search.html", "search/index.html")))
    for lang in renderer.listing.languages:     # a multilingual site: a front page per language
        path = f"{lang.folder}/index.html"
        shown = tuple(e for e in everything if e.language == lang.tag)
        jobs.append((path, shown, functools.partial(renderer.render, "list.html", path, language=lang.tag,
                                                    title=None, explainers=shown, term=None, kind="language",
                                                    alternates=alternates)))
    for kind, groups in (("category", renderer.listing.categories), ("tag", renderer.listing.tags)):
        if not groups:
            continue
        jobs.append((f"{kind}/index.html", everything,
                     functools.partial(renderer.render, "terms.html", f"{kind}/index.html", kind=kind, terms=groups)))
        for group in groups:
            path = f"{kind}/{group.term.slug}/index.html"
            jobs.append((path, group.explainers,
                         functools.partial(renderer.render, "list.html", path, title=group.term.name,
                                           term=group.term, explainers=group.explainers, kind=kind)))
    jobs.extend(feeds.discovery_jobs(renderer))   # feeds, sitemap.xml, robots.txt list the same explainers
    return jobs
