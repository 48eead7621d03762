"""Pagefind over a set of pages, through its Python API and the binary the `search` extra installs.

The pages are hard-linked into a scratch folder of their own (so Pagefind reads exactly them, and works out
each result's URL from its path), Pagefind indexes that folder and writes its bundle beside it, and the
bundle comes back as bytes in a stable order (see canonical). Nothing is downloaded: the binary ships
in the `pagefind_bin` wheel.
"""
from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..config import SiteConfig
from ..errors import ConfigError, ExplainerError
from ..outfolder import scratch_folder

FOLDER = "pagefind"     # the bundle's folder in the site: a name content cannot use
INSTALL_HINT = "install the search extra: pip install 'explainer[search]'"
# Pagefind's own search interfaces: the theme's search page uses its JavaScript API, so these stay out.
UNUSED = ("pagefind-ui.", "pagefind-modular-ui.", "pagefind-component-ui.", "pagefind-highlight.")
# Pagefind's Python client waits for ever if its service dies mid-answer: a bound far above any real index
# (3,000 explainers take seconds).
TIMEOUT = 900
STOP_GRACE = 10.0     # seconds a stopped build waits for Pagefind's service to end (then it is left to die)


@dataclass(frozen=True)
class Bundle:
    """Pagefind's files (paths inside FOLDER) for a set of pages."""
    files: dict[str, bytes]
    pages: int
    stable: bool      # False: a Pagefind whose files could not be put in a stable order


def missing() -> str | None:
    """What is missing to build a search index (Pagefind's package or its binary), or None."""
    try:
        from pagefind.service import get_executable
    except ImportError:
        return "Pagefind's Python package is not installed"
    try:
        binary = get_executable()
    except (ImportError, OSError):
        binary = None
    if binary is None or not Path(binary).is_file():
        return "Pagefind's binary is not installed"
    return None


def require(config: SiteConfig) -> None:
    """`search: true` needs the extra: a site.yml:line error saying what to install when it is missing."""
    problem = missing()
    if problem:
        raise ConfigError(f"search: true needs Pagefind, and {problem}", config.line_of("search"),
                          hint=INSTALL_HINT)


def version() -> str:
    """The installed Pagefind's version: a new one may index differently, so it is part of the index key."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed
    try:
        return installed("pagefind_bin")
    except PackageNotFoundError:
        return "unknown"


def index_pages(pages: Iterable[tuple[str, Path]], out_dir: Path, language: str) -> Bundle:
    """Index the pages (site-relative path such as `slug/index.html`, the file holding it) with Pagefind;
    `out_dir` says where scratch folders may go (beside it), `language` is the site's."""
    scratch = scratch_folder(out_dir, "search")
    with scratch:
        site, bundle = Path(scratch.name) / "site", Path(scratch.name) / FOLDER
        count = _link_pages(pages, site)
        _run_in_thread(_run_pagefind(site, bundle, language))
        files = {p.relative_to(bundle).as_posix(): p.read_bytes()
                 for p in sorted(bundle.rglob("*")) if p.is_file() and not p.name.startswith(UNUSED)}
    from . import canonical  # (with gzip) only when an index is made
    ordered, stable = canonical.stable_order(files)
    return Bundle(ordered, count, stable)


def _link_pages(pages: Iterable[tuple[str, Path]], site: Path) -> int:
    count = 0
    for rel, source in pages:
        target = site / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, target)
        except OSError:
            shutil.copyfile(source, target)   # another filesystem, or one without hard links
        count += 1
    site.mkdir(parents=True, exist_ok=True)
    return count


def _run_in_thread(coroutine) -> None:
    """Run a coroutine to its end in a thread of its own: the caller may be inside a running event loop (the
    preview server), and a Ctrl-C must stop the caller at once. The thread is a daemon, so it never keeps a
    stopped build alive. When the caller is stopped, the coroutine is cancelled and given STOP_GRACE seconds to
    end Pagefind's service first, so that no Pagefind writes into the scratch folder once it is removed."""
    # Imported here, as Pagefind's own modules are: a build without search never loads them.
    import asyncio

    loop = asyncio.new_event_loop()
    task = loop.create_task(coroutine)
    failure: list[BaseException] = []

    def run() -> None:
        try:
            loop.run_until_complete(task)
        except BaseException as err:   # handed to the caller, who raises it
            failure.append(err)
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    thread = threading.Thread(target=run, name="explainer-search", daemon=True)
    thread.start()
    try:
        thread.join()
    except BaseException:              # stopped (Ctrl-C, SIGTERM): Pagefind's service ends on cancellation
        loop.call_soon_threadsafe(task.cancel)
        thread.join(timeout=STOP_GRACE)
        raise
    if failure:
        raise failure[0]


async def _run_pagefind(site: Path, bundle: Path, language: str) -> None:
    import asyncio

    from pagefind.index import IndexConfig, PagefindIndex

    # One index for every language (language is a filter), stemmed as the site's language: Pagefind would
    # otherwise split it by each page's language and search only the search page's.
    # The section permalinks (`#`) come from the Markdown stage, the same on every site: left out here rather
    # than marked in the page.
    config = IndexConfig(force_language=language.lower(), output_path=str(bundle), write_playground=False,
                         exclude_selectors=[".permalink"])
    try:
        async with PagefindIndex(config=config) as index:   # writes the bundle when the block ends
            await asyncio.wait_for(index.add_directory(str(site)), TIMEOUT)
    except ExplainerError:
        raise
    except asyncio.TimeoutError:
        raise ConfigError(f"Pagefind did not finish the search index within {TIMEOUT} s",
                          hint="run the build again; if it fails again, report it") from None
    except Exception as err:   # the service reports its failures as plain Exceptions with its message
        raise ConfigError(f"Pagefind could not build the search index: {err}",
                          hint="run the build again; if it fails again, report it with this message") from None
