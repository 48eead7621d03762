"""Atom feeds, sitemap.xml and robots.txt, rendered from the theme's XML templates. Writes nothing."""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from html import escape, unescape
from html.parser import HTMLParser
from urllib.parse import urljoin

from .. import __version__
from ..model import Explainer, Term
from . import translations
from .embeds import FEED_TEMPLATE
from .renderer import Page, Renderer
from .seo import FEED_FILE, SITEMAP_FILE, Discovery, Hreflang, rfc3339

FEED_SIZE = 20
# A feed with no entries still needs <updated> (RFC 4287); the build time would change the file every build.
EMPTY_FEED_UPDATED = "1970-01-01T00:00:00+00:00"
ROBOTS_FILE = "robots.txt"
_URL_ATTRIBUTES = re.compile(r"""(\s(?:href|src|poster)\s*=\s*)(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
_SRCSET = re.compile(r"""(\ssrcset\s*=\s*)(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
# Characters XML 1.0 forbids anywhere, even escaped; Markdown passes them through from the source.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class Entry:
    """One explainer as an Atom feed entry."""
    id: str
    url: str
    title: str
    published: str
    updated: str
    language: str
    authors: tuple[str, ...]
    category: Term | None
    tags: tuple[Term, ...]
    summary: str | None
    html: str                 # the full explainer, links absolute; the template escapes it


@dataclass(frozen=True)
class Feed:
    """One Atom feed (the site's, a category's, a language's …) and its entries."""
    id: str
    title: str
    subtitle: str | None
    self_url: str
    page_url: str
    updated: str
    author: str
    language: str
    category_scheme: str
    tag_scheme: str
    generator_version: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class SitemapUrl:
    """One page's entry in sitemap.xml."""
    loc: str
    lastmod: str | None       # None on a site with nothing published yet
    alternates: tuple[Hreflang, ...] = ()    # xhtml:link hreflang, the same as the page's own


def discovery_pages(renderer: Renderer, listed: list[tuple[str, tuple[Explainer, ...]]]) -> list[Page]:
    """feed.xml, one feed per category and per language, sitemap.xml and robots.txt, as pages that list
    explainers; `listed` is every list page's URL with the explainers it shows, for the sitemap. None of them
    without an absolute base_url."""
    config = renderer.config
    if not config.absolute_base:
        return []
    links = renderer.discovery
    listing = renderer.listing
    pages = feed_pages(renderer)
    # The sitemap shows each explainer's address, time and translations, and every list page's address.
    pages.append(Page(SITEMAP_FILE, (), lambda: renderer.render("sitemap.xml", SITEMAP_FILE,
                                                                urls=sitemap_urls(renderer, links, listed)),
                      key=(tuple(url for url, _ in listed), tuple(map(renderer.translations_key, listing.explainers))),
                      cards=listing.explainers))
    if not (config.content_dir / ROBOTS_FILE).is_file():     # the site's own robots.txt wins
        pages.append(Page(ROBOTS_FILE, (), lambda: renderer.render("robots.txt", ROBOTS_FILE,
                                                                   sitemap_url=links.absolute(SITEMAP_FILE))))
    return pages


def feed_pages(renderer: Renderer) -> list[Page]:
    """feed.xml and the feeds of each category and language (none without an absolute base_url): the pages
    that show explainers whole besides their own."""
    if not renderer.config.absolute_base:
        return []
    links = renderer.discovery
    listing = renderer.listing
    made: dict[str, Entry] = {}      # each explainer's entry, rendered once, shared by every feed that lists it

    def entry(explainer: Explainer) -> Entry:
        if explainer.slug not in made:
            html = entry_html(renderer, renderer.full(explainer), links.absolute(explainer.url))
            made[explainer.slug] = make_entry(explainer, links, html)
        return made[explainer.slug]

    def feed_page(page: str, category: Term | None, shown: tuple[Explainer, ...],
                  language: translations.SiteLanguage | None = None) -> Page:
        path = page + FEED_FILE
        return Page(path, shown, lambda: render_feed(renderer, path, feed(renderer, links, page, category, shown,
                                                                          [entry(e) for e in shown], language)),
                    tuple(renderer.images_key(e) for e in shown))     # entries show the pictures too

    pages = [feed_page("", None, listing.explainers[:FEED_SIZE])]
    pages += [feed_page(f"category/{group.term.slug}/", group.term, group.explainers[:FEED_SIZE])
              for group in listing.categories]
    pages += [feed_page(lang.url, None, tuple(e for e in listing.explainers if e.language == lang.tag)[:FEED_SIZE],
                        lang) for lang in listing.languages]
    return pages


def render_feed(renderer: Renderer, path: str, data: Feed) -> str:
    return _NOT_XML.sub("", renderer.render("feed.xml", path, feed=data))


def feed(renderer: Renderer, links: Discovery, page: str, category: Term | None,
         shown: tuple[Explainer, ...], entries: list[Entry], language: translations.SiteLanguage | None = None) -> Feed:
    """The feed's own fields; it was `updated` when its newest entry was (never the build time). A language's
    feed (`es/feed.xml`) is in that language (`xml:lang`)."""
    config = renderer.config
    title = f"{config.title}: {category.name}" if category else config.title
    if language:
        title = f"{config.title} ({language.name})"
    self_url = links.absolute(page + FEED_FILE)
    return Feed(id=self_url, title=title, subtitle=None if category else config.description,
                self_url=self_url, page_url=links.absolute(page), updated=newest(shown) or EMPTY_FEED_UPDATED,
                author=config.author or config.title, language=language.tag if language else config.language,
                category_scheme=links.absolute("category/"), tag_scheme=links.absolute("tag/"),
                generator_version=__version__, entries=tuple(entries))


def newest(explainers: Iterable[Explainer]) -> str | None:
    """When the newest of `explainers` last changed; None when there are none (every one a draft, say)."""
    moments = [e.last_modified for e in explainers]
    return rfc3339(max(moments)) if moments else None


def make_entry(explainer: Explainer, links: Discovery, html: str) -> Entry:
    url = links.absolute(explainer.url)
    return Entry(id=url, url=url, title=explainer.title, published=rfc3339(explainer.date),
                 updated=rfc3339(explainer.last_modified), language=explainer.language,
                 authors=explainer.authors, category=explainer.category, tags=explainer.tags,
                 summary=explainer.summary, html=html)


def entry_html(renderer: Renderer, explainer: Explainer, page_url: str) -> str:
    """The whole explainer as feed readers show it: theme partial, every link and image absolute."""
    path, root = explainer.url + "index.html", renderer.config.absolute_base
    shown = renderer.with_pictures(explainer, path, root, "partials/feed-image.html")
    html = renderer.render_explainer(shown, "partials/feed-entry.html", path, root=root, language=explainer.language,
                                     embed_template=FEED_TEMPLATE)
    return absolute_links(html, page_url)


def sitemap_urls(renderer: Renderer, links: Discovery, listed: list[tuple[str, tuple[Explainer, ...]]]
                 ) -> list[SitemapUrl]:
    """Every public page with the time what it shows last changed: the front page, the explainers, then every
    other list page (each page of each list)."""
    listing = renderer.listing
    fronts = links.hreflang(translations.front_page_alternates(listing.languages))
    front_pages = {"", *(lang.url for lang in listing.languages)}
    lists = [SitemapUrl(links.absolute(url), newest(shown), fronts if url in front_pages else ())
             for url, shown in listed]
    urls = lists[:1]
    urls += [SitemapUrl(links.absolute(e.url), rfc3339(e.last_modified), links.hreflang(renderer.alternates(e)))
             for e in listing.explainers]
    return urls + lists[1:]


class _StartTags(HTMLParser):
    """Finds where each start tag is in a piece of HTML, so only attributes are ever rewritten."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.tags: list[tuple[tuple[int, int], str]] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append((self.getpos(), self.get_starttag_text() or ""))

    handle_startendtag = handle_starttag


def absolute_links(html: str, base: str) -> str:
    """`html` with href, src, poster and srcset URLs resolved against `base` (feed readers have no page URL)."""
    parser = _StartTags()
    parser.feed(html)
    parser.close()
    line_starts = [0]      # HTMLParser counts lines by "\n" only
    for row in html.split("\n"):
        line_starts.append(line_starts[-1] + len(row) + 1)
    out, done = [], 0
    for (line, column), text in parser.tags:
        start = line_starts[line - 1] + column
        out.append(html[done:start])
        out.append(_rewrite_tag(text, base))
        done = start + len(text)
    out.append(html[done:])
    return "".join(out)


def _rewrite_tag(tag: str, base: str) -> str:
    def one(match: re.Match) -> str:
        value = unescape(match.group(2) if match.group(2) is not None else match.group(3))
        return f'{match.group(1)}"{escape(urljoin(base, value.strip()))}"'

    def srcset(match: re.Match) -> str:
        value = unescape(match.group(2) if match.group(2) is not None else match.group(3))
        candidates = []
        for candidate in value.split(","):
            url, _, descriptor = candidate.strip().partition(" ")
            candidates.append(f"{urljoin(base, url)} {descriptor}".strip())
        return f'{match.group(1)}"{escape(", ".join(candidates))}"'

    return _SRCSET.sub(srcset, _URL_ATTRIBUTES.sub(one, tag))
