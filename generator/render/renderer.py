"""The Renderer: the theme's environment and the site-wide context, rendering one page by template
name (template errors name the template and line); what list pages are made of; asset fingerprints.
"""
from __future__ import annotations

import hashlib
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from ..config import SiteConfig
from ..content import fields
from ..errors import ExplainerError, SourceLocation, TemplateError
from ..model import Explainer, Term, text_direction
from . import seo
from .formats import date_long, isodate

FINGERPRINTED = (".css", ".js")


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


def newest_first(explainers: Iterable[Explainer]) -> tuple[Explainer, ...]:
    return tuple(sorted(explainers, key=lambda e: (-e.date.timestamp(), e.slug)))


def listing(explainers: Iterable[Explainer]) -> Listing:
    """Raises ContentError when two explainers spell one term so differently that it would need two names."""
    ordered = newest_first(explainers)
    fields.check_term_spellings(reversed(ordered))
    return Listing(ordered, _group(ordered, lambda e: [e.category] if e.category else []),
                   _group(ordered, lambda e: e.tags))


def _group(explainers: tuple[Explainer, ...], terms_of: Callable[[Explainer], Iterable[Term]]):
    groups: dict[str, tuple[list[Term], list[Explainer]]] = {}
    for explainer in explainers:
        for term in terms_of(explainer):
            spelling, items = groups.setdefault(term.slug, ([term], []))
            spelling[0] = term      # the oldest explainer's spelling: a new explainer never renames a page
            items.append(explainer)
    return tuple(TermPage(spelling[0], tuple(items)) for _, (spelling, items) in sorted(groups.items()))


def fingerprint(static: dict[str, Path]) -> dict[str, str]:
    """Output name per theme asset: CSS and JS get a content hash so they can be cached for ever."""
    names = {}
    for rel, path in static.items():
        if rel.endswith(FINGERPRINTED):
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
            stem, _, ext = rel.rpartition(".")
            names[rel] = f"{stem}.{digest}.{ext}"
        else:
            names[rel] = rel
    return names


class Renderer:
    """Renders each kind of page with the site-wide context; template errors name the template and line."""

    def __init__(self, config: SiteConfig, env: jinja2.Environment, assets: dict[str, str],
                 listing_: Listing):
        self.config, self.env, self.assets, self.listing = config, env, assets, listing_
        env.filters.update(date_long=date_long, isodate=isodate)
        env.globals.update(site=self.site_context(), seo=seo.Discovery(config))

    def site_context(self) -> dict[str, Any]:
        c = self.config
        return {"title": c.title, "description": c.description, "language": c.language,
                "direction": text_direction(c.language),
                "base_url": c.base_url, "author": c.author, "toc_min": c.toc,
                "categories": self.listing.categories, "tags": self.listing.tags}

    def site_wide_key(self) -> tuple:
        """What every page shows of the rest of the site (the category menu, whether there are tags to link
        to): when it changes, all pages change."""
        return (tuple((group.term.slug, group.term.name) for group in self.listing.categories),
                bool(self.listing.tags))

    def render(self, template: str, path: str, root: str | None = None, **context: Any) -> str:
        """Render one page; links are relative to it (`root` leads back to the site root)."""
        root = root or "../" * path.count("/") or "./"
        try:
            return self.env.get_template(template).render(
                page={"path": path, "root": root, "url": path.removesuffix("index.html")},
                root=root, asset=lambda name: root + self.assets[f"static/{name}"], **context)
        except jinja2.TemplateSyntaxError as err:
            raise TemplateError(f"template syntax error: {err.message}",
                                SourceLocation(Path(err.filename or err.name or template), err.lineno),
                                hint="fix the template") from None
        except jinja2.TemplateNotFound as err:
            raise TemplateError(f"template not found: {err.name}", SourceLocation(Path(template)),
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

    def explainer_page(self, explainer: Explainer) -> str:
        try:
            return self.render("explainer.html", f"{explainer.slug}/index.html", explainer=explainer)
        except TemplateError as err:
            err.content = SourceLocation(explainer.source)
            raise


def _hint(err: Exception) -> str:
    if isinstance(err, (jinja2.UndefinedError, KeyError, AttributeError)):
        return "check the variable names against the theme docs"
    return "fix the expression on that line"


def _describe(err: Exception) -> str:
    if isinstance(err, jinja2.UndefinedError):
        return err.message or "undefined variable"
    return f"{type(err).__name__}: {err}"


def _template_frame(err: Exception, template: str) -> SourceLocation:
    """The innermost template line in the traceback (Jinja2 rewrites frames to point at templates)."""
    for frame in reversed(traceback.extract_tb(err.__traceback__)):
        if frame.filename.endswith((".html", ".xml", ".j2", ".jinja")):
            return SourceLocation(Path(frame.filename), frame.lineno)
    return SourceLocation(Path(template))
