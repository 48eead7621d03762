"""The build, top to bottom: scan the inputs → up to date? → load → select → social cards → render → write
(with the search index) → save. Everything incremental sits behind it in `incremental/`; the site itself is
`edition.prepare`'s, the same for build and check.

`build(config)` is one build (the command line's); a `Builder` builds again and again with one `Session`
(the preview server), so the next build reloads only the explainers whose files changed and re-renders only
the pages that show them.
"""
from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from . import content, outfolder, parallel
from .config import SITE_FILE, SiteConfig, base_url_warning
from .incremental import noop, stamps
from .incremental.cache import digest_of
from .incremental.record import Record, Summary, record_of
from .incremental.session import Session, config_key, forget_changed_output
from .incremental.stamps import output_folders
from .incremental.state import BuildState, made_here
from .incremental.store import open_for

if TYPE_CHECKING:
    from . import edition, write
    from .images import cards, publish
    from .markdown.sections import Converter
    from .model import Explainer
    from .search import site as search
    from .selection import Selection

Progress = Callable[..., None]     # (done, total), or (done, total, stage) while encoding images


@dataclass(frozen=True)
class Scheduled:
    """The next explainer to go live, as the build summary names it."""
    slug: str
    date: datetime


@dataclass
class BuildReport:
    """What a build did, as `explainer build` prints it: counts, time, warnings, timings per stage."""
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
    images_encoded: int = 0               # image files encoded (the others came from .explainer-cache/images)
    warnings: tuple[str, ...] = ()        # printed by the CLI; the build still succeeded
    indexed: int = 0                      # pages put in the search index by this build (0: none, or it was kept)
    search_pages: tuple[str, ...] = ()    # with search on: the pages the index is made of (the preview's indexer)


def build(config: SiteConfig, progress: Progress | None = None, force: bool = False, *,
          session: Session | None = None, fingerprint: bool = True,
          start_method: str | None = parallel.PLATFORM_DEFAULT, search_index: bool = True,
          changed: Iterable[str] | None = None, noop_key: str | None = None,
          restat: noop.Restat | None = None) -> BuildReport:
    """One build into config.out_dir, reusing what `session` (or `.explainer-cache/`) kept from the last one.

    `force` replaces an output folder explainer did not make (see outfolder); `fingerprint=False` keeps theme
    assets at their own names (the preview swaps a changed stylesheet in place); `start_method` starts the
    worker processes (see parallel: fork only where no other thread runs; by default, Python's default);
    `search_index=False` leaves a site's search index out (the preview makes it after its reload);
    `changed` are the paths a file-system watcher saw change since the session's last build (the preview's),
    so only the bundles holding them are scanned again; `noop_key`, the command line's options as
    `noop.options_key` has them: the build leaves a no-op record for the next one with the same options;
    `restat`, what the check of that record found when only input files changed: the build takes the last
    build's listing of the inputs from it instead of scanning them (`-v` says `restat` rather than `scan`).
    """
    if session is None:
        with Session(persist=config.use_cache) as own:
            return build(config, progress, force, session=own, fingerprint=fingerprint, start_method=start_method,
                         search_index=search_index, changed=changed, noop_key=noop_key, restat=restat)
    laps = Laps()
    if config.search:                               # search: true needs Pagefind: said before anything is read
        from .search import indexer
        indexer.require(config)
    outfolder.check_output_folder(config.out_dir, config.content_dir)
    outfolder.remove_leftovers(config.out_dir)
    previous, session.snapshot = session.snapshot, None     # kept again once this scan succeeds
    made, session.made = session.made, None                 # and the last edition once this build succeeds
    restated = stamps.from_record(config, restat) if restat is not None and previous is None else None
    snap = session.snapshot = restated or stamps.snapshot_again(config, previous, changed,  # scan the inputs
                                                                folders=noop_key is not None)
    laps("restat" if restated else "scan")
    opened, cache_warning = open_for(config)
    store = opened if session.persist else None     # where the state persists (cards go to `opened` anyway)
    key = config_key(config, fingerprint, search_index)
    inputs = digest_of(snap.key(key)) if store else ""     # every input's stamp: only a saved record needs it
    # The input files that changed since the record's build, when the record's listing was taken (None: scanned).
    changed_files = restat.changed if restated is not None and restat is not None else None
    # A file the no-op check saw changed is an input the record was not made from: it is not read.
    if store and session.state is None and not changed_files and (record := store.unchanged(inputs, config.now)):
        if noop_key is not None:
            store.save_noop(_noop_record(noop_key, config, snap, record))
        return unchanged_report(record, config, laps)
    # The stages, imported by a build with something to do: one that finds nothing changed needs none of
    # Markdown, Jinja2, Babel's formats or Pillow (tests/test_startup.py).
    from . import edition
    from .images import cards, publish
    from .incremental import loading, pageskip
    from .incremental.bodies import BodyStore
    from .incremental.catalogs import CompiledCatalogs
    from .render import themes
    from .selection import select
    state = session.state_for(config, key, store, snap.paths())
    forced = outfolder.claim_output_folder(
        config.out_dir, lambda: made_here(config.out_dir, config.content_dir, state), force)
    forget_changed_output(state, config.out_dir, session.own_output)
    everything, templates_changed = pageskip.everything_again(state, snap.theme_stamp, fingerprint)
    converter = session.converter_for(config)
    workers = loading.Workers(parallel.workers(config), start_method,
                              lambda: session.bodies_folder(store, config.out_dir), progress)
    last_loaded = state.loaded          # the explainers as the last build had them (load_changed makes anew)
    explainers, loaded = loading.load_changed(config, state, snap, converter, workers,  # load
                                              session.restamped(previous, snap))
    session.loaded_from = snap
    chosen = select(explainers, config)                                              # select
    laps("load")
    # One pool encodes the images and draws the social cards while the pages render; the build waits for them
    # only when it writes them (the pages name them, they never read them).
    with parallel.pool_on_demand(parallel.workers(config), start_method) as encoders:
        images = publish.start_images(chosen.published, config,                     # images…
                                      session.images_folder(opened, config.out_dir), opened is not None,
                                      encoders, progress)
        laps("images")
        cards_drawn = cards.start_cards(chosen.published, config, snap.chain.folders,  # social cards…
                                        session.cards_folder(opened, config.out_dir), encoders, images.logo_bytes())
        laps("cards")
        theme = themes.load(snap.chain, session.environment(snap.chain, templates_changed), fingerprint)
        bodies = BodyStore(functools.partial(_load_again, config, converter))
        context = edition.context_of(config, theme, snap.tree, images.plan, snap.theme_stamp)
        again = None if everything else edition.prepare_again(made, context, chosen.published, config, bodies.full)
        made = None                                 # let go before a whole edition is prepared beside it
        site = again.edition if again else edition.prepare(                            # render…
            config, theme, snap.tree, chosen.published, bodies.full, session.related, images.plan,
            CompiledCatalogs(opened.folder) if opened else None)
        if again is None and not everything and changed_files is not None and \
                (edited := loading.text_edits(changed_files, last_loaded, state.loaded)) is not None:
            site = edition.with_fresh_pages(site, edited, {rel for rel in state.shown if not rel.endswith("/")})
        rendered, pages, indexed, report = write_site(site, cards_drawn, state, config.out_dir,  # …and write
                                                      everything, in_place=not (everything or forced), laps=laps,
                                                      search_index=search_index, images=images,
                                                      own_output=session.own_output)
    drawn, encoded = cards_drawn.finish(), images.finish()
    state.take_bodies(bodies.rebuilt)               # cached bodies or sidebars found damaged, loaded again
    state_changed = bool(loaded or report.written or report.deleted or everything or bodies.rebuilt)
    summary = Summary(len(chosen.published), pages, chosen.drafts, *_next(chosen))
    if store:                                                                        # save
        record = record_of(inputs, report.manifest, state.folders, summary, (e.date for e in chosen.published),
                           config.future)
        cache_warning = store.save(state if state_changed else None, record,
                                   _noop_record(noop_key, config, snap, record) if noop_key is not None else None)
    laps("write")
    session.made = again or edition.Made(site, context, tuple(chosen.published))
    return BuildReport(explainers=summary.explainers, pages=pages, written=report.written,
                       unchanged=report.unchanged, deleted=report.deleted, seconds=laps.total(),
                       drafts_skipped=chosen.drafts, next_scheduled=_scheduled(summary), timings=laps.timings,
                       loaded=loaded, rendered=rendered, changed_paths=report.changed_paths,
                       cards_drawn=drawn.drawn, images_encoded=encoded.encoded, warnings=tuple(filter(None, [
                           cache_warning, base_url_warning(config), *drawn.warnings, *site.warnings,
                           indexed.warning if indexed else None])),
                       indexed=indexed.pages if indexed and indexed.rebuilt else 0, search_pages=site.index)


class Builder:
    """Builds a site again and again with one session, redoing only what changed since its previous build.

    `persist=True` keeps the state between processes in `.explainer-cache/` too; `fingerprint`, `force`,
    `start_method` and `search_index` as for `build` (the preview server passes spawn, as its watcher and
    server run threads, and makes the search index itself, after the reload: serve/search.py);
    `own_output=True`: the output folder is the builder's alone (see `Session.own_output`).
    """

    def __init__(self, load_config: Callable[[], SiteConfig], persist: bool = False,
                 fingerprint: bool = True, progress: Progress | None = None,
                 force: bool = False, start_method: str | None = parallel.PLATFORM_DEFAULT,
                 search_index: bool = True, own_output: bool = False):
        self.load_config = load_config
        self.session = Session(persist, own_output=own_output)
        self.progress, self.force, self.fingerprint, self.start_method = progress, force, fingerprint, start_method
        self.search_index = search_index
        self.config: SiteConfig | None = None

    def build(self, changed: Iterable[str] | None = None) -> BuildReport:
        """A build; `changed` as for `build`: the paths changed since this builder's last build, if known."""
        self.config = self.load_config()
        return build(self.config, self.progress, self.force, session=self.session, fingerprint=self.fingerprint,
                     start_method=self.start_method, search_index=self.search_index, changed=changed)

    def close(self) -> None:
        self.session.close()


def write_site(site: edition.Edition, cards_drawn: cards.PendingCards, state: BuildState, out_dir: Path,
               everything: bool, in_place: bool, laps: Laps, search_index: bool = True,
               images: publish.PendingImages | None = None, own_output: bool = False
               ) -> tuple[int, int, search.Indexed | None, write.WriteReport]:
    """Every file of the edition into a staging folder first (the output changes only once every page
    rendered), unchanged pages carried over, then the search index of the explainer pages as written, the
    social cards and the encoded images (waited for here: they were made while the pages rendered); the state
    takes the new manifest. `own_output`: the folder is the session's alone (`Session.own_output`)."""
    from . import write
    from .incremental import pageskip
    from .search import site as search
    writer = write.SiteWriter(out_dir, state.manifest, in_place=in_place, trusted=own_output)
    indexed = None
    try:
        rendered, pages = pageskip.write_pages(site.pages, site.renderer.site_wide_key(), state, writer, everything,
                                               site.fresh)
        laps("render")
        if site.index and search_index:
            indexed = search.add_index(site.renderer.config, site.index, state, writer)
            laps("search")
        for rel, data in site.generated.items():
            writer.page(rel, data)
        card_files = cards_drawn.finish()
        laps("cards drawn")
        for rel in site.cards:
            writer.cached_file(rel, card_files.files[rel], card_files.digest(rel))
        for rel, path in site.copies.items():
            writer.file(rel, path)
        if images is not None:
            images.finish().publish(writer)
            laps("images encoded")
        report = writer.finish()
    except BaseException:
        writer.abort()
        raise
    # None added or removed: the files of the last build, in the folders it left.
    same_files = not report.deleted and len(report.manifest) == len(state.manifest)
    state.manifest = report.manifest
    # Written in place, the folders were checked before (session.forget_changed_output): only those it
    # changed are stamped again.
    state.folders = output_folders(out_dir, report.manifest, state.folders if writer.in_place else None,
                                   report.changed_paths, same_files)
    return rendered, pages, indexed, report


def unchanged_report(record: Record, config: SiteConfig, laps: Laps) -> BuildReport:
    """The report of a build that found nothing changed since the last one."""
    summary = record.summary
    return BuildReport(explainers=summary.explainers, pages=summary.pages, written=0,
                       unchanged=len(record.outputs), deleted=0,
                       seconds=laps.total(), drafts_skipped=summary.drafts, next_scheduled=_scheduled(summary),
                       timings={"check": laps.total()}, warnings=tuple(filter(None, [base_url_warning(config)])))


def _noop_record(key: str, config: SiteConfig, snap: stamps.Snapshot, record: Record) -> dict | None:
    """The no-op record of a build that left `record` (noop.py): None when the scan could not stamp every
    folder (a link among them) or a moment lacks its time zone."""
    code = noop.code_stamps()
    files = stamps.record_files(snap)
    if snap.folders is None or code is None or any(mtime is None for _, mtime, _ in files):
        return None
    try:
        window = (noop.microseconds(record.since), noop.microseconds(record.until))
        as_of = noop.microseconds(config.now)
    except ValueError:
        return None
    summary, scheduled = record.summary, _scheduled(record.summary)
    printed = {"explainers": summary.explainers, "pages": summary.pages, "drafts": summary.drafts,
               "next": [scheduled.slug, scheduled.date.isoformat()] if scheduled else None,
               "warnings": [warning for warning in [base_url_warning(config)] if warning]}
    return noop.record_data(key, config.content_dir, config.out_dir, config.content_dir / SITE_FILE,
                            config.site_digest, snap.folders, files, code, window, as_of, record.outputs,
                            record.folders, printed, stamps.scan_record(config, snap))


def _next(chosen: Selection) -> tuple[str | None, datetime | None]:
    """The next explainer to go live (what --future would include now), as slug and date."""
    first = chosen.scheduled[0] if chosen.scheduled else None
    return (first.slug, first.date) if first else (None, None)


def _scheduled(summary: Summary) -> Scheduled | None:
    return Scheduled(summary.next_slug, summary.next_date) if summary.next_slug and summary.next_date else None


def _load_again(config: SiteConfig, converter: Converter, explainer: Explainer) -> Explainer:
    """An explainer whose cached body or sidebars turned out to be damaged, loaded again from its files."""
    return content.load_explainer(explainer.slug, explainer.source, explainer.bundle, config, converter)


class Laps:
    """Seconds spent in each stage of one build, for `build -v` and the preview's log line."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.timings: dict[str, float] = {}

    def __call__(self, stage: str) -> None:
        self.timings[stage] = self.total() - sum(self.timings.values())

    def total(self) -> float:
        return time.perf_counter() - self.started
