"""The build, top to bottom: load every explainer → pick what is published → render → write.

`build(config)` is one full build. `Builder` keeps what it loaded and rendered, so the preview server's
next build reloads only the explainers whose files changed and re-renders only the pages that show them.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import jinja2

from . import cards, content, render, seo, themes, write
from .config import SiteConfig
from .errors import ContentError, ExplainerError, SourceLocation, raise_all
from .model import Explainer
from .sections import Converter


@dataclass(frozen=True)
class Selection:
    published: list[Explainer]
    drafts: int
    scheduled: list[Explainer]          # dated after `now`, soonest first


@dataclass
class BuildReport:
    explainers: int
    pages: int
    written: int
    unchanged: int
    deleted: int
    seconds: float
    drafts_skipped: int = 0
    next_scheduled: Explainer | None = None
    timings: dict[str, float] = field(default_factory=dict)
    rendered: int = 0                     # pages rendered by this build (all of them, unless incremental)
    changed_paths: tuple[str, ...] = ()   # output files written or deleted, relative to the output folder
    cards_drawn: int = 0                  # social cards drawn (the others came from .explainer-cache/cards)
    warnings: tuple[str, ...] = ()        # printed by the CLI; the build still succeeded


def select(explainers: list[Explainer], config: SiteConfig) -> Selection:
    """Drafts only with --drafts; explainers dated in the future only with --future."""
    published, scheduled, drafts = [], [], 0
    for explainer in explainers:
        if explainer.draft and not config.drafts:
            drafts += 1
        elif explainer.date > config.now and not config.future:
            scheduled.append(explainer)
        else:
            published.append(explainer)
    return Selection(published, drafts, sorted(scheduled, key=lambda e: (e.date, e.slug)))


def build(config: SiteConfig) -> BuildReport:
    """One full build into config.out_dir, swapped in only when everything succeeded."""
    return Builder(lambda: config).build()


Stamp = tuple


def file_stamp(paths: list[Path]) -> Stamp:
    """What tells us a file changed without reading it: size and modification time."""
    stamp = []
    for path in paths:
        try:
            st = path.stat()
            stamp.append((str(path), st.st_mtime_ns, st.st_size))
        except OSError:
            stamp.append((str(path), None, None))
    return tuple(stamp)


def explainer_inputs(source: Path, bundle: Path | None) -> list[Path]:
    if bundle is None:
        return [source]
    return [p for p in sorted(bundle.rglob("*")) if p.is_file()]


class Builder:
    """Builds a site again and again, redoing only what changed since its previous build.

    `incremental=False` (the CLI) builds everything into a staging folder and swaps it in; `incremental=True`
    (the preview server) updates the output folder in place, writing only files whose bytes changed.
    """

    def __init__(self, load_config: Callable[[], SiteConfig], incremental: bool = False,
                 fingerprint: bool = True):
        self.load_config = load_config
        self.incremental = incremental
        self.fingerprint = fingerprint
        self.config: SiteConfig | None = None
        self._site_stamp: Stamp | None = None
        self._theme_stamp: Stamp | None = None
        self._env: jinja2.Environment | None = None
        self._chain: themes.ThemeChain | None = None
        self._converter: Converter | None = None
        self._loaded: dict[Path, tuple[Stamp, Explainer]] = {}
        self._pages: dict[str, bytes] = {}          # what the output folder holds, as we wrote it
        self._files: dict[str, Path] = {}
        self._shown: dict[str, tuple] = {}          # explainer page → the inputs it was rendered from

    def build(self) -> BuildReport:
        started = time.perf_counter()
        timings: dict[str, float] = {}

        def lap(stage: str) -> None:
            timings[stage] = time.perf_counter() - started - sum(timings.values())

        everything = self._refresh_config_and_theme()
        config = self.config
        write.check_output_folder(config.out_dir, config.content_dir)
        explainers, tree = self._load(config)
        chosen = select(explainers, config)
        lap("load")

        static = themes.static_files(self._chain)
        assets = render.fingerprint(static) if self.fingerprint else {rel: rel for rel in static}
        renderer = render.Renderer(config, self._env, assets, render.listing(chosen.published))
        pages, rendered = self._render(renderer, everything)
        lap("render")
        card_report = cards.make_cards(chosen.published, config, self._chain.folders)
        lap("cards")

        files = self._files_to_copy(config, static, assets, tree, chosen.published)
        files = dict(sorted({**files, **card_report.files}.items()))
        warnings = tuple(filter(None, [seo.base_url_warning(config), *card_report.warnings]))
        if self.incremental and not everything and self._pages:
            report = write.update_tree(config.out_dir, pages, files, self._pages, self._files)
        else:
            report = write.replace_tree(config.out_dir, {p: b for p, b in pages.items()}, files)
        self._pages, self._files = pages, files
        lap("write")

        return BuildReport(explainers=len(chosen.published), pages=len(pages), written=report.written,
                           unchanged=report.unchanged, deleted=report.deleted,
                           seconds=time.perf_counter() - started, drafts_skipped=chosen.drafts,
                           next_scheduled=chosen.scheduled[0] if chosen.scheduled else None,
                           timings=timings, rendered=rendered, changed_paths=report.changed_paths,
                           cards_drawn=card_report.drawn, warnings=warnings)

    def _refresh_config_and_theme(self) -> bool:
        """Reload site.yml and the theme when they changed; True means every page must be rendered again."""
        everything = not self.incremental or self.config is None
        probe = self.config or self.load_config()
        site_stamp = file_stamp([probe.site_file])
        if self.config is None or site_stamp != self._site_stamp:
            self.config = self.load_config()
            self._site_stamp = site_stamp
            self._converter = Converter(self.config.axioms)
            self._loaded.clear()
            everything = True
        chain = themes.resolve(self.config)
        theme_files = [p for folder in chain.folders for p in sorted(folder.rglob("*")) if p.is_file()]
        theme_stamp = file_stamp(theme_files)
        templates_changed = self._template_stamp(theme_stamp) != self._template_stamp(self._theme_stamp or ())
        if self._env is None or chain != self._chain or templates_changed:
            self._chain, self._env = chain, themes.environment(chain)
            everything = True
        elif self.fingerprint and theme_stamp != self._theme_stamp:
            everything = True      # a new stylesheet name appears in every page
        self._theme_stamp = theme_stamp
        return everything

    @staticmethod
    def _template_stamp(stamp: Stamp) -> Stamp:
        return tuple(s for s in stamp if "/templates/" in s[0])

    def _load(self, config: SiteConfig) -> tuple[list[Explainer], content.SourceTree]:
        tree = content.discover(config.content_dir)
        explainers, errors, loaded = [], [], {}
        for slug, source, bundle in tree.explainers:
            stamp = file_stamp(explainer_inputs(source, bundle))
            previous = self._loaded.get(source)
            if previous and previous[0] == stamp:
                explainer = previous[1]
            else:
                try:
                    explainer = content.load_explainer(slug, source, bundle, config, self._converter)
                except ExplainerError as err:
                    errors.extend(getattr(err, "errors", [err]))
                    continue
            loaded[source] = (stamp, explainer)
            explainers.append(explainer)
        raise_all(errors)
        if not explainers:
            raise ContentError("no explainers found", SourceLocation(config.content_dir),
                               hint="add <slug>/index.md or <slug>.md with front matter (title, date), "
                                    "or start one with `explainer new \"Title\"`")
        self._loaded = loaded
        return explainers, tree

    def _render(self, renderer: render.Renderer, everything: bool) -> tuple[dict[str, bytes], int]:
        """All pages; in incremental mode, pages whose inputs did not change are taken from the last build."""
        pages: dict[str, bytes] = {}
        shown: dict[str, tuple] = {}
        rendered = 0
        site_wide = renderer.site_wide_key()
        for explainer in renderer.listing.explainers:
            path = f"{explainer.slug}/index.html"
            key = (id(explainer), site_wide)
            if not everything and self._shown.get(path) == key and path in self._pages:
                pages[path] = self._pages[path]
            else:
                pages[path] = renderer.explainer_page(explainer).encode("utf-8")
                rendered += 1
            shown[path] = key
        for path, html in renderer.list_pages().items():
            pages[path] = html.encode("utf-8")
            rendered += 1
        self._shown = shown
        return dict(sorted(pages.items())), rendered

    @staticmethod
    def _files_to_copy(config: SiteConfig, static: dict[str, Path], assets: dict[str, str],
                       tree: content.SourceTree, published: list[Explainer]) -> dict[str, Path]:
        files = {assets[rel]: path for rel, path in static.items()}
        root = config.content_dir.resolve()
        for path in tree.static_files:
            files[path.resolve().relative_to(root).as_posix()] = path
        for explainer in published:
            for path in explainer.files:
                files[f"{explainer.slug}/{path.relative_to(explainer.bundle).as_posix()}"] = path
        return dict(sorted(files.items()))
