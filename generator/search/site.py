"""The search index as part of a build: made from the explainer pages this build publishes, handed to the
site writer with the pages (so it lands with them, atomically), and made again only when a page changed.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..config import SiteConfig
from ..incremental import cache
from ..model import Explainer
from ..write import SiteWriter, as_written
from . import indexer

require = indexer.require          # search: true without the extra is a site.yml:line error
INDEX_KEY = indexer.FOLDER + "/"    # its entry in the build state's `shown`: what the index was made from


@dataclass(frozen=True)
class Indexed:
    pages: int            # explainer pages in the index
    rebuilt: bool         # False: the previous build's index was kept as it was
    warning: str | None = None


def page_paths(explainers: Iterable[Explainer]) -> list[str]:
    """The pages the index is made of: every published explainer's, and nothing else."""
    return [f"{explainer.slug}/index.html" for explainer in explainers]


def add_index(writer: SiteWriter, config: SiteConfig, explainers: Iterable[Explainer],
              state: cache.BuildState, previous_key: str | None) -> Indexed:
    """Give the writer the index of this build's explainer pages; keep the previous one when the pages it was
    made from (by the keys they were rendered from, in `state.shown`) and its files are as they were."""
    pages = page_paths(explainers)
    key = cache.digest_of((indexer.version(), config.language, [(page, state.shown.get(page)) for page in pages]))
    state.shown[INDEX_KEY] = key
    previous = [rel for rel in state.manifest if rel.startswith(INDEX_KEY)]
    if key == previous_key and previous and all(as_written(writer.out_dir, rel, state.manifest[rel])
                                                 for rel in previous):
        for rel in previous:
            writer.keep(rel)
        return Indexed(len(pages), rebuilt=False)
    bundle = indexer.index_pages([(page, writer.source_of(page)) for page in pages], writer.out_dir,
                                 config.language)
    for rel, data in bundle.files.items():
        writer.page(f"{INDEX_KEY}{rel}", data)
    warning = None if bundle.stable else (
        f"Pagefind {indexer.version()} wrote index files in an order this version of explainer cannot make "
        "stable: the search index may differ between two builds of the same content")
    return Indexed(bundle.pages, rebuilt=True, warning=warning)


def generated_paths(config: SiteConfig) -> list[str]:
    """What search reserves in the site for the clash rule: Pagefind's folder, whole (the search page is
    rendered with the other pages and named by them)."""
    return [INDEX_KEY] if config.search else []
