"""The site's pages as the rules read them: each page rendered and its start tags read once (pagescan), for the
links and ids (linkcheck) and what it loads from other hosts (thirdparty).

Rendering and reading are a third of what check costs at 1,000 explainers. With many pages and a start method
that forks, a worker process shares the work with this one: forked after the edition is made, it inherits its
renderer (which cannot be pickled) and sends back only what the rules need. The worker reads spans of pages from
the first on, this process from the last back (after the work given it to do meanwhile), each taking a span the
other has not started, so neither waits for the other for long. Forking costs the worker more than reading here
costs this process (its first touch of each page of memory it inherited copies that page): one worker fewer than
there are processors to use, and this process the last of them. With another start method, or few pages, it is
all done here.
"""
from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from operator import attrgetter
from typing import TYPE_CHECKING

from .. import parallel
from ..config import SiteConfig
from ..errors import ExplainerError
from ..render import Page
from . import linkcheck, pagescan, thirdparty

if TYPE_CHECKING:
    from concurrent.futures import Future

PARALLEL_FROM = 300    # pages to read before forking workers pays for itself
SPANS_PER_PROCESS = 6  # spans of pages per process reading: small enough for the two ends to meet evenly
TAGS = linkcheck.TAGS | thirdparty.TAGS
Read = tuple[linkcheck.Page, list[thirdparty.Load]]

# What a forked worker inherited: the pages to render, set once in each worker by `_inherit` (never in the
# process that checks, and never read there).
_INHERITED: list[Page] = []


def read_pages(pages: Sequence[Page], config: SiteConfig, start_method: str | None,
               meanwhile: Callable[[], object] = lambda: None) -> dict[str, Read]:
    """Site path → (links and ids, loads) of every page, in the order of the paths. `meanwhile` runs here
    first, while a worker (if any) starts reading."""
    ordered = sorted(pages, key=attrgetter("path"))
    count = parallel.workers(config)
    if len(ordered) < PARALLEL_FROM or count < 2 or not _forks(start_method):
        meanwhile()
        seen: dict[pagescan.WrittenTag, Read] = {}
        return {page.path: _read(page, seen) for page in ordered}
    size = -(-len(ordered) // (count * SPANS_PER_PROCESS))
    spans = [(start, min(start + size, len(ordered))) for start in range(0, len(ordered), size)]
    with parallel.process_pool(count - 1, parallel.FORK, initializer=_inherit, initargs=(ordered,)) as pool:
        taken = [pool.submit(_read_span, span) for span in spans]
        meanwhile()
        here = _read_unstarted(ordered, spans, taken)
        results = [here[span] if span in here else future.result() for span, future in zip(spans, taken)]
    read: dict[str, Read] = {}
    for span, result in zip(spans, results):
        if isinstance(result, ExplainerError):
            raise result                # the first page's, as rendering in order would (a theme's mistake, say)
        read.update(zip((page.path for page in ordered[span[0]:span[1]]), result))
    return read


def _read_unstarted(ordered: list[Page], spans: list[tuple[int, int]], taken: list[Future]
                    ) -> dict[tuple[int, int], list[Read] | ExplainerError]:
    """The spans read here: from the last back, each one no worker has started (its call cancelled), until
    the one a worker has."""
    here: dict[tuple[int, int], list[Read] | ExplainerError] = {}
    seen: dict[pagescan.WrittenTag, Read] = {}
    for span, future in zip(reversed(spans), reversed(taken)):
        if not future.cancel():
            break
        here[span] = _read_all(ordered[span[0]:span[1]], seen)
    return here


def _forks(start_method: str | None) -> bool:
    return multiprocessing.get_context(start_method).get_start_method() == parallel.FORK


def _read(page: Page, seen: dict[pagescan.WrittenTag, Read]) -> Read:
    """The page's links, ids and loads; each tag written as on a page read before (`seen`: the theme's, mostly)
    is not read again, and the pages share what it gives (which also pickles once for many pages)."""
    html = page.render()
    written = pagescan.written_start_tags(html, TAGS)
    if written is None:           # markup of another kind: read as html.parser reads it
        return _from_tags(pagescan.start_tags(html, TAGS))
    links: list[linkcheck.Link] = []
    ids: set[str] = set()
    loads: list[thirdparty.Load] = []
    for tag in written:
        each = seen.get(tag)
        if each is None:
            each = seen[tag] = _from_tags([(tag[0], pagescan.attributes(tag[1]))])
        links += each[0].links
        ids |= each[0].ids
        loads += each[1]
    return linkcheck.Page(tuple(links), frozenset(ids)), loads


def _from_tags(tags: list[pagescan.StartTag]) -> Read:
    return linkcheck.page_from(tags), thirdparty.loads_from(tags)


def _inherit(pages: list[Page]) -> None:
    """Runs in each forked worker, once: the pages come from the parent's memory, not through a pipe."""
    _INHERITED[:] = pages


def _read_span(span: tuple[int, int]) -> list[Read] | ExplainerError:
    return _read_all(_INHERITED[span[0]:span[1]], {})


def _read_all(pages: list[Page], seen: dict[pagescan.WrittenTag, Read]) -> list[Read] | ExplainerError:
    try:
        return [_read(page, seen) for page in pages]
    except ExplainerError as err:
        return err
