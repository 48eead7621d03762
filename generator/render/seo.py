"""What search engines, feed readers and social platforms read in a page's head: description, canonical URL,
feed links, OpenGraph and Twitter tags, JSON-LD. Pure functions of the config and the explainers; no I/O."""
from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from markupsafe import Markup

from .. import languages
from ..config import SiteConfig
from ..model import Explainer, SiteImages, Term

DESCRIPTION_LIMIT = 160
FRONT_PAGE_HEADLINES = 3     # in the home page's description when site.yml has none
CARD_FILE = "social-card.png"
CARD_SIZE = (1200, 630)
FEED_FILE = "feed.xml"
SITEMAP_FILE = "sitemap.xml"
# CSS selectors of what a voice assistant should read aloud; they must match the explainer template's markup.
LEDE_SELECTOR = ".lede"
BIG_PICTURE = "the-big-picture"      # an axiom key: `data-axiom-key`, the same in every language
# Google may show large image previews (Discover, search) of every page, not only thumbnails.
ROBOTS = "max-image-preview:large"
_JSON_IN_SCRIPT = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                                 "\u2028": "\\u2028", "\u2029": "\\u2029"})


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
    title: str
    path: str                # relative to the site root, e.g. "category/science/feed.xml"


@dataclass(frozen=True)
class Hreflang:
    """`<link rel="alternate" hreflang>`: another language's version of the page (or x-default)."""
    hreflang: str
    url: str                 # absolute


@dataclass(frozen=True)
class ArticleTimes:
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


def trim_at_word(text: str, limit: int = DESCRIPTION_LIMIT) -> str:
    """`text` on one line, cut at a word boundary with an ellipsis so that it is at most `limit` characters."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    if text[limit - 1] != " " and " " in cut:
        cut = cut.rsplit(" ", 1)[0]          # drop the word that was cut in half
    return cut.rstrip(" ,;:.\u2013\u2014-") + "\u2026"


def describe(explainer: Explainer) -> str:
    """The summary, else the lede (or the first section when there is no lede) trimmed for a snippet."""
    if explainer.summary:
        return " ".join(explainer.summary.split())
    text = explainer.body.lede_text
    if not text.strip() and explainer.body.sections:
        text = Markup(explainer.body.sections[0].html).striptags()
    return trim_at_word(text or explainer.title)


def front_page_description(site_title: str, newest_first: tuple[Explainer, ...]) -> str:
    """The home page's description when site.yml has none: the site's name and its newest headlines, in the
    site's own words and language (a fixed English sentence would be wrong on a French site)."""
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


def rfc3339(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def url_path(relative: str) -> str:
    """A site-relative path as it goes into an absolute URL: non-ASCII slugs percent-encoded."""
    return quote(relative, safe="/")


def base_url_warning(config: SiteConfig) -> str | None:
    """The one line a build prints when base_url cannot make absolute URLs."""
    if config.absolute_base:
        return None
    return (f"base_url '{config.base_url}' is not an absolute URL, so canonical links, feeds, the sitemap, "
            "robots.txt, social cards, link-preview images and JSON-LD are left out (set base_url: https://… in "
            "site.yml or pass --base-url)")


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

    def list_page(self, url: str, kind: str, term: Term | None, explainers: tuple[Explainer, ...],
                  gettext: Callable[..., str], language_feed: FeedLink | None, locale: str | None,
                  alternates: tuple) -> PageMeta:
        """A list page's meta: the home page, a language's front page, the categories or tags, one of them."""
        meta = self.listing(url, kind, term, explainers, gettext, language_feed)
        return dataclasses.replace(meta, locale=locale, hreflang=self.hreflang(alternates))

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

    def listing(self, url: str, kind: str | None, term: Term | None, explainers: tuple[Explainer, ...] = (),
                gettext: Callable[..., str] | None = None, language_feed: FeedLink | None = None) -> PageMeta:
        site = self.config
        _ = gettext or _same
        if kind == "category" and term:
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
        data = news_article(explainer, self.config, url, self.article_images(explainer, image), self.logo())
        return Markup(json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(_JSON_IN_SCRIPT))

    def article_images(self, explainer: Explainer, share: ShareImage | None) -> list[str]:
        """The hero's 16:9, 4:3 and 1:1 crops (what Google asks for), or the social card; the link-preview
        picture first when it is another one (a drawn card with `social_cards: always`)."""
        crops = self.images.social.get(explainer.slug)
        urls = [share.url] if share else []
        if crops is not None:
            card = urls if wants_card(explainer, self.config) else []
            return card + [url for url in (self.url(r.url) for r in crops.article) if url]
        hero_url = self.url(explainer.image.url) if explainer.image else None
        return urls + [hero_url] if hero_url and hero_url not in urls else urls

    def logo(self) -> dict[str, Any] | None:
        """JSON-LD `publisher.logo`: the logo file (a PNG, JPEG or SVG) with its size."""
        logo = self.images.logo_url
        url = self.url(logo.url) if logo else None
        if logo is None or not url:
            return None
        return {"@type": "ImageObject", "url": url, "width": logo.width, "height": logo.height}


def news_article(explainer: Explainer, config: SiteConfig, url: str, images: list[str],
                 logo: dict[str, Any] | None = None) -> dict[str, Any]:
    """The fields Google's article structured-data guidelines ask for, plus speakable."""
    publisher: dict[str, Any] = {"@type": "Organization", "name": config.author or config.title,
                                 "url": config.absolute_base}
    if logo:
        publisher["logo"] = logo
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "url": url,
        "headline": explainer.title,
        "description": describe(explainer),
        "datePublished": rfc3339(explainer.date),
        "dateModified": rfc3339(explainer.last_modified),
        "inLanguage": explainer.language,
        "author": [_author(name, config) for name in explainer.authors] or [publisher],
        "publisher": publisher,
        "wordCount": explainer.body.words,
    }
    if images:
        data["image"] = images
    if explainer.category:
        data["articleSection"] = explainer.category.name
    if explainer.tags:
        data["keywords"] = [t.name for t in explainer.tags]
    corrections = [u for u in explainer.updates if u.is_correction]
    if corrections:        # schema.org's CreativeWork.correction, newest first, as the page lists them
        data["correction"] = [{"@type": "CorrectionComment", "text": u.note, "datePublished": rfc3339(u.date)}
                              for u in corrections]
    selectors = speakable_selectors(explainer)
    if selectors:
        data["speakable"] = {"@type": "SpeakableSpecification", "cssSelector": selectors}
    return data


def speakable_selectors(explainer: Explainer) -> list[str]:
    """The lede and *The big picture*, when the explainer has them."""
    selectors = [LEDE_SELECTOR] if explainer.body.lede_text.strip() else []
    if any(s.key == BIG_PICTURE for s in explainer.body.sections):
        selectors.append(f'section[data-axiom-key="{BIG_PICTURE}"]')
    return selectors


def _same(text: str, **variables: str) -> str:
    """gettext where a page has no language: the English text, variables filled in."""
    return text % variables if variables else text


def _author(name: str, config: SiteConfig) -> dict[str, str]:
    """The site's own `author` is the newsroom (an Organization); bylines are people."""
    kind = "Organization" if name in (config.author, config.title) else "Person"
    return {"@type": kind, "name": name}
