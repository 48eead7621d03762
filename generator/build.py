"""The build, top to bottom: load every explainer → pick what is published → render → write.

`build(config)` is one build from the command line. `Builder` remembers what it loaded, rendered and wrote
(in memory for the preview server, in `.explainer-cache/` between command-line builds), so the next build
reloads only the explainers whose files changed and re-renders only the pages that show them.
"""
from __future__ import annotations

import dataclasses
import functools
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import jinja2

from . import content, outfolder, parallel, render, write
from .config import SiteConfig
from .errors import ExplainerError, flatten, raise_all
from .images import cards
from .incremental import cache
from .markdown.sections import Converter
from .model import Explainer
from .render import hosting, i18n, seo, themes
from .search import site as search
from .selection import Selection, files_to_copy, select

PARALLEL_FROM = 48     # explainers to convert before a process pool pays for itself
SPILL_FROM = 2000      # conversions whose bodies go to disk until rendered, to keep memory flat (~15 kB each)
PROGRESS_FROM = 400    # conversions that take long enough (about 2 s on one core) to show a progress bar
# Not part of the key: the clock (the record's time window covers it), site.yml's parsed form (its bytes are),
# how the work is done, and the folders as spelled (their resolved paths are).
NOT_IN_CONFIG_KEY = frozenset({"now", "raw", "use_cache", "jobs", "content_dir", "out_dir"})


@dataclass(frozen=True)
class Scheduled:
    """The next explainer to go live, as the build summary names it."""
    slug: str
    date: datetime


@dataclass
class BuildReport:
    explainers: int
    pages: int
    written: int
    unchanged: int
    deleted: int
    seconds: float
    drafts_skipped: int = 0
    next_scheduled: Scheduled | None = None
    timings: dict[str, float] = field(default_factory=dict)
    loaded: int = 0                       # explainers read from their files by this build
    rendered: int = 0                     # pages rendered by this build
    changed_paths: tuple[str, ...] = ()   # output files written or deleted, relative to the output folder
    cards_drawn: int = 0                  # social cards drawn (the others came from .explainer-cache/cards)
    warnings: tuple[str, ...] = ()        # printed by the CLI; the build still succeeded
    indexed: int = 0                      # pages put in the search index by this build (0: none, or it was kept)
    search_pages: tuple[str, ...] = ()    # with search on: the pages the index is made of (the preview's indexer)


def _scheduled(chosen: Selection) -> Scheduled | None:
    """The next explainer to go live (what --future would include now)."""
    first = chosen.scheduled[0] if chosen.scheduled else None
    return Scheduled(first.slug, first.date) if first else None


def build(config: SiteConfig, progress: Callable[[int, int], None] | None = None,
          force: bool = False) -> BuildReport:
    """One build into config.out_dir, reusing `.explainer-cache/` unless config.use_cache is off.

    `force` replaces an output folder that explainer did not make (see outfolder).
    """
    return Builder(lambda: config, persist=config.use_cache, progress=progress, force=force).build()


def file_stamp(paths: list[Path]) -> tuple:
    """What tells us a file changed without reading it: size and modification time."""
    stamp: list[tuple[str, int | None, int | None]] = []
    for path in paths:
        try:
            st = path.stat()
            stamp.append((str(path), st.st_mtime_ns, st.st_size))
        except OSError:
            stamp.append((str(path), None, None))
    return tuple(stamp)


def explainer_stamp(source: Path, bundle: Path | None) -> tuple:
    """The stamp of everything an explainer is made of: its Markdown file, or every file in its bundle."""
    if bundle is None:
        return file_stamp([source])
    stamp: list[tuple[str, int | None, int | None]] = []
    folders = [str(bundle)]
    while folders:
        with os.scandir(folders.pop()) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                try:
                    if entry.is_dir():
                        folders.append(entry.path)
                        continue
                    st = entry.stat()
                except OSError:   # a link loop or a dangling link: loading the explainer says what is wrong
                    stamp.append((entry.path, None, None))
                    continue
                stamp.append((entry.path, st.st_mtime_ns, st.st_size))
    return tuple(stamp)


@dataclass(frozen=True)
class Snapshot:
    """Every input of a build as stamps, taken once and before any of it is read: a file saved during the
    build then differs from its stamp, and the next build redoes it."""
    chain: themes.ThemeChain
    theme_stamp: tuple
    tree: content.SourceTree
    stamps: dict[Path, tuple]      # explainer source → stamp of its files
    static_stamp: tuple            # content files outside bundles

    def key(self, config_key: str) -> tuple:
        return (config_key, self.chain, self.theme_stamp, self.static_stamp,
                tuple((slug, self.stamps[source]) for slug, source, _ in self.tree.explainers))


def snapshot(config: SiteConfig) -> Snapshot:
    chain = themes.resolve(config)
    theme_files = [p for folder in chain.folders for p in sorted(folder.rglob("*")) if p.is_file()]
    tree = content.discover(config.content_dir)
    return Snapshot(chain, file_stamp(theme_files), tree,
                    {source: explainer_stamp(source, bundle) for _, source, bundle in tree.explainers},
                    file_stamp(list(tree.static_files)))


class Builder:
    """Builds a site again and again, redoing only what changed since its previous build.

    `persist=True` keeps the state between processes in `.explainer-cache/`; `fingerprint=False` keeps
    theme assets at stable names (the preview server swaps a changed stylesheet in place); `force` replaces
    an output folder explainer did not make; `index_search=False` leaves the search index out (the preview
    server makes it after its reload, see serve/search.py).
    """

    def __init__(self, load_config: Callable[[], SiteConfig], persist: bool = False,
                 fingerprint: bool = True, progress: Callable[[int, int], None] | None = None,
                 force: bool = False, index_search: bool = True):
        self.load_config = load_config
        self.force = force
        self.index_search = index_search
        self.persist = persist
        self.fingerprint = fingerprint
        self.progress = progress
        self.config: SiteConfig | None = None
        self.state: cache.BuildState | None = None
        self._env: jinja2.Environment | None = None
        self._chain: themes.ThemeChain | None = None
        self._converter: Converter | None = None
        self._scratch: tempfile.TemporaryDirectory | None = None   # removed with the builder
        self._cache: Path | None = None        # this build's cache folder; None without one

    @property
    def converter(self) -> Converter:
        """The Markdown converter for the current settings."""
        assert self._converter is not None, "made by _state_for before anything is loaded"
        return self._converter

    def build(self) -> BuildReport:
        started = time.perf_counter()
        timings: dict[str, float] = {}

        def lap(stage: str) -> None:
            timings[stage] = time.perf_counter() - started - sum(timings.values())

        config = self.config = self.load_config()
        if config.search:
            search.require(config)
        outfolder.check_output_folder(config.out_dir, config.content_dir)
        outfolder.remove_leftovers(config.out_dir)
        snap = snapshot(config)
        self._cache, cache_warning = self._cache_folder(config)
        persist = self.persist and self._cache is not None
        inputs = cache.digest_of(snap.key(self._config_key(config)))
        if persist and self.state is None:
            unchanged = self._up_to_date(config, inputs, started)
            if unchanged:
                return unchanged
        state = self._state_for(config, persist)
        forced = outfolder.claim_output_folder(config.out_dir, lambda: self._made_here(config, state), self.force)
        if state.manifest and not cache.folders_unchanged(config.out_dir, state.folders):
            # Someone else (a build without the cache, a person) changed the output folder: the manifest
            # no longer lists every file in it, so write it anew rather than update it in place.
            state.manifest, state.shown = {}, {}
        everything = self._refresh_theme(config, state, snap)
        explainers, loaded = self._load(config, state, snap)
        tree = snap.tree
        chosen = select(explainers, config)
        lap("load")

        assert self._chain is not None and self._env is not None   # read by _refresh_theme
        static = themes.static_files(self._chain)
        assets = render.fingerprint(static) if self.fingerprint else {rel: rel for rel in static}
        # Before the writer starts its threads, so the cards' process pool can still fork.
        card_report = cards.make_cards(chosen.published, config, self._chain.folders, self._cards_folder())
        lap("cards")

        interface = i18n.load(self._chain.folders, {e.language for e in chosen.published}, config.language)
        renderer = render.Renderer(config, self._env, assets, render.listing(chosen.published, config.language),
                                   interface)
        copies = files_to_copy(config, static, assets, tree, chosen.published,
                               generated=[*generated_paths(renderer), *card_report.files,
                                          *search.generated_paths(config)])
        previous_index = state.shown.get(search.INDEX_KEY)    # _render replaces state.shown
        # Everything goes to a staging folder first: the output changes only once every page rendered.
        writer = write.SiteWriter(config.out_dir, state.manifest, in_place=not (everything or forced))
        try:
            rendered = self._render(renderer, state, writer, everything)
            lap("render")
            indexed = search.add_index(writer, config, renderer.listing.explainers, state, previous_index) \
                if config.search and self.index_search else None
            if indexed:
                lap("search")
            for rel, path in {**card_report.files, **copies}.items():
                writer.file(rel, path)
            report = writer.finish()
        except BaseException:
            writer.abort()
            raise
        changed = bool(loaded or report.written or report.deleted or everything)
        state.manifest = report.manifest
        state.folders = cache.output_folders(config.out_dir, report.manifest)
        if persist:
            cache_warning = self._save(config, state, changed, inputs, chosen, report, rendered[1])
        lap("write")

        return BuildReport(explainers=len(chosen.published), pages=rendered[1], written=report.written,
                           unchanged=report.unchanged, deleted=report.deleted,
                           seconds=time.perf_counter() - started, drafts_skipped=chosen.drafts,
                           next_scheduled=_scheduled(chosen), timings=timings, loaded=loaded, rendered=rendered[0],
                           changed_paths=report.changed_paths, cards_drawn=card_report.drawn,
                           warnings=tuple(filter(None, [cache_warning, seo.base_url_warning(config),
                                                        *card_report.warnings, *interface.warnings,
                                                        indexed.warning if indexed else None])),
                           indexed=indexed.pages if indexed and indexed.rebuilt else 0,
                           search_pages=tuple(search.page_paths(renderer.listing.explainers)) if config.search
                           else ())

    def _cache_folder(self, config: SiteConfig) -> tuple[Path | None, str | None]:
        """This build's cache folder, and the warning when there is one we cannot use.

        `--no-cache` never looks at it; one that is a file, a dangling link or unwritable is left alone.
        """
        if not config.use_cache:
            return None, None
        try:
            return cache.open_folder(config.content_dir), None
        except cache.CacheUnavailable as err:
            return None, f"building without the cache: {err}"

    def _up_to_date(self, config: SiteConfig, inputs: str, started: float) -> BuildReport | None:
        """The report of the previous build when nothing it read has changed, the clock is still in the
        window where it publishes the same explainers, and its output is as it left it."""
        record = cache.load_record(self._record_path(config), config.content_dir, config.out_dir)
        if record is None or record.inputs != inputs or not record.holds_at(config.now):
            return None
        if not record.output_intact(config.out_dir):
            return None
        summary = record.summary
        scheduled = Scheduled(summary.next_slug, summary.next_date) if summary.next_slug and summary.next_date \
            else None
        return BuildReport(explainers=summary.explainers, pages=summary.pages, written=0,
                           unchanged=len(record.outputs), deleted=0, seconds=time.perf_counter() - started,
                           drafts_skipped=summary.drafts, next_scheduled=scheduled,
                           timings={"check": time.perf_counter() - started},
                           warnings=tuple(filter(None, [seo.base_url_warning(config)])))

    def _save(self, config: SiteConfig, state: cache.BuildState, changed: bool, inputs: str,
              chosen: Selection, report: write.WriteReport, pages: int) -> str | None:
        """Keep the state and the record for the next build; a cache we cannot write is a warning."""
        try:
            if changed:
                cache.save_state(self._state_path(config), state, config.content_dir, config.out_dir)
            self._save_record(config, inputs, chosen, report, pages, state.folders)
        except (OSError, cache.CacheDataError) as err:
            cache.forget_record(self._record_path(config))
            reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
            return f"could not save the build cache in {self._cache} ({reason}); the next build starts from scratch"
        return None

    def _save_record(self, config: SiteConfig, inputs: str, chosen: Selection, report: write.WriteReport,
                     pages: int, folders: cache.Folders) -> None:
        scheduled = _scheduled(chosen)
        # Without --future, the same explainers are published from the newest one's date until the next
        # scheduled one's: a build at any other time (a later --as-of, or now after one) must start over.
        since = None if config.future else max((e.date for e in chosen.published), default=None)
        cache.save_record(self._record_path(config), cache.Record(
            inputs=inputs,
            outputs={rel: [size, mtime] for rel, (_, size, mtime) in report.manifest.items()},
            folders={rel: list(stamp) for rel, stamp in folders.items()},
            since=since, until=scheduled.date if scheduled else None,
            summary=cache.Summary(len(chosen.published), pages, chosen.drafts,
                                  scheduled.slug if scheduled else None, scheduled.date if scheduled else None)),
            config.content_dir, config.out_dir)

    def _made_here(self, config: SiteConfig, state: cache.BuildState) -> bool:
        """Whether an output folder without the marker (made before it existed) was written by explainer:
        a file is still as the previous build's manifest says it left it, or that build's cache is there."""
        legacy_state = cache.legacy_state_path(config.content_dir, config.out_dir)
        return legacy_state.is_file() or any(write.as_written(config.out_dir, rel, entry)
                                             for rel, entry in state.manifest.items())

    def _state_path(self, config: SiteConfig) -> Path:
        assert self._cache is not None
        return cache.state_path(self._cache, config.content_dir, config.out_dir)

    def _record_path(self, config: SiteConfig) -> Path:
        assert self._cache is not None
        return cache.record_path(self._cache, config.content_dir, config.out_dir)

    def _config_key(self, config: SiteConfig) -> str:
        """Everything in the configuration that can change a page, as one digest (site.yml by its bytes)."""
        settings = [(f.name, getattr(config, f.name)) for f in dataclasses.fields(config)
                    if f.name not in NOT_IN_CONFIG_KEY]
        return cache.digest_of((settings, config.content_dir.resolve(), config.out_dir.resolve(), self.fingerprint))

    def _state_for(self, config: SiteConfig, persist: bool) -> cache.BuildState:
        """The previous build's state, emptied of what a changed site.yml or option invalidates."""
        if self.state is None:
            self.state = cache.load_state(self._state_path(config), config.content_dir, config.out_dir) \
                if persist else cache.BuildState()
        state = self.state
        config_key = self._config_key(config)
        if state.config_key != config_key:
            state.config_key = config_key
            state.loaded, state.shown = {}, {}
        if self._converter is None or (self._converter.axioms, self._converter.raw_html) != (
                config.axioms, config.raw_html):
            self._converter = Converter(config.axioms, config.raw_html)
        return state

    def _scratch_folder(self) -> Path:
        if self._scratch is None:
            # Beside the output, named like a staging folder: the next build removes it if this one is killed.
            assert self.config is not None
            self._scratch = outfolder.scratch_folder(self.config.out_dir, "bodies")
        return Path(self._scratch.name)

    def _spill_folder(self, config: SiteConfig) -> Path:
        """Where converted bodies wait until their page is rendered: the cache, or a folder of our own."""
        if self.persist and self._cache is not None:
            return cache.bodies_folder(self._cache)
        return self._scratch_folder()

    def _cards_folder(self) -> Path:
        """Social cards are kept in the cache (the preview server's builder too), or in a folder of our own."""
        return self._cache / cache.CARDS if self._cache is not None else self._scratch_folder() / "cards"

    def _refresh_theme(self, config: SiteConfig, state: cache.BuildState, snap: Snapshot) -> bool:
        """Reload the theme when it changed; True means every page must be rendered again."""
        chain, stamp = snap.chain, snap.theme_stamp
        everything = not state.shown or not state.manifest
        if self._env is None or chain != self._chain:
            self._chain, self._env = chain, themes.environment(chain)
        if stamp != state.theme_stamp:
            templates = [s for s in stamp if _renders_pages(s[0])]   # templates and message catalogs
            if templates != [s for s in state.theme_stamp if _renders_pages(s[0])]:
                self._env = themes.environment(chain)   # it caches templates
                everything = True
            elif self.fingerprint:
                everything = True      # a new stylesheet name appears in every page
            state.theme_stamp = stamp
        if everything:
            state.shown = {}
        return everything

    def _load(self, config: SiteConfig, state: cache.BuildState, snap: Snapshot):
        tree, stamps = snap.tree, snap.stamps
        stale = [(slug, source, bundle) for slug, source, bundle in tree.explainers
                 if source not in state.loaded or state.loaded[source][0] != stamps[source]]
        fresh, errors = self._load_stale(config, state, stale)
        raise_all(errors)
        loaded = {}
        for _, source, _ in tree.explainers:
            explainer = fresh[source] if source in fresh else state.loaded[source][1]
            loaded[source] = (stamps[source], explainer)
        state.loaded = loaded
        self._rebuild_damaged_bodies(config, tree, loaded)
        live = {id(e.body) for _, e in loaded.values()}    # by identity: hashing a Body hashes all its HTML
        state.bodies = {key: body for key, body in state.bodies.items() if id(body) in live}
        return [e for _, e in loaded.values()], len(stale)

    def _rebuild_damaged_bodies(self, config: SiteConfig, tree: content.SourceTree, loaded: dict) -> None:
        """A body on disk that turns out to be damaged is converted again from its Markdown, never shown."""
        for slug, source, bundle in tree.explainers:
            body = loaded[source][1].body
            if isinstance(body, cache.StoredBody):
                body.rebuild = functools.partial(self._convert_again, slug, source, bundle, config)

    def _convert_again(self, slug: str, source: Path, bundle: Path | None, config: SiteConfig):
        return content.load_explainer(slug, source, bundle, config, self.converter).body

    def _load_stale(self, config: SiteConfig, state: cache.BuildState, stale: list):
        """Read the explainers whose files changed: cached bodies here, Markdown in parallel when many."""
        fresh: dict[Path, Explainer] = {}
        errors: list[ExplainerError] = []
        to_convert = []
        for slug, source, bundle in stale:
            try:
                text = source.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                text = ""
            key = content.body_cache_key(text, slug, source, config, self.converter)
            if key in state.bodies or len(stale) < PARALLEL_FROM or parallel.workers(config) < 2:
                self._load_one(slug, source, bundle, config, state.bodies, fresh, errors)
            else:
                to_convert.append((slug, source, bundle, key))
        if to_convert:
            results = self._convert_in_pool(config, to_convert)
            for (_, source, _, key), (explainer, error) in zip(to_convert, results):
                if error is not None:
                    errors.extend(flatten(error))
                else:
                    fresh[source] = explainer
                    state.bodies[key] = explainer.body
        return fresh, errors

    def _load_one(self, slug, source, bundle, config, bodies, fresh, errors) -> None:
        try:
            fresh[source] = content.load_explainer(slug, source, bundle, config, self.converter, bodies)
        except ExplainerError as err:
            errors.extend(flatten(err))

    def _convert_in_pool(self, config: SiteConfig, jobs: list) -> list:
        workers = parallel.workers(config)
        chunk = max(1, len(jobs) // (workers * 8))
        spill = self._spill_folder(config) if len(jobs) >= SPILL_FROM else None
        with parallel.process_pool(workers, _init_worker, (config, spill)) as pool:
            results = []
            show = self.progress if len(jobs) >= PROGRESS_FROM else None
            for done, result in enumerate(pool.map(_load_job, [j[:3] for j in jobs], chunksize=chunk), 1):
                results.append(result)
                if show and (done % 25 == 0 or done == len(jobs)):
                    show(done, len(jobs))
            return results

    def _render(self, renderer: render.Renderer, state: cache.BuildState, writer: write.SiteWriter,
                everything: bool) -> tuple[int, int]:
        """Write every page; an explainer page whose inputs are unchanged is carried over, not rendered."""
        shown: dict[str, str] = {}
        rendered = pages = 0
        site_wide = renderer.site_wide_key()
        stamps = {e.source: cache.digest_of(stamp) for stamp, e in state.loaded.values()}
        for explainer in renderer.listing.explainers:
            path = f"{explainer.slug}/index.html"
            key = cache.digest_of((stamps[explainer.source], site_wide, renderer.translations_key(explainer)))
            if everything or state.shown.get(path) != key or not writer.keep(path):
                writer.page(path, renderer.explainer_page(cache.with_body(explainer)).encode("utf-8"))
                rendered += 1
            shown[path] = key
            pages += 1
        for path, shows, make in render.list_page_jobs(renderer):
            key = cache.digest_of((site_wide, tuple(stamps[e.source] for e in shows)))
            if everything or state.shown.get(path) != key or not writer.keep(path):
                writer.page(path, make().encode("utf-8"))
                rendered += 1
            shown[path] = key
            pages += 1
        headers = hosting.headers_file(renderer.config.base_path, renderer.assets.values())
        writer.page(hosting.HEADERS_FILE, headers.encode("utf-8"))
        state.shown = shown
        return rendered, pages


def _renders_pages(path: str) -> bool:
    """A theme file that pages are rendered with (a template, a message catalog), unlike a static file."""
    return "/templates/" in path or f"/{i18n.LOCALES}/" in path


def generated_paths(renderer: render.Renderer) -> list[str]:
    """Every page and file the build itself writes (the social cards aside)."""
    pages = [f"{explainer.slug}/index.html" for explainer in renderer.listing.explainers]
    return pages + [path for path, _, _ in render.list_page_jobs(renderer)] + [hosting.HEADERS_FILE, write.MARKER]


# Worker processes: each converts with its own Markdown instance, made once per process.
_worker: dict = {}


def _init_worker(config: SiteConfig, bodies_dir: Path | None) -> None:
    _worker.update(config=config, converter=Converter(config.axioms, config.raw_html), bodies_dir=bodies_dir)


def _load_job(job: tuple) -> tuple[Explainer | None, ExplainerError | None]:
    """Load one explainer; its converted body goes to disk, so the main process never holds them all."""
    slug, source, bundle = job
    try:
        explainer = content.load_explainer(slug, source, bundle, _worker["config"], _worker["converter"])
    except ExplainerError as err:
        return None, err
    if _worker["bodies_dir"] is None:
        return explainer, None
    stored = cache.spill_body(explainer.body, _worker["bodies_dir"])
    return dataclasses.replace(explainer, body=cache.as_body(stored)), None
