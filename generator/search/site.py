"""Search on a site (site.yml `search: true`): the names it takes, and its index as a step of the build.

The edition asks here what search takes from the site (the `search` and `pagefind` slugs, the whole
`pagefind/` folder) and which pages the index is made of, so build and check apply one clash rule. The build
hands the index to its writer with the pages (it lands with them, atomically); the page-skip rule
(`incremental/pageskip.keep_folder`) carries the last one over while no explainer page's key changed.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..config import SiteConfig
from ..errors import ContentError, ExplainerError, raise_all
from ..incremental import pageskip
from ..incremental.state import BuildState
from ..model import Explainer
from ..problems import Place
from ..write import SiteWriter
from . import indexer

INDEX_FOLDER = indexer.FOLDER + "/"
PAGE_FOLDER = "search"             # the search page, search/index.html (render/pages makes it)


@dataclass(frozen=True)
class Indexed:
    """What the build's search step did: pages indexed, or the last index kept."""
    pages: int            # explainer pages in the index
    rebuilt: bool         # False: the previous build's index was kept as it was
    warning: str | None = None


def require(config: SiteConfig) -> None:
    """On a site with search, a site.yml:line error saying what to install when Pagefind is missing."""
    if config.search:
        indexer.require(config)


def page_paths(config: SiteConfig, explainers: Iterable[Explainer]) -> tuple[str, ...]:
    """The pages the index is made of: every published explainer's, and nothing else (none without search)."""
    return tuple(f"{explainer.slug}/index.html" for explainer in explainers) if config.search else ()


def reserved_slugs(config: SiteConfig) -> frozenset[str]:
    """The explainer slugs search takes from a site with search on: the search page's folder and the index's."""
    return frozenset({PAGE_FOLDER, indexer.FOLDER}) if config.search else frozenset()


def generated_paths(config: SiteConfig) -> list[str]:
    """What search reserves in the site for the clash rule beside its page: Pagefind's folder, whole (a
    generated path ending in `/` is a folder nothing else may go in)."""
    return [INDEX_FOLDER] if config.search else []


def check_names(explainers: Iterable[Explainer], config: SiteConfig) -> None:
    """On a site with search, no explainer may take the search page's or the index's folder."""
    taken = reserved_slugs(config)
    errors: list[ExplainerError] = [
        ContentError(f"'{e.slug}' cannot be an explainer's URL on a site with search: it is the folder of the "
                     f"{'search page' if e.slug.casefold() == PAGE_FOLDER else 'search index'}", Place(e.source),
                     hint="rename the explainer, or set search: false in site.yml")
        for e in explainers if e.slug.casefold() in taken]
    raise_all(errors)


def add_index(config: SiteConfig, pages: Sequence[str], state: BuildState, writer: SiteWriter) -> Indexed:
    """Give the writer the index of these explainer pages as this build publishes them (staged, or carried
    over); the previous index is kept when it was made from the same pages, by their keys."""
    key = pageskip.folder_key(pages, state, indexer.version(), config.language)
    if pageskip.keep_folder(INDEX_FOLDER, key, state, writer):
        return Indexed(len(pages), rebuilt=False)
    bundle = indexer.index_pages([(page, writer.source_of(page)) for page in pages], writer.out_dir,
                                 config.language)
    pageskip.write_folder(INDEX_FOLDER, key, bundle.files, state, writer)
    warning = None if bundle.stable else (
        f"Pagefind {indexer.version()} wrote index files in an order this version of explainer cannot make "
        "stable: the search index may differ between two builds of the same content")
    return Indexed(bundle.pages, rebuilt=True, warning=warning)
