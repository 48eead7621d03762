"""What the list pages are made of: every explainer newest first, by category, tag, author and series, the
translations of each, the related explainers of each; and the `Card`, what a list shows of one explainer.
Pure functions of the published explainers and site.yml; no I/O."""
from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..config import SiteConfig
from ..content import fields
from ..errors import ContentError, ExplainerError, raise_all
from ..model import Author, Explainer, Extra, Image, Term, text_direction
from ..problems import Place
from . import related, translations
from .translations import SiteLanguage


@dataclass(frozen=True)
class Card:
    """What a list shows of an explainer: its front matter, never its body (which a big site keeps on disk
    until the explainer's own page is rendered). A list page is rendered again only when a card it shows
    changes (`incremental/pageskip`), so an edit to the text of an explainer renders no list page."""
    slug: str
    title: str
    date: datetime
    updated: datetime | None
    category: Term | None
    tags: tuple[Term, ...]
    authors: tuple[str, ...]
    summary: str | None
    language: str
    image: Image | None
    series: Term | None
    series_order: int | None
    extra: Extra

    @property
    def url(self) -> str:
        return f"{self.slug}/"

    @property
    def direction(self) -> str:
        return text_direction(self.language)

    @property
    def last_modified(self) -> datetime:
        return self.updated or self.date


def card_of(explainer: Explainer) -> Card:
    e = explainer
    return Card(e.slug, e.title, e.date, e.updated, e.category, e.tags, e.authors, e.summary, e.language, e.image,
                e.series, e.series_order, e.extra)


@dataclass(frozen=True)
class TermPage:
    """One category's, tag's, author's or series' explainers (a series' in reading order, the others newest
    first); `author` is who an author's page is about."""
    term: Term
    explainers: tuple[Explainer, ...]
    author: Author | None = None


@dataclass(frozen=True)
class SeriesPart:
    """An explainer's place in its series: part `number` of `count`, and the parts before and after it."""
    series: Term
    number: int
    count: int
    previous: Explainer | None
    next: Explainer | None

    @property
    def url(self) -> str:
        return f"series/{self.series.slug}/"


@dataclass(frozen=True)
class Listing:
    """What the list pages are made of: everything, by category, by tag, by author, by series."""
    explainers: tuple[Explainer, ...]
    categories: tuple[TermPage, ...]
    tags: tuple[TermPage, ...]
    translations: dict[str, tuple[Explainer, ...]] = dataclasses.field(default_factory=dict)   # by key
    languages: tuple[SiteLanguage, ...] = ()    # a multilingual site's, the site's own first
    authors: tuple[TermPage, ...] = ()          # site.yml's authors, in its order
    series: tuple[TermPage, ...] = ()
    parts: dict[str, SeriesPart] = dataclasses.field(default_factory=dict)         # by slug
    related: dict[str, tuple[Explainer, ...]] = dataclasses.field(default_factory=dict)   # by slug
    named_in: dict[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)  # slug → those it is related to


def newest_first(explainers: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(sorted(explainers, key=lambda e: (-e.date.timestamp(), e.slug)))


def listing(explainers: Iterable[Explainer], config: SiteConfig, known: Iterable[str] = (),
            memo: related.Memo | None = None) -> Listing:
    """`known` is every explainer's slug, drafts and scheduled ones included (a `related:` slug must be one);
    `memo` keeps the related explainers chosen by the builder's last build (see `related`).

    Raises ContentError when two explainers spell one term so differently that it would need two names, when
    an explainer's slug is the folder of a language's front page, when two parts of a series have one
    `series_order`, or when `related:` names no explainer."""
    ordered = newest_first(explainers)
    fields.check_term_spellings(reversed(ordered))
    site_languages = translations.site_languages(ordered, config.language)
    translations.check_folders(ordered, site_languages)
    groups = translations.groups(ordered)
    series = series_pages(ordered)
    chosen = related.choose(ordered, config.related, groups, set(known) or {e.slug for e in ordered}, memo)
    return Listing(ordered, _group(ordered, lambda e: [e.category] if e.category else []),
                   _group(ordered, lambda e: e.tags), groups, site_languages, author_pages(ordered, config.authors),
                   series, parts_of(series), chosen, _named_in(chosen))


def _named_in(chosen: dict[str, tuple[Explainer, ...]]) -> dict[str, tuple[str, ...]]:
    """Each explainer's slug → the slugs of those it is a related explainer of."""
    named_in: dict[str, list[str]] = {}
    for slug, explainers in chosen.items():
        for explainer in explainers:
            named_in.setdefault(explainer.slug, []).append(slug)
    return {slug: tuple(holders) for slug, holders in named_in.items()}


def substituted(listing_: Listing, replacing: dict[int, Explainer]) -> Listing:
    """The listing with each explainer whose identity `replacing` holds in place of that one (which it lists
    alike: the same card, terms, series place and translations; `edition.prepare_again` checks)."""
    def each(explainers: tuple[Explainer, ...]) -> tuple[Explainer, ...]:
        if replacing.keys().isdisjoint(map(id, explainers)):     # most lists: kept as they are
            return explainers
        return tuple([replacing.get(id(e), e) for e in explainers])

    def pages(groups: tuple[TermPage, ...]) -> tuple[TermPage, ...]:
        return tuple([g if (listed := each(g.explainers)) is g.explainers else dataclasses.replace(g, explainers=listed)
                      for g in groups])

    def one(e: Explainer | None) -> Explainer | None:
        return e if e is None else replacing.get(id(e), e)

    return dataclasses.replace(
        listing_, explainers=each(listing_.explainers), categories=pages(listing_.categories),
        tags=pages(listing_.tags), translations={k: each(v) for k, v in listing_.translations.items()},
        authors=pages(listing_.authors), series=pages(listing_.series),
        parts={slug: p if id(p.previous) not in replacing and id(p.next) not in replacing
               else dataclasses.replace(p, previous=one(p.previous), next=one(p.next))
               for slug, p in listing_.parts.items()},
        related=_related_substituted(listing_, replacing, each))


def _related_substituted(listing_: Listing, replacing: dict[int, Explainer],
                         each: Callable[[tuple[Explainer, ...]], tuple[Explainer, ...]]
                         ) -> dict[str, tuple[Explainer, ...]]:
    """The related explainers of each explainer, `each` applied to those naming a replaced one alone (an
    explainer keeps its slug when it is replaced): a site's thousands of other lists are taken as they are."""
    related = dict(listing_.related)
    for slug in {holder for new in replacing.values() for holder in listing_.named_in.get(new.slug, ())}:
        related[slug] = each(related[slug])
    return related


def _group(explainers: tuple[Explainer, ...], terms_of: Callable[[Explainer], Iterable[Term]]) -> tuple[TermPage, ...]:
    groups: dict[str, tuple[list[Term], list[Explainer]]] = {}
    for explainer in explainers:
        for term in terms_of(explainer):
            spelling, items = groups.setdefault(term.slug, ([term], []))
            spelling[0] = term      # the oldest explainer's spelling: a new explainer never renames a page
            items.append(explainer)
    return tuple(TermPage(spelling[0], tuple(items)) for _, (spelling, items) in sorted(groups.items()))


def author_pages(ordered: tuple[Explainer, ...], authors: tuple[Author, ...]) -> tuple[TermPage, ...]:
    """A page for each author of site.yml (one without explainers yet too), with their explainers newest first."""
    by_name: dict[str, list[Explainer]] = {author.name: [] for author in authors}
    for explainer in ordered:
        for name in dict.fromkeys(explainer.authors):
            if name in by_name:
                by_name[name].append(explainer)
    return tuple(TermPage(Term(a.name, a.slug), tuple(by_name[a.name]), a) for a in authors)


def series_pages(ordered: tuple[Explainer, ...]) -> tuple[TermPage, ...]:
    """Each series with its parts in reading order: by `series_order`, then (parts without one) by date.
    Two parts with one `series_order` are an error at the newer one's line."""
    pages = _group(tuple(reversed(ordered)), lambda e: [e.series] if e.series else [])
    errors: list[ExplainerError] = []
    found = []
    for page in pages:
        parts = tuple(sorted(page.explainers, key=lambda e: (e.series_order is None, e.series_order or 0,
                                                             e.date.timestamp(), e.slug)))
        taken: dict[int, Explainer] = {}
        for part in page.explainers:       # oldest first: the newer of two is the mistake
            if part.series_order is None:
                continue
            if part.series_order in taken:
                errors.append(ContentError(
                    (f"part {part.series_order} of the series '{page.term.name}' is also ",
                     taken[part.series_order].source),
                    Place(part.source, part.line_of("series_order")), hint="give each part its own series_order"))
            taken.setdefault(part.series_order, part)
        found.append(TermPage(page.term, parts))
    raise_all(errors)
    return tuple(found)


def parts_of(series: tuple[TermPage, ...]) -> dict[str, SeriesPart]:
    places = {}
    for page in series:
        parts = page.explainers
        for index, part in enumerate(parts):
            places[part.slug] = SeriesPart(page.term, index + 1, len(parts), parts[index - 1] if index else None,
                                           parts[index + 1] if index + 1 < len(parts) else None)
    return places
