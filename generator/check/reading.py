"""The site's pages as the rules read them: each page rendered and its start tags read once (pagescan), for the
links and ids (linkcheck) and what it loads from other hosts (thirdparty).

Rendering and reading are a third of what check costs at 1,000 explainers. With many pages and a start method
that forks, worker processes do it: forked after the edition is made, they inherit its renderer (which cannot
be pickled) and send back only what the rules need. With another start method, or few pages, it is done here.
"""
from __future__ import annotations

import multiprocessing
from collections.abc import Sequence
from operator import attrgetter

from .. import parallel
from ..config import SiteConfig
from ..errors import ExplainerError
from ..render import Page
from . import linkcheck, pagescan, thirdparty

PARALLEL_FROM = 300    # pages to read before forking workers pays for itself
TAGS = linkcheck.TAGS | thirdparty.TAGS
Read = tuple[linkcheck.Page, list[thirdparty.Load]]

# What a forked worker inherited: the pages to render, set once in each worker by `_inherit` (never in the
# process that checks, and never read there).
_INHERITED: list[Page] = []


def read_pages(pages: Sequence[Page], config: SiteConfig, start_method: str | None) -> dict[str, Read]:
    """Site path → (links and ids, loads) of every page, in the order of the paths."""
    ordered = sorted(pages, key=attrgetter("path"))
    count = parallel.workers(config)
    if len(ordered) < PARALLEL_FROM or count < 2 or not _forks(start_method):
        return {page.path: _read(page) for page in ordered}
    size = -(-len(ordered) // (count * 4))
    spans = [(start, min(start + size, len(ordered))) for start in range(0, len(ordered), size)]
    read: dict[str, Read] = {}
    with parallel.process_pool(count, parallel.FORK, initializer=_inherit, initargs=(ordered,)) as pool:
        for span, results in zip(spans, pool.map(_read_span, spans)):
            if isinstance(results, ExplainerError):
                raise results               # as rendering here would (a theme's mistake, say)
            read.update(zip((page.path for page in ordered[span[0]:span[1]]), results))
    return read


def _forks(start_method: str | None) -> bool:
    return multiprocessing.get_context(start_method).get_start_method() == parallel.FORK


def _read(page: Page) -> Read:
    tags = pagescan.start_tags(page.render(), TAGS)
    return linkcheck.page_from(tags), thirdparty.loads_from(tags)


def _inherit(pages: list[Page]) -> None:
    """Runs in each forked worker, once: the pages come from the parent's memory, not through a pipe."""
    _INHERITED[:] = pages


def _read_span(span: tuple[int, int]) -> list[Read] | ExplainerError:
    try:
        return [_read(page) for page in _INHERITED[span[0]:span[1]]]
    except ExplainerError as err:
        return err
