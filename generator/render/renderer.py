"""The Renderer: one page of each kind, rendered with the theme's environment and everything it shows passed
to the render call (the site-wide context, the page's language, its SEO data); template errors name the
template and line. Also what list pages are made of, and `Page`, a file to render on demand.
"""
from __future__ import annotations

import dataclasses
import re
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from .. import languages
from ..config import SiteConfig
from ..content import fields
from ..errors import ExplainerError, TemplateError
from ..markdown.media import PICTURE_ATTRIBUTE, PICTURE_TAG
from ..model import Body, Explainer, SiteImages, Term, text_direction
from ..problems import Place
from . import embeds, i18n, seo, translations
from .translations import SiteLanguage


@dataclass(frozen=True)
class Page:
    """A file the site is made of: where it goes, the explainers it shows (when one of them changes, so does
    the page), anything else it shows (`key`: an explainer page's translations) and how to render it, on
    demand, so a build can carry an unchanged page over instead."""
    path: str
    shows: tuple[Explainer, ...]
    render: Callable[[], str]
    key: tuple = ()


@dataclass(frozen=True)
class TermPage:
    term: Term
    explainers: tuple[Explainer, ...]


@dataclass(frozen=True)
class Listing:
    """What the list pages are made of: everything, by category, by tag."""
    explainers: tuple[Explainer, ...]
    categories: tuple[TermPage, ...]
    tags: tuple[TermPage, ...]
    translations: dict[str, tuple[Explainer, ...]] = dataclasses.field(default_factory=dict)   # by key
    languages: tuple[SiteLanguage, ...] = ()    # a multilingual site's, the site's own first


def newest_first(explainers: Iterable[Explainer]) -> tuple[Explainer, ...]:
    return tuple(sorted(explainers, key=lambda e: (-e.date.timestamp(), e.slug)))


def listing(explainers: Iterable[Explainer], site_language: str = "en") -> Listing:
    """Raises ContentError when two explainers spell one term so differently that it would need two names,
    or when an explainer's slug is the folder of a language's front page."""
    ordered = newest_first(explainers)
    fields.check_term_spellings(reversed(ordered))
    site_languages = translations.site_languages(ordered, site_language)
    translations.check_folders(ordered, site_languages)
    return Listing(ordered, _group(ordered, lambda e: [e.category] if e.category else []),
                   _group(ordered, lambda e: e.tags), translations.groups(ordered), site_languages)


def _group(explainers: tuple[Explainer, ...], terms_of: Callable[[Explainer], Iterable[Term]]):
    groups: dict[str, tuple[list[Term], list[Explainer]]] = {}
    for explainer in explainers:
        for term in terms_of(explainer):
            spelling, items = groups.setdefault(term.slug, ([term], []))
            spelling[0] = term      # the oldest explainer's spelling: a new explainer never renames a page
            items.append(explainer)
    return tuple(TermPage(spelling[0], tuple(items)) for _, (spelling, items) in sorted(groups.items()))


def as_it_is(explainer: Explainer) -> Explainer:
    return explainer


class Renderer:
    """Renders each kind of page; template errors name the template and line.

    The environment is only read, never changed: the site-wide context (`site`), the page's language (its
    gettext callables, `i18n`, `lang`, `dir`) and its SEO data (`meta`) go to each render call, so one
    environment serves builds of different sites. `full(explainer)` gives the explainer with its body in
    memory (the build's body store).
    """

    def __init__(self, config: SiteConfig, env: jinja2.Environment, assets: dict[str, str],
                 listing_: Listing, interface: i18n.Interface | None = None,
                 full: Callable[[Explainer], Explainer] = as_it_is, images: SiteImages | None = None):
        self.config, self.env, self.assets, self.listing, self.full = config, env, assets, listing_, full
        self.interface = interface or i18n.load((), (), config.language)
        self.images = images or SiteImages()
        self.site = self.site_context()
        self.discovery = seo.Discovery(config, self.images)

    def site_context(self) -> dict[str, Any]:
        c = self.config
        return {"title": c.title, "description": c.description, "language": c.language,
                "direction": text_direction(c.language),
                "base_url": c.base_url, "author": c.author, "toc_min": c.toc, "search": c.search,
                "timezone": c.timezone,
                "categories": self.listing.categories, "tags": self.listing.tags,
                "languages": self.listing.languages}

    def site_wide_key(self) -> tuple:
        """What every page shows of the rest of the site (the category menu, whether there are tags to link
        to, the logo): when it changes, all pages change."""
        return (tuple((group.term.slug, group.term.name) for group in self.listing.categories),
                bool(self.listing.tags), tuple(lang.tag for lang in self.listing.languages), self.images.logo,
                self.images.logo_url)

    def images_key(self, explainer: Explainer) -> tuple:
        """The published images an explainer's page and feed entry show: a picture in another folder can
        change without the explainer's own files changing."""
        return self.images.shown_by(explainer), self.images.social.get(explainer.slug)

    def translations_key(self, explainer: Explainer) -> tuple:
        """What an explainer's page shows of its translations: when it changes, the page changes."""
        members = self.listing.translations.get(explainer.translation_key or "", ())
        return tuple((e.slug, e.language) for e in members)

    def alternates(self, explainer: Explainer) -> tuple[translations.Alternate, ...]:
        members = self.listing.translations.get(explainer.translation_key or "", ())
        return translations.alternates(explainer, members, self.config.language)

    def language_feed(self, tag: str) -> seo.FeedLink | None:
        """The feed of a language of a multilingual site (none without an absolute base_url)."""
        if not self.config.absolute_base:
            return None
        lang = next((lang for lang in self.listing.languages if lang.tag == tag), None)
        return seo.FeedLink(f"{self.config.title} ({lang.name})", f"{lang.folder}/{seo.FEED_FILE}") if lang else None

    def language_home(self, tag: str) -> str:
        """The site-relative front page of a language: its folder on a multilingual site, else the root."""
        if tag == self.config.language:
            return ""
        return next((lang.url for lang in self.listing.languages if lang.tag == tag), "")

    def render(self, template: str, path: str, root: str | None = None, language: str | None = None,
               meta: seo.PageMeta | None = None, **context: Any) -> str:
        """Render one page; links are relative to it (`root` leads back to the site root). `language` is the
        page's (default: the site's): its interface strings, dates and numbers, `lang` and `dir`."""
        root = root or "../" * path.count("/") or "./"
        speaks = self.interface.page(language or self.config.language)
        try:
            return self.env.get_template(template).render(
                site=self.site, meta=meta, seo=seo.ThisPage(meta),
                page={"path": path, "root": root, "url": path.removesuffix("index.html"), "language": speaks.tag},
                root=root, asset=lambda name: root + self.assets[f"static/{name}"], lang=speaks.tag,
                dir=speaks.direction, language_home=root + self.language_home(speaks.tag),
                language_feed=self.language_feed(speaks.tag), images=self.images, **speaks.template_context(),
                **context)
        except jinja2.TemplateSyntaxError as err:
            raise TemplateError(f"template syntax error: {err.message}",
                                Place(Path(err.filename or err.name or template), err.lineno),
                                hint="fix the template") from None
        except jinja2.TemplateNotFound as err:
            raise TemplateError(f"template not found: {err.name}", Place(Path(template)),
                                hint="a theme override must keep the default theme's template names") from None
        except ExplainerError:
            raise                   # a template file that cannot be read, or a mistake found while rendering
        except RecursionError as err:
            raise TemplateError(f"error rendering {path}: the template calls itself without end",
                                _template_frame(err, template),
                                hint="an include, extends or macro call leads back to itself; break the loop") \
                from None
        except Exception as err:    # a theme is code: whatever its expressions raise is the template's mistake
            raise TemplateError(f"error rendering {path}: {_describe(err)}", _template_frame(err, template),
                                hint=_hint(err)) from None

    def with_embeds(self, explainer: Explainer, path: str, template: str = embeds.PAGE_TEMPLATE,
                    root: str | None = None) -> Explainer:
        """The explainer with its body's embeds in the theme's markup (`template`), for the page at `path`."""
        return embeds.with_embeds(explainer, lambda embed: self.render(
            template, path, root=root, language=explainer.language, embed=embed))

    def explainer_page(self, explainer: Explainer) -> str:
        speaks = self.interface.page(explainer.language)
        path = f"{explainer.slug}/index.html"
        shown = i18n.localised_permalinks(self.with_pictures(self.full(explainer), path), speaks)
        alternates = self.alternates(explainer)
        meta = self.discovery.explainer(shown, alternates, self.language_feed(speaks.tag))
        return self.render_explainer(shown, "explainer.html", path,
                                     language=explainer.language, meta=meta, alternates=alternates,
                                     translations=[a for a in alternates
                                                   if a.hreflang not in (explainer.language, translations.X_DEFAULT)])

    def render_explainer(self, shown: Explainer, template: str, path: str,
                         embed_template: str = embeds.PAGE_TEMPLATE, **context: Any) -> str:
        """`render` of what shows one explainer (its page, its feed entry): a template error names it. The
        context's `explainer` is `shown` unless given (a localised copy, say), with its body's embeds in the
        theme's markup (`embed_template`)."""
        context.setdefault("explainer", shown)
        try:
            context["explainer"] = self.with_embeds(context["explainer"], path, embed_template, context.get("root"))
            return self.render(template, path, **context)
        except TemplateError as err:
            err.page_of = Place(shown.source)
            raise

    def list_page(self, path: str, kind: str, title: str | None, term: Term | None,
                  explainers: tuple[Explainer, ...], language: str | None = None,
                  alternates: tuple[translations.Alternate, ...] | None = None) -> str:
        """The home page (`kind` home), a language's front page (`language`) or one category's or tag's."""
        speaks = self.interface.page(language or self.config.language)
        meta = self.discovery.list_page(path.removesuffix("index.html"), kind, term, explainers, speaks.gettext,
                                        self.language_feed(speaks.tag), languages.og_locale(speaks.tag),
                                        alternates or ())
        extra: dict[str, Any] = {} if alternates is None else {"alternates": alternates}
        return self.render("list.html", path, language=language, meta=meta, title=title, term=term,
                           explainers=explainers, kind=kind, **extra)

    def terms_page(self, kind: str, groups: tuple[TermPage, ...]) -> str:
        """Every category, or every tag."""
        speaks = self.interface.page(self.config.language)
        meta = self.discovery.list_page(f"{kind}/", kind, None, (), speaks.gettext, self.language_feed(speaks.tag),
                                        languages.og_locale(speaks.tag), ())
        return self.render("terms.html", f"{kind}/index.html", meta=meta, kind=kind, terms=groups)

    def search_page(self) -> str:
        """The search page (site.yml `search: true`), in the site's language; the theme's script searches."""
        speaks = self.interface.page(self.config.language)
        meta = self.discovery.list_page("search/", "search", None, (), speaks.gettext, self.language_feed(speaks.tag),
                                        languages.og_locale(speaks.tag), ())
        return self.render("search.html", "search/index.html", meta=meta)

    def not_found_page(self) -> str:
        # Served at any missing address, so its links cannot be relative.
        speaks = self.interface.page(self.config.language)
        meta = self.discovery.not_found(speaks.gettext, languages.og_locale(speaks.tag))
        return self.render("404.html", "404.html", root=self.config.base_path, meta=meta)

    def with_pictures(self, explainer: Explainer, path: str, root: str | None = None,
                      template: str = "partials/body-image.html") -> Explainer:
        """The explainer with each picture of its body in the theme's markup (`template`), for the page at
        `path` (or, with `root`, for a feed: absolute URLs)."""
        body = explainer.body
        if not body.pictures:
            return explainer

        def substituted(html: str) -> Markup:
            return Markup(PICTURE_TAG.sub(lambda tag: self._body_picture(tag, body, path, root, template), html))

        sections = tuple(dataclasses.replace(s, html=substituted(s.html),
                                             html_with_permalink=substituted(s.html_with_permalink))
                         for s in body.sections)
        # Made field by field: the body may be the cache's stand-in for one, which reads its file when asked.
        whole = {f.name: getattr(body, f.name) for f in dataclasses.fields(Body)}
        return dataclasses.replace(explainer, body=Body(**{**whole, "lede_html": substituted(body.lede_html),
                                                             "sections": sections}))

    def _body_picture(self, tag: re.Match, body: Body, path: str, root: str | None, template: str) -> str:
        number = int(tag.group(1))
        image = self.images.of(body.pictures[number]) if number < len(body.pictures) else None
        attributes = _attributes(tag.group(0))
        attributes.pop(PICTURE_ATTRIBUTE, None)
        if image is None:                          # rendered without the images stage: the file as it is
            return _start_tag("img", attributes)
        alt = attributes.pop("alt", "") or ""
        loading = attributes.pop("loading", "lazy") or "lazy"
        for name in ("src", "width", "height"):
            attributes.pop(name, None)
        return self.render(template, path, root=root, image=image, alt=alt, loading=loading,
                           attributes=sorted(attributes.items())).strip()


class _Tag(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.attributes: dict[str, str | None] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attributes = dict(attrs)

    handle_startendtag = handle_starttag


def _attributes(tag: str) -> dict[str, str | None]:
    parser = _Tag()
    parser.feed(tag)
    parser.close()
    return parser.attributes


def _start_tag(name: str, attributes: dict[str, str | None]) -> str:
    parts = "".join(f" {key}" if value is None else f' {key}="{escape(value)}"' for key, value in attributes.items())
    return f"<{name}{parts}>"


def _hint(err: Exception) -> str:
    if isinstance(err, (jinja2.UndefinedError, KeyError, AttributeError)):
        return "check the variable names against the theme docs"
    return "fix the expression on that line"


def _describe(err: Exception) -> str:
    if isinstance(err, jinja2.UndefinedError):
        return err.message or "undefined variable"
    return f"{type(err).__name__}: {err}"


def _template_frame(err: Exception, template: str) -> Place:
    """The innermost template line in the traceback (Jinja2 rewrites frames to point at templates)."""
    for frame in reversed(traceback.extract_tb(err.__traceback__)):
        if frame.filename.endswith((".html", ".xml", ".j2", ".jinja")):
            return Place(Path(frame.filename), frame.lineno)
    return Place(Path(template))
