"""Process pools for the CPU-bound stages (Markdown conversion, social cards), started the same way everywhere.

How a pool starts its workers is the caller's choice (`start_method`), never guessed: `fork` is cheap and
inherits the imported modules, but only safe in a process with no other threads (a one-shot command-line
build, whose pools all start before the writer starts its threads); `spawn` (or `forkserver`) starts clean
interpreters and is safe beside threads, so it is the preview server's choice. The library functions
(`build.build`, `build.Builder`, `images.cards.make_cards`) default to `PLATFORM_DEFAULT`, Python's own
default (fork on Linux before Python 3.14): a caller with threads of its own passes SPAWN.

Workers never outlive the build: on Linux the kernel kills them when the build process dies, however it
dies (SIGKILL included), and a build that stops on an exception (Ctrl-C, SIGTERM, an error) terminates
them at once instead of waiting for the queued work.
"""
from __future__ import annotations

import gc
import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING

from .config import SiteConfig

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

PR_SET_PDEATHSIG = 1     # prctl option (linux/prctl.h): a signal for this process when its parent dies
HELD_BACK = frozenset({signal.SIGINT, signal.SIGTERM})   # while workers start
FORK, FORKSERVER, SPAWN = "fork", "forkserver", "spawn"
START_METHODS = (FORK, FORKSERVER, SPAWN)
PLATFORM_DEFAULT = None      # multiprocessing's default start method for this platform and Python


def workers(config: SiteConfig) -> int:
    """`--jobs`, or one process per CPU (at most 8)."""
    return config.jobs if config.jobs else min(os.cpu_count() or 1, 8)


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while a build runs; the collector's previous state afterwards.

    A build's data has no reference cycles worth collecting: the collector would only rescan the growing
    set of loaded explainers (about 40 % of render time).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def process_pool(count: int, start_method: str | None, initializer: Callable | None = None,
                 initargs: tuple = ()) -> Iterator[ProcessPoolExecutor]:
    """`count` workers started with `start_method` (one of START_METHODS, or PLATFORM_DEFAULT), ended with
    the block."""
    if start_method is not PLATFORM_DEFAULT and start_method not in START_METHODS:
        raise ValueError(f"unknown start method {start_method!r} (one of {', '.join(START_METHODS)})")
    # Here, where a pool starts: a build that finds nothing changed never loads multiprocessing.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    pool = ProcessPoolExecutor(count, mp_context=multiprocessing.get_context(start_method),
                               initializer=_start_worker, initargs=(os.getpid(), initializer, initargs))
    try:
        _start_workers(pool, count)
        yield pool
    except BaseException:
        _stop_now(pool)
        raise
    pool.shutdown(wait=True)


class PoolOnDemand:
    """One process pool for the stages that encode (image derivatives, then social cards), started the first
    time one of them has enough work for it, and ended with the `pool_on_demand` block that made it.

    Sharing it, the workers start once per build; the work is queued in order, so a stage that waits for its
    own results is held up only by work queued before its own. A build with nothing to encode starts no
    process at all. Both stages hand their work over before the pages render, so a forked pool starts before
    the writer's threads do.
    """

    def __init__(self, stack: ExitStack, count: int, start_method: str | None):
        self.count, self.start_method = count, start_method
        self._stack = stack
        self._pool: ProcessPoolExecutor | None = None

    def get(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = self._stack.enter_context(process_pool(self.count, self.start_method))
        return self._pool


@contextmanager
def pool_on_demand(count: int, start_method: str | None) -> Iterator[PoolOnDemand]:
    """A `PoolOnDemand` of `count` workers; at the end of the block they finish their work and stop (on an
    exception, they are stopped at once, as by `process_pool`)."""
    with ExitStack() as stack:
        yield PoolOnDemand(stack, count, start_method)


def _start_workers(pool: ProcessPoolExecutor, count: int) -> None:
    """Start every worker now, with Ctrl-C and SIGTERM held back while they start.

    The terminal sends Ctrl-C to the whole process group: a worker that got it before `_start_worker` made
    it ignore Ctrl-C would print a traceback. The held-back mask is inherited by the new processes (across
    exec too), so the signal waits until the worker has chosen what to do with it.
    """
    if not hasattr(signal, "pthread_sigmask"):
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, HELD_BACK)
    try:
        for _ in range(count):
            pool.submit(_nothing)    # each submit starts one more worker, until there are `count`
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _nothing() -> None:
    pass


def _start_worker(parent: int, initializer: Callable | None, initargs: tuple) -> None:
    _die_with_parent(parent)
    # Ctrl-C reaches every process of the terminal's group: the build stops its workers itself, without
    # a traceback from each. A forked worker must not inherit the CLI's SIGTERM handler either.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, HELD_BACK)
    if initializer is not None:
        initializer(*initargs)


def _die_with_parent(parent: int) -> None:
    if sys.platform.startswith("linux"):
        import ctypes  # in the worker: the parent, which may have nothing to run in one, never needs it
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)     # the build died before prctl took effect: nobody is waiting for this worker


def _stop_now(pool: ProcessPoolExecutor) -> None:
    """Cancel the queued work and end the workers now (shutdown alone would wait for the queue)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(timeout=5)
