"""The build, top to bottom: load every explainer → pick what is published → render → write."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from . import content, hosting, render, themes, write
from .config import SiteConfig
from .errors import ContentError, SourceLocation
from .model import Explainer


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
    started = time.perf_counter()
    timings: dict[str, float] = {}

    def lap(stage: str) -> None:
        timings[stage] = time.perf_counter() - started - sum(timings.values())

    write.check_output_folder(config.out_dir, config.content_dir)
    chain = themes.resolve(config)
    explainers, tree = content.load_all(config)
    if not explainers:
        raise ContentError("no explainers found", SourceLocation(config.content_dir),
                           hint="add <slug>/index.md or <slug>.md with front matter (title, date), "
                                "or start one with `explainer new \"Title\"`")
    chosen = select(explainers, config)
    lap("load")

    static = themes.static_files(chain)
    assets = render.fingerprint(static)
    html = render.render_site(chosen.published, config, themes.environment(chain), assets)
    lap("render")

    files = {assets[rel]: path for rel, path in static.items()}
    root = config.content_dir.resolve()
    for path in tree.static_files:
        files[path.resolve().relative_to(root).as_posix()] = path
    for explainer in chosen.published:
        for path in explainer.files:
            files[f"{explainer.slug}/{path.relative_to(explainer.bundle).as_posix()}"] = path
    pages = {rel: text.encode("utf-8") for rel, text in html.items()}
    pages[hosting.HEADERS_FILE] = hosting.headers_file(config.base_path, assets.values()).encode("utf-8")
    report = write.replace_tree(config.out_dir, pages, dict(sorted(files.items())))
    lap("write")

    return BuildReport(explainers=len(chosen.published), pages=len(pages), written=report.written,
                       unchanged=report.unchanged, deleted=report.deleted,
                       seconds=time.perf_counter() - started, drafts_skipped=chosen.drafts,
                       next_scheduled=chosen.scheduled[0] if chosen.scheduled else None, timings=timings)
