"""Links and images in the rendered pages: does each one resolve, and where in the source was it written?"""
from __future__ import annotations

import functools
import posixpath
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import NamedTuple
from urllib.parse import SplitResult, unquote, urlsplit

from ..config import SiteConfig
from ..errors import did_you_mean
from ..model import Explainer
from ..problems import Problem
from . import pagescan
from .findings import CheckSettings, finding
from .images import size_findings
from .nearmiss import NearMisses

_URL_ATTRIBUTES = {"a": "href", "link": "href", "area": "href", "img": "src", "script": "src",
                   "source": "src", "iframe": "src", "video": "src", "audio": "src", "track": "src",
                   "embed": "src"}
_IMPLICIT_IDS = frozenset({"top"})   # `#top` scrolls to the top of any page


class Link(NamedTuple):        # a tuple: hashed and compared at C speed, as each page's links are counted
    """A link or embedded resource on a page: its tag and address."""
    tag: str
    url: str
    alt: str | None = None   # an <img>'s alt attribute; None when missing


@dataclass(frozen=True)
class Page:
    """What the link rules need of a rendered page: its links and the ids it defines."""
    links: tuple[Link, ...]
    ids: frozenset[str]


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[Link] = []
        self.lines: list[int] = []      # the line (from 1) of each link in the text fed
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if _collect(tag, attrs, self.links, self.ids):
            self.lines.append(self.getpos()[0])


def _collect(tag: str, attrs: list[tuple[str, str | None]], links: list[Link], ids: set[str]) -> bool:
    """Add a start tag's ids and link; whether it had a link."""
    values = dict(attrs)
    for name in ("id", "name") if tag == "a" else ("id",):
        value = values.get(name)
        if value:
            ids.add(value)
    url = values.get(_URL_ATTRIBUTES.get(tag, ""))
    if url and url.strip():
        links.append(Link(tag, url.strip(), values.get("alt") if tag == "img" else None))
        return True
    return False


TAGS = frozenset(_URL_ATTRIBUTES)    # the tags a page's links are in (beside any tag's id)


def parse_page(html: str) -> Page:
    return page_from(pagescan.start_tags(html, TAGS))


def page_from(tags: list[pagescan.StartTag]) -> Page:
    """The page's links and ids, from its start tags (pagescan: every tag in TAGS and every tag with an id)."""
    links: list[Link] = []
    ids: set[str] = set()
    for tag, attrs in tags:
        _collect(tag, attrs, links, ids)
    return Page(tuple(links), frozenset(ids))


@dataclass(frozen=True)
class Target:
    """Where a link points, as the link rules classify it."""
    kind: str            # internal, external, outside (a path the site does not serve), other (mailto: …)
    path: str = ""       # site-relative path, for internal targets
    fragment: str = ""


def resolve(url: str, page: str, config: SiteConfig) -> Target:
    """Where `url`, found on the page at site path `page`, points."""
    parts = urlsplit(url)
    absolute = config.absolute_base
    if _on_the_web(parts, url):
        if absolute and url.startswith(absolute):
            return _internal(url[len(absolute):], parts.fragment, "")
        return Target("external")
    if parts.scheme:
        return Target("other")
    path = unquote(parts.path)
    if path.startswith("/"):
        if not path.startswith(config.base_path) and path + "/" != config.base_path:
            return Target("outside", path, parts.fragment)
        return _internal(path[len(config.base_path):], parts.fragment, "")
    return _internal(path, parts.fragment, posixpath.dirname(page)) if path else Target(
        "internal", page, unquote(parts.fragment))


def is_external(url: str, config: SiteConfig) -> bool:
    """Whether `resolve` finds `url` external (without working out where an internal one points)."""
    absolute = config.absolute_base
    return _on_the_web(urlsplit(url), url) and not (absolute and url.startswith(absolute))


def _on_the_web(parts: SplitResult, url: str) -> bool:
    return parts.scheme in ("http", "https") or url.startswith("//")


def _internal(path: str, fragment: str, base: str) -> Target:
    joined = posixpath.normpath(posixpath.join(base, unquote(urlsplit(path).path)))
    if joined == ".." or joined.startswith("../"):
        return Target("outside", path, fragment)
    return Target("internal", "" if joined == "." else joined, unquote(fragment))


@dataclass(frozen=True)
class Site:
    """The site as `build` would write it, in memory."""
    pages: dict[str, Page]        # site path → parsed HTML page
    files: dict[str, Path]        # site path → the file copied there
    not_published: dict[str, str]  # explainer slug → why it is not part of the checked site
    generated: frozenset[str] = frozenset()   # other files the build writes: social cards, _headers
    pictures: frozenset[str] = frozenset()   # pictures shown (as derivatives, which the page's markup names)
    derived: frozenset[str] = frozenset()    # the derivatives the build makes

    def find(self, path: str) -> str | None:
        """The page or file a site path is served from: `a/` and `a` mean `a/index.html`."""
        path = path.strip("/")
        for candidate in (path, f"{path}/index.html" if path else "index.html"):
            if (candidate in self.pages or candidate in self.files or candidate in self.generated
                    or candidate in self.derived):
                return candidate
        return None

    def shows(self, path: str) -> bool:
        """A picture in the text the page shows through derivatives (its `<img>` in the Markdown names the
        original, which need not be published)."""
        return path.strip("/") in self.pictures

    def suggestion(self, written: str, folder: str) -> str:
        """A near miss for a URL path as written, relative to `folder`."""
        return self._near_misses.hint(written, folder)

    @functools.cached_property
    def _near_misses(self) -> NearMisses:
        return NearMisses([*(p.removesuffix("index.html") for p in self.pages), *self.files, *self.generated])


class Occurrence(NamedTuple):     # a tuple: made quickly, once for each link of each page
    """A link on a page, and where it was written: a content file and line, or the theme."""
    link: Link
    page: str
    path: Path | str
    line: int | None
    from_theme: bool = False
    folder: str = ""             # site folder the URL is relative to, as written
    written: str | None = None   # the URL as the source has it, when found there (it may differ from the HTML)

    @property
    def shown(self) -> str:
        return self.written or self.link.url


def occurrences(pages: dict[str, Page], explainers: Iterable[Explainer]) -> Iterator[Occurrence]:
    """Every link of every page, traced back to the line that wrote it when it came from content."""
    by_page = {f"{e.slug}/index.html": e for e in explainers}
    for page_path, page in pages.items():
        left = Counter(page.links)
        explainer = by_page.get(page_path)
        if explainer is not None:
            for occurrence in [*_body_occurrences(explainer, page_path), *_fact_occurrences(explainer, page_path)]:
                if left[occurrence.link] > 0:
                    left[occurrence.link] -= 1
                    yield occurrence
                elif _shown_as_picture(occurrence.link, page_path, explainer):
                    yield occurrence     # on the page as a <picture> of its derivatives, named by the theme
        folder = posixpath.dirname(page_path)
        for link in page.links:
            if left[link] > 0:
                left[link] -= 1
                yield Occurrence(link, page_path, page_path, None, from_theme=True, folder=folder)


def _shown_as_picture(link: Link, page: str, explainer: Explainer) -> bool:
    """A picture of the body that the page shows through the theme's picture markup, not as written."""
    if link.tag != "img":
        return False
    parts = urlsplit(link.url)
    if parts.scheme or parts.netloc or parts.path.startswith("/"):
        return False
    return posixpath.normpath(posixpath.join(posixpath.dirname(page), unquote(parts.path))) in explainer.pictures


def _body_occurrences(explainer: Explainer, page: str) -> Iterator[Occurrence]:
    """The body's links and images, as the converter recorded them: where each is written and how."""
    outline = explainer.body.outline
    folder = explainer.slug if explainer.bundle else ""      # what relative URLs in the text start from
    for link in outline.links:
        if link.url is not None and link.url.strip():
            yield Occurrence(Link(link.tag, link.url.strip(), link.alt), page, explainer.source, link.line,
                             written=link.written, folder=folder)
    for piece in outline.html:      # links in HTML written in the Markdown
        collector = _Collector()
        collector.feed(piece.html)
        collector.close()
        for found, line in zip(collector.links, collector.lines):
            yield Occurrence(found, page, explainer.source, piece.line + line - 1, written=found.url, folder=folder)
    for embed in explainer.body.embeds:     # the theme shows an embed as a frame: it loads from the address's line
        if not embed.facade:
            yield Occurrence(Link("iframe", embed.src), page, explainer.source, embed.line or outline.first_line,
                             written=embed.url, folder=explainer.slug)


def _fact_occurrences(explainer: Explainer, page: str) -> Iterator[Occurrence]:
    """The source links of the sidebar boxes (facts, numbers, timeline events)."""
    for box in explainer.sidebars:
        for item in box.items:
            source = getattr(item, "source", None)
            if source and source.url:
                where = source.where or item.where
                yield Occurrence(Link("a", source.url), page, where.path, where.line, folder=explainer.slug)


def internal_findings(found: list[Occurrence], site: Site, config: SiteConfig,
                      settings: CheckSettings) -> Iterator[Problem]:
    """Broken links, missing anchors, images without alt text, missing or oversized image files."""
    # A theme's broken link is on every page, written relative to each: report it once per target.
    theme: dict[tuple, tuple[str, list[str]]] = {}
    sized: set[tuple[Path | str, str]] = set()
    targets: dict[tuple[str, str | int], Target] = {}    # the theme's links repeat on every page of a folder
    found_at: dict[str, str | None] = {}                 # site path → what `site.find` finds there
    for occurrence in found:
        target = _resolved(occurrence.link.url, occurrence.page, config, targets)
        served = None
        if target.kind == "internal":
            if target.path not in found_at:
                found_at[target.path] = site.find(target.path)
            served = found_at[target.path]
        for rule, message in _problems(occurrence, target, served, site, config):
            if occurrence.from_theme:
                theme.setdefault((rule, target), (message, []))[1].append(occurrence.page)
            else:
                yield finding(occurrence.path, occurrence.line, rule, message)
        if (occurrence.link.tag == "img" and not occurrence.from_theme and served in site.files
                and (occurrence.path, served) not in sized):
            sized.add((occurrence.path, served))
            yield from size_findings(site.files[served], occurrence.shown, occurrence.path,
                                     occurrence.line, settings)
    for (rule, _), (message, pages) in theme.items():
        more = f" (and {len(pages) - 1} more pages)" if len(pages) > 1 else ""
        yield finding(pages[0], None, rule, f"{message}, from the theme's templates{more}")


_LEADING = "".join(map(chr, range(33)))     # what urlsplit strips from the start of a URL: C0 controls, space
_REMOVED = frozenset("\t\r\n")               # what urlsplit removes from anywhere in a URL


def _resolved(url: str, page: str, config: SiteConfig, known: dict[tuple[str, str | int], Target]) -> Target:
    """`resolve`, remembered by URL and the page's folder (all `resolve` reads of the page, unless the URL
    has no path: then it is the page itself). A URL that starts by going up as many folders as the page is deep
    (`../` from `slug/`, the theme's links on every explainer's page) goes to the same place from every folder
    that deep: it is remembered by URL and depth."""
    if url[:1] == "#" and not _REMOVED.intersection(url):    # the page itself, as `resolve` finds it
        return Target("internal", page, unquote(url[1:]))
    if url.lstrip(_LEADING)[:1] in ("", "#", "?"):
        return resolve(url, page, config)
    folder = posixpath.dirname(page)
    depth = folder.count("/") + 1 if folder else 0
    key: tuple[str, str | int] = (url, depth) if depth and url.startswith("../" * depth) else (url, folder)
    target = known.get(key)
    if target is None:
        target = known[key] = resolve(url, page, config)
    return target


def _problems(occurrence: Occurrence, target: Target, served: str | None, site: Site,
              config: SiteConfig) -> Iterator[tuple[str, str]]:
    """(rule, message) of each problem with a link whose target is `target`, served from `served` (`site.find`)."""
    link, url = occurrence.link, occurrence.shown
    is_image = link.tag == "img"
    # The theme's `alt=""` is a decision (the logo beside the site's name, a picture whose alt text the
    # Markdown gave and is reported at its own line); only one without the attribute is the theme's mistake.
    no_alt = link.alt is None if occurrence.from_theme else not (link.alt or "").strip()
    if is_image and no_alt:
        yield "images/alt", f"the image {url} has no alt text (write ![what the picture shows]({url}))"
    if is_image and not occurrence.from_theme and target.kind == "internal" and site.shows(target.path):
        return
    missing_rule = "images/missing" if is_image else "links/internal"
    if target.kind == "outside":
        yield missing_rule, (f"{url} points outside the site (served at {config.base_path}): "
                             "link with a relative path or a full https:// address")
        return
    if target.kind != "internal":
        return
    if served is None:
        slug = target.path.strip("/")
        if slug in site.not_published:
            yield missing_rule, f"{url} points at '{slug}', {site.not_published[slug]}"
            return
        what = "image file" if is_image else "page or file"
        hint = site.suggestion(urlsplit(url).path, occurrence.folder)
        yield missing_rule, f"{url} points at no {what} in the site ({hint})"
        return
    fragment = target.fragment
    if fragment and served in site.pages and fragment not in site.pages[served].ids | _IMPLICIT_IDS:
        ids = sorted(site.pages[served].ids)
        hint = did_you_mean(fragment, ids, otherwise="the ids there: " + ", ".join(ids[:8]),
                            show=lambda found: f"#{found}")
        page = ("this page" if served == occurrence.page
                else served.removesuffix("index.html") or "the front page")
        yield "links/anchor", f"#{fragment} is not an id on {page} ({hint})"
