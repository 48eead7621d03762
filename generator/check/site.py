"""`explainer check`: the copy desk's pre-publish list, over the site rendered in memory (nothing written)."""
from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

from .. import content, outfolder, render
from ..config import SiteConfig
from ..errors import ExplainerError
from ..images import cards
from ..render import hosting, i18n, themes
from ..search import site as search
from ..selection import files_to_copy, select
from . import copydesk, external, linkcheck, translations
from .findings import ERROR, RULES, WARNING, Finding, from_error, settings_from
from .sourcemap import SourceText


@dataclass(frozen=True)
class CheckReport:
    findings: tuple[Finding, ...]
    explainers: int = 0
    pages: int = 0
    drafts_skipped: int = 0
    external_links: int = 0        # distinct outside URLs in the pages
    external_checked: bool = False

    def count(self, level: str) -> int:
        return sum(1 for f in self.findings if f.level == level)

    def failed(self, strict: bool = False) -> bool:
        return self.count(ERROR) > 0 or (strict and self.count(WARNING) > 0)


def check_site(config: SiteConfig, check_external: bool = False) -> CheckReport:
    """Load, select and render like `build` does, then run every enabled rule over the result."""
    settings = settings_from(config)
    # Scheduled explainers are checked too: they go live without anyone looking again.
    config = replace(config, future=True)
    try:
        explainers, tree = content.load_all(config)
        chosen = select(explainers, config)
        chain = themes.resolve(config)
        static = themes.static_files(chain)
        assets = render.fingerprint(static)
        cards.check_names(chosen.published, config)
        interface = i18n.load(chain.folders, {e.language for e in chosen.published}, config.language)
        html = render.render_site(chosen.published, config, themes.environment(chain), assets, interface)
        sources = {e.slug: SourceText.read(e.source) for e in chosen.published}
        # The same clash rule as build: pages, the hosting headers and the marker are the site's own files.
        generated = [*html, hosting.HEADERS_FILE, outfolder.MARKER, *search.generated_paths(config)]
        files = files_to_copy(config, static, assets, tree, chosen.published, generated=generated)
    except ExplainerError as err:
        return CheckReport(tuple(from_error(err)))

    found: list[Finding] = []
    for explainer in chosen.published:
        found.extend(copydesk.check_explainer(explainer, sources[explainer.slug], settings, config.axioms,
                                              config.now, config.timezone, config.raw_html))
    found.extend(translations.translation_findings(chosen.published, sources))
    pages = {path: linkcheck.parse_page(text) for path, text in html.items()}
    site = linkcheck.Site(pages, files,
                          {e.slug: "a draft: it is not on the site until it has `draft: false`"
                           for e in explainers if e.draft and not config.drafts})
    links = list(linkcheck.occurrences(pages, chosen.published, sources))
    found.extend(linkcheck.internal_findings(links, site, config, settings))
    outside = _outside_links(links, config)
    checking = check_external and settings.enabled("links/external")
    if checking:
        answers = external.check_urls([url for url, _, _ in outside], settings.external_timeout)
        found.extend(external.findings(outside, answers))

    kept = {f: None for f in found if settings.enabled(f.rule)}   # ordered and without repeats
    return CheckReport(tuple(sorted(kept, key=Finding.sort_key)), explainers=len(chosen.published),
                       pages=len(pages), drafts_skipped=chosen.drafts,
                       external_links=len({external.address(url) for url, _, _ in outside}),
                       external_checked=checking)


def _outside_links(links: list[linkcheck.Occurrence], config: SiteConfig
                   ) -> list[tuple[str, Path | str, int | None]]:
    """(url, path, line) of each outside link; a theme's link is listed once, at the first page it is on."""
    listed, seen_in_theme = [], set()
    for occurrence in links:
        url = occurrence.link.url
        if linkcheck.resolve(url, occurrence.page, config).kind != "external":
            continue
        if occurrence.from_theme:
            if url in seen_in_theme:
                continue
            seen_in_theme.add(url)
        listed.append((url, occurrence.path, occurrence.line))
    return listed


def format_text(report: CheckReport) -> str:
    lines = [f"{f.where}: {f.level}: {f.rule}: {f.message}" for f in report.findings]
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


def format_json(report: CheckReport) -> str:
    document = {
        "findings": [{"path": f.shown_path, "line": f.line, "level": f.level, "rule": f.rule,
                      "message": f.message} for f in report.findings],
        "errors": report.count(ERROR),
        "warnings": report.count(WARNING),
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


def format_rules() -> str:
    width = max(len(rule) for rule in RULES)
    return "\n".join(f"{rule:<{width}}  {level:<7}  {text}" for rule, (level, text) in RULES.items())


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'s' * (count != 1)}"

