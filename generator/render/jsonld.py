"""schema.org JSON-LD: a `NewsArticle` for each explainer (Google's article guidelines, plus speakable; the
hero's crops as its images, the logo as its publisher's), a `ProfilePage` for each author's page, a `Person`
for each byline site.yml's `authors:` has; written so that it is safe between <script> tags. Pure functions
of the config and the explainers; no I/O."""
from __future__ import annotations

import json
from typing import Any

from markupsafe import Markup

from ..config import SiteConfig
from ..model import Author, Explainer, Rendition, SiteImages, SocialImages
from .snippets import describe, rfc3339, trim_at_word, url_path

# CSS selectors of what a voice assistant should read aloud; they must match the explainer template's markup.
LEDE_SELECTOR = ".lede"
BIG_PICTURE = "the-big-picture"      # an axiom key: `data-axiom-key`, the same in every language
_JSON_IN_SCRIPT = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                                 "\u2028": "\\u2028", "\u2029": "\\u2029"})


def script(data: dict[str, Any]) -> Markup:
    """JSON to write between <script> tags: `<`, `>`, `&`, U+2028 and U+2029 escaped, so no text in it can
    end the script."""
    return Markup(json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(_JSON_IN_SCRIPT))


def news_article(explainer: Explainer, config: SiteConfig, url: str, images: list[str],
                 logo: dict[str, Any] | None = None, published: SiteImages | None = None) -> dict[str, Any]:
    """The fields Google's article structured-data guidelines ask for, plus speakable; `logo` is the
    publisher's (`publisher_logo`), `published` the site's images (the bylines' portraits among them)."""
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
        "author": [_author(name, config, published) for name in explainer.authors] or [publisher],
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


def article_images(explainer: Explainer, config: SiteConfig, crops: SocialImages | None, share: str | None,
                   drawn_card: bool) -> list[str]:
    """The hero's 16:9, 4:3 and 1:1 crops (what Google asks for), or the social card; the link-preview
    picture (`share`) first when it is another one (a drawn card with `social_cards: always`)."""
    urls = [share] if share else []
    if crops is not None:
        card = urls if drawn_card else []
        return card + [url for url in (_absolute(config, r.url) for r in crops.article) if url]
    hero_url = _absolute(config, explainer.image.url) if explainer.image else None
    return urls + [hero_url] if hero_url and hero_url not in urls else urls


def publisher_logo(config: SiteConfig, logo: Rendition | None) -> dict[str, Any] | None:
    """`publisher.logo`: the logo file (a PNG, JPEG or SVG) with its size; none without an absolute base_url."""
    url = _absolute(config, logo.url) if logo else None
    if logo is None or not url:
        return None
    return {"@type": "ImageObject", "url": url, "width": logo.width, "height": logo.height}


def _absolute(config: SiteConfig, relative: str) -> str | None:
    base = config.absolute_base
    return base + url_path(relative) if base else None


def speakable_selectors(explainer: Explainer) -> list[str]:
    """The lede and *The big picture*, when the explainer has them."""
    selectors = [LEDE_SELECTOR] if explainer.body.lede_text.strip() else []
    if any(s.key == BIG_PICTURE for s in explainer.body.sections):
        selectors.append(f'section[data-axiom-key="{BIG_PICTURE}"]')
    return selectors


def profile_page(author: Author, config: SiteConfig, url: str, published: SiteImages | None = None) -> dict[str, Any]:
    """An author's page: a ProfilePage whose main entity is the author."""
    return {"@context": "https://schema.org", "@type": "ProfilePage", "url": url,
            "mainEntity": person(author, config, url, published)}


def _author(name: str, config: SiteConfig, published: SiteImages | None) -> dict[str, Any]:
    """The site's own `author` is the newsroom (an Organization); bylines are people, with their page's URL
    when site.yml's `authors:` has them."""
    known = next((a for a in config.authors if a.name == name), None)
    base = config.absolute_base
    if known and base:
        return person(known, config, base + url_path(known.page), published)
    kind = "Organization" if name in (config.author, config.title) else "Person"
    return {"@type": kind, "name": name}


def person(author: Author, config: SiteConfig, url: str, published: SiteImages | None = None) -> dict[str, Any]:
    """schema.org Person: name, their page on this site, their own page elsewhere (sameAs), role, picture (the
    portrait's fallback file when the site publishes it as derivatives: the original may not be published)."""
    data: dict[str, Any] = {"@type": "Person", "name": author.name, "url": url}
    if author.url:
        data["sameAs"] = [author.url]
    if author.role:
        data["jobTitle"] = author.role
    portrait = published.of(author.image) if published and author.image else None
    image = portrait.src.url if portrait else author.image
    if image and config.absolute_base:
        data["image"] = config.absolute_base + url_path(image)
    if author.bio:
        data["description"] = trim_at_word(author.bio)
    return data
