"""`explainer check`: the copy desk's pre-publish list, over the site build would publish, rendered in memory
through the same `edition.prepare` as build (nothing written)."""
from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from .. import content, edition, parallel
from ..config import SiteConfig
from ..content import SourceTree, batch
from ..errors import ExplainerError, flatten, problems, raise_all
from ..images import publish
from ..incremental.bodies import BodyStore
from ..incremental.cache import folder_of
from ..incremental.state import converted_bodies
from ..markdown.embedconfig import site_providers
from ..markdown.sections import Converter
from ..model import Explainer, SiteImages
from ..problems import ERROR, WARNING, Formatter, Problem
from ..render import themes
from ..render.share import is_share_link
from ..selection import select
from . import copydesk, external, linkcheck, reading, thirdparty, translations
from .findings import RULES, CheckSettings, settings_from

PARALLEL_FROM = 48     # explainers to convert before a process pool pays for itself (as a build)


@dataclass(frozen=True)
class CheckReport:
    """What `explainer check` found, with the counts its summary line gives."""
    findings: tuple[Problem, ...]   # as found; a Formatter lists them in order
    explainers: int = 0
    pages: int = 0
    drafts_skipped: int = 0
    external_links: int = 0        # distinct outside URLs in the pages
    external_checked: bool = False

    def count(self, level: str) -> int:
        return sum(1 for f in self.findings if f.level == level)

    def failed(self, strict: bool = False) -> bool:
        return self.count(ERROR) > 0 or (strict and self.count(WARNING) > 0)


def check_site(config: SiteConfig, check_external: bool = False,
               start_method: str | None = parallel.PLATFORM_DEFAULT) -> CheckReport:
    """Load and select like `build` does, make the same edition of the site, then run every enabled rule over
    it. Worker processes started with `start_method` (see parallel) convert the explainers of a big site, and
    render and read its pages when they can inherit the edition (fork)."""
    settings = settings_from(config)
    # Scheduled explainers are checked too: they go live without anyone looking again.
    config = replace(config, future=True)
    with parallel.cyclic_gc_paused():      # as a build: the workers forked from here inherit it too
        return _check(config, settings, check_external, start_method)


def _check(config: SiteConfig, settings: CheckSettings, check_external: bool,
           start_method: str | None) -> CheckReport:
    try:
        explainers, tree = _load_all(config, start_method)
        chosen = select(explainers, config)
        images = publish.plan_images(chosen.published, config)      # what build would encode, named, not made
        site = edition.prepare(config, themes.load(themes.resolve(config)), tree, chosen.published, images=images)
        found: list[Problem] = []
        # The copy desk's rules need no page: they run while a worker starts reading the pages.
        read = reading.read_pages(site.pages, config, start_method, meanwhile=lambda: found.extend(
            _copy_desk_findings(chosen.published, config, settings, images.images)))
    except ExplainerError as err:
        return CheckReport(tuple(problems(err)))

    found.extend(thirdparty.findings({path: loads for path, (_, loads) in read.items()}, chosen.published, config))
    found.extend(translations.translation_findings(chosen.published))
    pages = {path: page for path, (page, _) in read.items()}
    published = linkcheck.Site(pages, site.copies,
                               {e.slug: "a draft: it is not on the site until it has `draft: false`"
                                for e in explainers if e.draft and not config.drafts},
                               generated=frozenset([*site.generated, *site.cards]),
                               pictures=frozenset(images.images.pictures), derived=frozenset(site.images))
    links = list(linkcheck.occurrences(pages, chosen.published))
    found.extend(linkcheck.internal_findings(links, published, config, settings))
    outside = _outside_links(links, config)
    checking = check_external and settings.enabled("links/external")
    if checking:
        answers = external.check_urls([url for url, _, _ in outside], settings.external_timeout)
        found.extend(external.findings(outside, answers))

    kept = {f: None for f in found if settings.enabled(f.rule)}   # without repeats
    return CheckReport(tuple(kept), explainers=len(chosen.published),
                       pages=len(pages), drafts_skipped=chosen.drafts,
                       external_links=len({external.address(url) for url, _, _ in outside}),
                       external_checked=checking)


def _copy_desk_findings(explainers: list[Explainer], config: SiteConfig, settings: CheckSettings,
                        images: SiteImages) -> Iterator[Problem]:
    providers = site_providers(config)
    for explainer in explainers:
        yield from copydesk.check_explainer(explainer, settings, config.axioms, config.now, config.timezone,
                                            config.raw_html, providers, images)
        yield from copydesk.author_findings(explainer, config.authors, config.author)


def _load_all(config: SiteConfig, start_method: str | None) -> tuple[list[Explainer], SourceTree]:
    """What `content.load_all` gives, converted like a build converts: in worker processes when there are
    enough explainers to pay for them, and only those whose body no build has converted and kept in the
    cache (check after build converts nothing again)."""
    tree = content.discover(config.content_dir)
    jobs = list(tree.explainers)
    built = converted_bodies(folder_of(config.content_dir)) if config.use_cache else {}
    count = parallel.workers(config)
    if len(jobs) >= PARALLEL_FROM and count >= 2:
        results = batch.load_in_workers(jobs, config, frozenset(built), count, start_method)
    else:
        converter = content.converter_for(config)
        results = [batch.load(job, config, converter, built) for job in jobs]
    raise_all([problem for loaded in results if loaded.error is not None for problem in flatten(loaded.error)])
    bodies = BodyStore(functools.partial(_load_again, config, functools.cache(lambda: content.converter_for(config))))
    return [_with_cached_body(bodies.full(replace(loaded.explainer, body=built[loaded.key]))) if loaded.known
            else loaded.explainer for loaded in results if loaded.explainer is not None], tree


def _with_cached_body(explainer: Explainer) -> Explainer:
    """An explainer with the body a build converted, read from the cache: its pictures and links too."""
    return batch.with_body(explainer, explainer.body)


def _load_again(config: SiteConfig, converter: Callable[[], Converter], explainer: Explainer) -> Explainer:
    """An explainer whose cached body turned out to be gone or damaged, loaded and converted again."""
    return content.load_explainer(explainer.slug, explainer.source, explainer.bundle, config, converter())


def _outside_links(links: list[linkcheck.Occurrence], config: SiteConfig
                   ) -> list[tuple[str, Path | str, int | None]]:
    """(url, path, line) of each outside link; a theme's link is listed once, at the first page it is on."""
    listed, seen_in_theme = [], set()
    outside: dict[str, bool] = {}       # by URL: the theme's links repeat on every page
    for occurrence in links:
        url = occurrence.link.url
        if url not in outside:
            # share links are the services' forms, one per page: nothing to check there
            outside[url] = linkcheck.is_external(url, config) and not is_share_link(url)
        if not outside[url]:
            continue
        if occurrence.from_theme:
            if url in seen_in_theme:
                continue
            seen_in_theme.add(url)
        listed.append((url, occurrence.path, occurrence.line))
    return listed


def format_text(report: CheckReport, shown: Formatter) -> str:
    lines = [shown.finding(f) for f in shown.in_order(report.findings)]
    if report.drafts_skipped:
        lines.append(f"{_plural(report.drafts_skipped, 'draft')} not checked (--drafts to check drafts)")
    if report.external_links and not report.external_checked:
        lines.append(f"{_plural(report.external_links, 'outside link')} not checked (--external to check)")
    errors, warnings = report.count(ERROR), report.count(WARNING)
    checked = f"Checked {_plural(report.explainers, 'explainer')} and {_plural(report.pages, 'page')}"
    if report.external_checked:
        checked += f" and {_plural(report.external_links, 'outside link')}"
    verdict = f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')}" if errors or warnings \
        else "no problems found"
    lines.append(f"{checked}: {verdict}.")
    return "\n".join(lines)


def format_json(report: CheckReport, shown: Formatter) -> str:
    document = {
        "findings": [shown.finding_json(f) for f in shown.in_order(report.findings)],
        "errors": report.count(ERROR),
        "warnings": report.count(WARNING),
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


def format_rules() -> str:
    width = max(len(rule) for rule in RULES)
    return "\n".join(f"{rule:<{width}}  {level:<7}  {text}" for rule, (level, text) in RULES.items())


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'s' * (count != 1)}"

