"""The preview's search index: made again after a good build, in a thread of its own, so that it never delays
the reload; a burst of saves is indexed once, after its last build.

Each index is written to a new folder beside the preview (never into it: the builder owns the preview's files)
and served at `pagefind/` once whole; the previous one is removed on the server's loop, where requests are
answered, so no request reads a folder that is going away.
"""
from __future__ import annotations

import itertools
import os
import shutil
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from tornado.ioloop import IOLoop

from ..build import BuildReport
from ..config import SiteConfig
from ..errors import ExplainerError, problems
from ..problems import Formatter
from ..search import indexer

DELAY = 0.4   # seconds after the last build before indexing starts: saves in a burst come closer than this
NICENESS = 10  # the index (and Pagefind, started from its thread) yields the CPU to the next save's build


class PreviewIndex:
    """Makes the preview's index after builds; `publish` is told the folder to serve `pagefind/` from, and
    problems are shown as the preview's (`shown`: paths relative to where `serve` started)."""

    def __init__(self, loop: IOLoop, out_dir: Path, folder: Path, shown: Formatter,
                 publish: Callable[[Path | None], None]):
        self.loop, self.out_dir, self.folder, self.shown, self.publish = loop, out_dir, folder, shown, publish
        self.current: Path | None = None
        self._numbers = itertools.count(1)
        self._timer: object | None = None
        self._wanted: tuple[tuple[str, ...], str] | None = None   # pages and language of the newest build
        self._running = False
        self._again = False

    def after_build(self, report: BuildReport, config: SiteConfig) -> None:
        """Called on the loop after each good build (and its reload): index again once the saves settle."""
        if not config.search:
            self._wanted = None
            self._replace(None)
            return
        wanted = (report.search_pages, config.language)
        if wanted == self._wanted and self.current is not None and not set(report.changed_paths) & set(wanted[0]):
            return     # no page of the index changed
        self._wanted = wanted
        if self._timer is not None:
            self.loop.remove_timeout(self._timer)
        self._timer = self.loop.call_later(DELAY, self._start)

    def _start(self) -> None:
        self._timer = None
        if self._running:
            self._again = True     # once the running one ends, with the newest pages
            return
        if self._wanted is None:
            return
        self._running = True
        pages, language = self._wanted
        threading.Thread(target=self._work, args=(pages, language), name="explainer-search-preview",
                         daemon=True).start()

    def _work(self, pages: tuple[str, ...], language: str) -> None:
        _lower_this_threads_priority()
        started = time.perf_counter()
        target = self.folder / f"index-{next(self._numbers)}"
        try:
            bundle = indexer.index_pages([(rel, self.out_dir / rel) for rel in pages], self.folder, language)
            for rel, data in bundle.files.items():
                path = target / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
        except (ExplainerError, OSError) as err:
            # A build that replaced pages while they were linked (the next index has them), or Pagefind's own
            # failure: said once, and the previous index stays.
            shutil.rmtree(target, ignore_errors=True)
            self.loop.add_callback(self._finished, None, err, started, 0)
            return
        self.loop.add_callback(self._finished, target, None, started, bundle.pages)

    def _finished(self, target: Path | None, problem: ExplainerError | OSError | None, started: float,
                  pages: int) -> None:
        self._running = False
        if target is not None and self._wanted is not None:
            self._replace(target)
            print(f"search index: {pages} page{'s' * (pages != 1)} in {(time.perf_counter() - started) * 1000:.0f} ms",
                  flush=True)
        elif target is not None:
            shutil.rmtree(target, ignore_errors=True)   # search was turned off meanwhile
        if problem:
            print(f"warning: search index not updated: {self._said(problem)}", file=sys.stderr, flush=True)
        if self._again:
            self._again = False
            self._start()

    def _said(self, problem: ExplainerError | OSError) -> str:
        if isinstance(problem, ExplainerError):
            return "; ".join(map(self.shown.located, problems(problem)))
        return str(problem)

    def _replace(self, target: Path | None) -> None:
        previous, self.current = self.current, target
        self.publish(target)
        if previous is not None:
            shutil.rmtree(previous, ignore_errors=True)


def _lower_this_threads_priority() -> None:
    """On Linux, where a priority belongs to a thread and is inherited by what it starts: Pagefind's service
    then takes the CPU only when a rebuild does not need it (thousands of pages take seconds to index)."""
    if sys.platform.startswith("linux"):
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICENESS)
        except OSError:
            pass   # not allowed here: the index is made at the normal priority
