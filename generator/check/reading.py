"""The site's pages as the rules read them: each page rendered and its start tags read once (pagescan), for the
links and ids (linkcheck) and what it loads from other hosts (thirdparty).

Rendering and reading are a third of what check costs at 1,000 explainers. With many pages and a start method
that forks, worker processes do it: forked after the edition is made, they inherit its renderer (which cannot
be pickled) and send back only what the rules need. With another start method, or few pages, it is done here.
"""
from __future__ import annotations

import itertools
from collections.abc import Sequence
from operator import attrgetter

from .. import parallel
from ..config import SiteConfig
from ..render import Page
from . import linkcheck, pagescan, thirdparty

PARALLEL_FROM = 300    # pages to read before forking workers pays for itself
TAGS = linkcheck.TAGS | thirdparty.TAGS
Read = tuple[linkcheck.Page, list[thirdparty.Load]]


def read_pages(pages: Sequence[Page], config: SiteConfig, start_method: str | None) -> dict[str, Read]:
    """Site path → (links and ids, loads) of every page, in the order of the paths."""
    ordered = sorted(pages, key=attrgetter("path"))
    count = parallel.workers(config)
    if len(ordered) < PARALLEL_FROM or count < 2 or not parallel.can_fork(start_method):
        return {page.path: _read(page) for page in ordered}
    read = itertools.chain.from_iterable(parallel.forked_map(_read, ordered, count))
    return dict(zip((page.path for page in ordered), read))


def _read(page: Page) -> Read:
    tags = pagescan.start_tags(page.render(), TAGS)
    return linkcheck.page_from(tags), thirdparty.loads_from(tags)
