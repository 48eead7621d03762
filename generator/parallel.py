"""Process pools for the CPU-bound stages (Markdown conversion, social cards), chosen the same way everywhere."""
from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from concurrent.futures import ProcessPoolExecutor
from typing import Callable

from .config import SiteConfig


def workers(config: SiteConfig) -> int:
    """`--jobs`, or one process per CPU (at most 8)."""
    return config.jobs if config.jobs else min(os.cpu_count() or 1, 8)


def process_pool(count: int, initializer: Callable | None = None, initargs: tuple = ()) -> ProcessPoolExecutor:
    # fork is cheap and inherits the imported modules; with other threads running (the preview server,
    # the writer's threads) forking is unsafe, so then start clean interpreters instead.
    method = "fork" if threading.active_count() == 1 else "spawn"
    return _Pool(count, mp_context=multiprocessing.get_context(method),
                 initializer=_start_worker, initargs=(initializer, initargs))


class _Pool(ProcessPoolExecutor):
    """A pool that, left by an exception (Ctrl-C above all), stops its workers at once: the standard one
    first finishes every job still queued, which for a big site is the whole build."""

    def __exit__(self, kind, error, trace):
        if kind is None:
            return super().__exit__(kind, error, trace)
        workers = list((getattr(self, "_processes", None) or {}).values())
        self.shutdown(wait=False, cancel_futures=True)
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.join(timeout=5)
        return False


def _start_worker(initializer: Callable | None, initargs: tuple) -> None:
    # Ctrl-C reaches the whole process group: the parent stops the pool, a worker must not print a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if initializer is not None:
        initializer(*initargs)
