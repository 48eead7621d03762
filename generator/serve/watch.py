"""File-system events (watchfiles: inotify, FSEvents, ReadDirectoryChangesW) → one rebuild per burst of saves.

livereload polls every watched file's mtime every 800 ms. Here a thread waits on watchfiles, which groups a
burst of events (an editor writing a temp file and renaming it) into one batch, and hands the batch to the
tornado IOLoop, where the rebuild runs. Batches that arrive while a rebuild runs are merged into one.
"""
from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

import watchfiles
from tornado.ioloop import IOLoop

from ..config import SiteConfig
from ..errors import ConfigError
from ..render import themes

QUIET_MS = 10        # a batch is handed over once no new event came for this long (watchfiles `step`)
LONGEST_MS = 1000    # ...or after this long, however busy the folder is (watchfiles `debounce`)
# watchfiles returns this often when nothing happens; the first return tells that the watch is in place.
READY_MS = 50
RETRY_SECONDS = 1.0
RESTARTED = ""       # the path delivered after the watch restarted: whatever changed meanwhile is unknown


def watched_folders(content_dir: Path, config: SiteConfig | None) -> tuple[Path, ...]:
    """The content folder, the site-local themes/ beside it, and every theme folder the site uses."""
    folders = [content_dir.resolve()]
    local_themes = content_dir.resolve().parent / "themes"
    if local_themes.is_dir():
        folders.append(local_themes)
    folders.append(themes.packaged_themes_dir().resolve() / themes.DEFAULT_THEME)
    if config is not None:
        try:
            folders.extend(themes.resolve(config).folders)
        except ConfigError:
            pass   # the theme vanished since the build: the next build reports it, and calls this again
    return outermost(folders)


def outermost(folders: Iterable[Path]) -> tuple[Path, ...]:
    """Drop folders inside other folders of the list: one watch covers them."""
    unique = sorted(set(folders), key=lambda p: len(p.parts))
    kept: list[Path] = []
    for folder in unique:
        if not any(folder.is_relative_to(other) for other in kept):
            kept.append(folder)
    return tuple(sorted(kept))


class SourceFilter(watchfiles.DefaultFilter):
    """Editor swap files (watchfiles' defaults) and hidden folders below a watched root (.git, caches)."""

    def __init__(self, roots: tuple[Path, ...]):
        super().__init__()
        self.roots = roots

    def __call__(self, change: watchfiles.Change, path: str) -> bool:
        if not super().__call__(change, path):
            return False
        candidate = Path(path)
        for root in self.roots:
            if candidate.is_relative_to(root):
                return not any(part.startswith(".") for part in candidate.relative_to(root).parts)
        return True


class _Either:
    """watchfiles stops when `is_set()`: on shutdown, or to start again with other folders."""

    def __init__(self, *events: threading.Event):
        self.events = events

    def is_set(self) -> bool:
        return any(event.is_set() for event in self.events)


class ChangeWatcher:
    """Watches folders in a thread; calls `on_changes(paths)` on the IOLoop, never twice at once."""

    def __init__(self, loop: IOLoop, folders: tuple[Path, ...], on_changes: Callable[[set[str]], None]):
        self.loop = loop
        self.folders = folders
        self.on_changes = on_changes
        self._stop = threading.Event()
        self._restart = threading.Event()
        self._ready = threading.Event()
        self._lock = threading.Lock()
        self._pending: set[str] = set()
        self._scheduled = False
        self._thread = threading.Thread(target=self._run, name="explainer-watch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wait_ready(self, timeout: float = 5.0) -> bool:
        """Block until the folders are watched: a save made after this returns is never missed."""
        return self._ready.wait(timeout)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def watch(self, folders: tuple[Path, ...]) -> None:
        """Watch other folders from now on (the site switched themes)."""
        if folders != self.folders:
            self.folders = folders
            self._ready.clear()
            self._restart.set()

    def _run(self) -> None:
        started = False
        while not self._stop.is_set():
            if started:
                # Saves made while nothing watched were not seen: with the next batch goes an unknown path,
                # which makes that build scan everything (incremental.stamps.snapshot_again).
                with self._lock:
                    self._pending.add(RESTARTED)
            started = True
            self._restart.clear()
            self._ready.clear()
            folders = tuple(f for f in self.folders if f.is_dir())
            if not folders:
                self._stop.wait(RETRY_SECONDS)
                continue
            try:
                for changes in watchfiles.watch(*folders, watch_filter=SourceFilter(folders), step=QUIET_MS,
                                                debounce=LONGEST_MS, stop_event=_Either(self._stop, self._restart),
                                                rust_timeout=READY_MS, yield_on_timeout=True,
                                                ignore_permission_denied=True, raise_interrupt=False):
                    self._ready.set()
                    if changes:
                        self._deliver({path for _, path in changes})
            except (OSError, RuntimeError) as err:
                # A watched folder was removed or renamed: say so, and watch again once it is back.
                print(f"warning: watching {', '.join(map(str, folders))} stopped ({err}); retrying",
                      file=sys.stderr, flush=True)
                self._stop.wait(RETRY_SECONDS)

    def _deliver(self, paths: set[str]) -> None:
        """From the watcher thread: add to the pending batch; schedule one flush on the IOLoop if none is."""
        with self._lock:
            self._pending |= paths
            if self._scheduled:
                return
            self._scheduled = True
        self.loop.add_callback(self._flush)

    def _flush(self) -> None:
        with self._lock:
            paths, self._pending, self._scheduled = self._pending, set(), False
        self.on_changes(paths)
