"""One preview session: rebuild on change, never raise, tell the open pages what to do."""
from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

from ..build import Builder, BuildReport
from ..config import SiteConfig
from ..errors import ExplainerError
from ..parallel import cyclic_gc_paused
from ..problems import Formatter
from .errorpage import BuildFailure
from .reload import SWAPPABLE, ReloadHub

SHOWN_PATHS = 8   # changed files named in a rebuild's log line; the rest are counted


class Preview:
    """What the HTTP handler reads (out_dir, base_path, failure, search_dir) and the rebuild that updates it."""

    def __init__(self, builder: Builder, out_dir: Path, hub: ReloadHub, shown: Formatter,
                 on_success: Callable[[], None] = lambda: None,
                 after_build: Callable[[BuildReport, SiteConfig], None] = lambda report, config: None):
        self.builder = builder
        self.shown = shown      # how problems are shown: paths relative to the folder `serve` started in
        self.out_dir = out_dir
        self.hub = hub
        self.on_success = on_success
        self.after_build = after_build     # after the pages were told: work that must not delay them
        self.search_dir: Path | None = None   # where `pagefind/` is served from (serve/search.py)
        self.base_path = "/"
        self.failure: BuildFailure | None = None
        self._warned: tuple[str, ...] = ()

    def rebuild(self, changes: set[str] | None = None) -> None:
        """Build (`changes` None: the first build); reload or restyle the open pages, or show them the error."""
        started = time.perf_counter()
        failed_before = self.failure is not None
        with cyclic_gc_paused():   # as `explainer build` does: a collection mid-build rescans every explainer
            try:
                report = self.builder.build(changes)
            except ExplainerError as err:
                return self._fail(BuildFailure.from_error(err))
            except Exception as err:   # a bug must not stop the preview: it is shown like a user's mistake
                return self._fail(BuildFailure.from_bug(err))
        self.failure = None
        config = self.builder.config
        assert config is not None   # the build that just succeeded read it
        self.base_path = config.base_path
        self.on_success()
        sent, how = self._tell_pages(report, failed_before) if changes is not None else (0, "first build")
        print(rebuild_line(report, changes or set(), time.perf_counter() - started, sent, how), flush=True)
        self.after_build(report, config)
        if report.warnings != self._warned:     # said once, not after every save
            self._warned = report.warnings
            for warning in report.warnings:
                print(f"warning: {warning}", file=sys.stderr, flush=True)

    def serve_index(self, folder: Path | None) -> None:
        """Serve `pagefind/` from this folder from now on (None: from the preview's own files)."""
        self.search_dir = folder

    def _tell_pages(self, report: BuildReport, failed_before: bool) -> tuple[int, str]:
        if failed_before:
            return self.hub.reload_pages(), "reloaded"
        if not report.changed_paths:
            return 0, "nothing changed"
        if self._swappable(report.changed_paths):
            return self.hub.swap_in_place(list(report.changed_paths)), "swapped in place"
        return self.hub.reload_pages(report.changed_paths[0]), "reloaded"

    def _fail(self, failure: BuildFailure) -> None:
        self.failure = failure
        if self.builder.config is not None:
            self.base_path = self.builder.config.base_path
        print(failure.terminal_text(self.shown), file=sys.stderr, flush=True)
        sent = self.hub.reload_pages()
        print(f"build failed; {sent} open page{'s' * (sent != 1)} show the error until the next good save",
              file=sys.stderr, flush=True)

    def _swappable(self, changed: tuple[str, ...]) -> bool:
        """Only stylesheets or images were rewritten (none deleted): livereload.js can swap them in place."""
        return all(p.lower().endswith(SWAPPABLE) and (self.out_dir / p).is_file() for p in changed)


def rebuild_line(report: BuildReport, changes: set[str], seconds: float, pages: int, how: str) -> str:
    """One line per rebuild: what triggered it, the work done, the files rewritten (tests and benchmarks read it)."""
    stages = ", ".join(f"{stage} {spent * 1000:.0f}" for stage, spent in report.timings.items())
    changed = list(report.changed_paths)
    named = ", ".join(changed[:SHOWN_PATHS]) + (f", … {len(changed) - SHOWN_PATHS} more"
                                                if len(changed) > SHOWN_PATHS else "")
    trigger = ", ".join(sorted(Path(c).name for c in changes if c)[:3]) + ("…" if len(changes) > 3 else "")
    return (f"rebuilt in {report.seconds * 1000:.0f} ms ({stages} ms; {seconds * 1000:.0f} ms with reload) "
            f"after {trigger or 'start'}: {report.rendered} pages rendered, "
            f"{len(changed)} files changed{': ' + named if changed else ''}; {how} ({pages} open)")
