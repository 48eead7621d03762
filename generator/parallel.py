"""Process pools for the CPU-bound stages (Markdown conversion, social cards), chosen the same way everywhere."""
from __future__ import annotations

import multiprocessing
import os
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
    return ProcessPoolExecutor(count, mp_context=multiprocessing.get_context(method),
                               initializer=initializer, initargs=initargs)
