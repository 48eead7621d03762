"""What search engines, feed readers and social platforms read in a page's head: description, canonical URL,
feed links, OpenGraph and Twitter tags, JSON-LD (written by `jsonld`). Pure functions of the config and the
explainers; no I/O."""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from .. import languages
from ..config import SiteConfig
from ..model import Author, Explainer, SiteImages, Term
from . import jsonld
from .paging import Pagination
from .snippets import describe, rfc3339, trim_at_word, url_path

FRONT_PAGE_HEADLINES = 3     # in the home page's description when site.yml has none
CARD_FILE = "social-card.png"
CARD_SIZE = (1200, 630)
FEED_FILE = "feed.xml"
SITEMAP_FILE = "sitemap.xml"
# Google may show large image previews (Discover, search) of every page, not only thumbnails.
ROBOTS = "max-image-preview:large"


@dataclass(frozen=True)
class ShareImage:
    """The picture a link preview shows."""
    url: str                 # absolute
    width: int
    height: int
    alt: str
    type: str


@dataclass(frozen=True)
class FeedLink:
    """A feed a page names in its head (`<link rel="alternate">`)."""
    title: str
    path: str                # relative to the site root, e.g. "category/science/feed.xml"


@dataclass(frozen=True)
class Hreflang:
    """`<link rel="alternate" hreflang>`: another language's version of the page (or x-default)."""
    hreflang: str
    url: str                 # absolute


@dataclass(frozen=True)
class ArticleTimes:
    """An explainer page's article metadata: times, section and tags (Open Graph)."""
    published: str
    modified: str
    section: str | None
    tags: tuple[str, ...]


@dataclass(frozen=True)
class PageMeta:
    """Everything `partials/meta.html` writes; None (or empty) means the tag is left out."""
    title: str
    description: str | None
    canonical: str | None
    og_type: str
    image: ShareImage | None
    feeds: tuple[FeedLink, ...]
    article: ArticleTimes | None = None
    json_ld: Markup | None = None
    robots: str | None = None
    locale: str | None = None                       # og:locale, e.g. es_ES
    locale_alternates: tuple[str, ...] = ()         # og:locale:alternate: the translations' locales
    hreflang: tuple[Hreflang, ...] = ()             # every version of the page, itself included
    previous: str | None = None                     # a list's page before and after this one, site-relative
    next: str | None = None

    @property
    def twitter_card(self) -> str:
        return "summary_large_image" if self.image else "summary"


@dataclass(frozen=True)
class ThisPage:
    """The template variable `seo`: `seo.page()` is the page's `meta`, for themes written before templates
    got `meta` itself (nothing is worked out from the template's context any more)."""
    meta: PageMeta | None

    def page(self) -> PageMeta | None:
        return self.meta


def front_page_description(site_title: str, newest_first: tuple[Any, ...]) -> str:
    """The home page's description when site.yml has none: the site's name and the headlines at the top of
    the page, in the site's own words and language (a fixed English sentence would be wrong on a French
    site)."""
    headlines = "; ".join(" ".join(e.title.split()) for e in newest_first[:FRONT_PAGE_HEADLINES])
    return trim_at_word(f"{site_title}: {headlines}" if headlines else site_title)


def wants_card(explainer: Explainer, config: SiteConfig) -> bool:
    """site.yml `social_cards`: auto draws a card for explainers without a hero image.

    None without an absolute base_url: a card is only ever used as og:image, which must be absolute.
    """
    if not config.absolute_base:
        return False
    if config.social_cards == "always":
        return True
    return config.social_cards == "auto" and explainer.image is None


class Discovery:
    """What a page tells search engines and link previews, worked out in Python before it is rendered (the
    renderer passes it to the template as `meta`), and the absolute URLs feeds and the sitemap use."""

    def __init__(self, config: SiteConfig, images: SiteImages | None = None):
        self.config = config
        self.images = images or SiteImages()

    def url(self, relative: str) -> str | None:
        """Absolute URL of a site-relative path, or None when base_url is not absolute."""
        base = self.config.absolute_base
        return base + url_path(relative) if base else None

    def absolute(self, relative: str) -> str:
        """Absolute URL of a site-relative path, on a site whose base_url is absolute (feeds, the sitemap)."""
        base = self.config.absolute_base
        assert base, "feeds and the sitemap are only made when base_url is absolute"
        return base + url_path(relative)

    def not_found(self, gettext: Callable[..., str], locale: str | None) -> PageMeta:
        return PageMeta(title=gettext("Page not found"), description=None, canonical=None, og_type="website",
                        image=None, feeds=self.feeds(), robots="noindex", locale=locale)

    def list_page(self, pagination: Pagination, kind: str, term: Term | None, cards: tuple[Any, ...],
                  gettext: Callable[..., str], language_feed: FeedLink | None, locale: str | None,
                  alternates: tuple, author: Author | None = None) -> PageMeta:
        """A list page's meta: the home page, a language's front page, the categories, tags, authors or series,
        one of them; each page of a list is its own canonical URL, with the pages before and after it."""
        meta = self.listing(pagination.url, kind, term, cards, gettext, language_feed, author)
        if pagination.number > 1:
            meta = dataclasses.replace(meta, json_ld=None)     # an author's profile is their first page
        return dataclasses.replace(meta, locale=locale, hreflang=self.hreflang(alternates) if pagination.number == 1
                                   else (), previous=pagination.previous, next=pagination.next)

    def hreflang(self, alternates: tuple) -> tuple[Hreflang, ...]:
        """Absolute hreflang links (search engines take no relative ones): none without an absolute base_url."""
        if not self.config.absolute_base:
            return ()
        return tuple(Hreflang(a.hreflang, self.absolute(a.path)) for a in alternates)

    def feeds(self, category: Term | None = None, language_feed: FeedLink | None = None) -> tuple[FeedLink, ...]:
        if not self.config.absolute_base:
            return ()
        links = [FeedLink(self.config.title, FEED_FILE)]
        if language_feed:
            links.append(language_feed)
        if category:
            links.append(FeedLink(f"{self.config.title}: {category.name}",
                                  f"category/{category.slug}/{FEED_FILE}"))
        return tuple(links)

    def listing(self, url: str, kind: str | None, term: Term | None, explainers: tuple[Any, ...] = (),
                gettext: Callable[..., str] | None = None, language_feed: FeedLink | None = None,
                author: Author | None = None) -> PageMeta:
        site = self.config
        _ = gettext or _same
        if kind == "author" and author:
            title = author.name
            description = trim_at_word(author.bio) if author.bio else \
                _("%(site)s: explainers by %(author)s.", site=site.title, author=author.name)
            return PageMeta(title=title, description=description, canonical=self.url(url), og_type="profile",
                            image=None, feeds=self.feeds(None, language_feed), json_ld=self.profile(author),
                            robots=ROBOTS)
        if kind == "series" and term:
            title = term.name
            description = _("%(site)s: every part of the series %(series)s.", site=site.title, series=term.name)
        elif kind == "author":
            title, description = _("Authors"), _("%(site)s: every author.", site=site.title)
        elif kind == "series":
            title, description = _("Series"), _("%(site)s: every series.", site=site.title)
        elif kind == "category" and term:
            title = term.name
            description = _("%(site)s: explainers filed under %(category)s.", site=site.title, category=term.name)
        elif kind == "tag" and term:
            title, description = term.name, _("%(site)s: explainers tagged %(tag)s.", site=site.title, tag=term.name)
        elif kind == "category":
            title, description = _("Categories"), _("%(site)s: every category.", site=site.title)
        elif kind == "tag":
            title, description = _("Tags"), _("%(site)s: every tag.", site=site.title)
        else:
            title, description = site.title, site.description or front_page_description(site.title, explainers)
        return PageMeta(title=title, description=description, canonical=self.url(url), og_type="website",
                        image=None, feeds=self.feeds(term if kind == "category" else None, language_feed),
                        robots=ROBOTS)

    def profile(self, author: Author) -> Markup | None:
        """schema.org ProfilePage of an author's page, safe to write between <script> tags."""
        url = self.url(author.page)
        return jsonld.script(jsonld.profile_page(author, self.config, url, self.images)) if url else None

    def share_image(self, explainer: Explainer) -> ShareImage | None:
        if wants_card(explainer, self.config):
            url = self.url(f"{explainer.slug}/{CARD_FILE}")
            width, height = CARD_SIZE
            return ShareImage(url, width, height, f"{explainer.title} ({self.config.title})",
                              "image/png") if url else None
        image = explainer.image
        if image is None:
            return None
        crops = self.images.social.get(explainer.slug)
        if crops is not None:
            preview = crops.preview
            url = self.url(preview.url)
            return ShareImage(url, preview.width, preview.height, image.alt, preview.type) if url else None
        url = self.url(image.url)
        if not url:
            return None
        kind = {"jpg": "jpeg", "svg": "svg+xml"}.get(image.path.suffix.lower().lstrip("."),
                                                     image.path.suffix.lower().lstrip("."))
        return ShareImage(url, image.width, image.height, image.alt, f"image/{kind}")

    def explainer(self, explainer: Explainer, alternates: tuple = (),
                  language_feed: FeedLink | None = None) -> PageMeta:
        image = self.share_image(explainer)
        times = ArticleTimes(published=rfc3339(explainer.date), modified=rfc3339(explainer.last_modified),
                             section=explainer.category.name if explainer.category else None,
                             tags=tuple(t.name for t in explainer.tags))
        others = [a.hreflang for a in alternates if a.hreflang not in (explainer.language, "x-default")]
        return PageMeta(title=explainer.title, description=describe(explainer),
                        canonical=self.url(explainer.url), og_type="article", image=image,
                        feeds=self.feeds(explainer.category, language_feed), article=times,
                        json_ld=self.json_ld(explainer, image), locale=languages.og_locale(explainer.language),
                        locale_alternates=tuple(languages.og_locale(tag) for tag in others),
                        hreflang=self.hreflang(alternates), robots=ROBOTS)

    def json_ld(self, explainer: Explainer, image: ShareImage | None) -> Markup | None:
        """schema.org NewsArticle, safe to write between <script> tags."""
        url = self.url(explainer.url)
        if not url:
            return None
        images = jsonld.article_images(explainer, self.config, self.images.social.get(explainer.slug),
                                       image.url if image else None, wants_card(explainer, self.config))
        return jsonld.script(jsonld.news_article(explainer, self.config, url, images,
                                                 jsonld.publisher_logo(self.config, self.images.logo_url),
                                                 self.images))


def _same(text: str, **variables: str) -> str:
    """gettext where a page has no language: the English text, variables filled in."""
    return text % variables if variables else text
