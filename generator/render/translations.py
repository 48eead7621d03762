"""Explainers that translate each other (`translation_key:`), and the languages of a multilingual site: the
hreflang alternates of each page, the front page and feed of each language. Pure functions; no I/O."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .. import languages
from ..errors import ContentError, ExplainerError, raise_all
from ..model import Explainer
from ..problems import Place

X_DEFAULT = "x-default"


@dataclass(frozen=True)
class Alternate:
    """One version of a page: `hreflang` value, the site-relative path, what the language calls itself."""
    hreflang: str
    path: str
    name: str
    direction: str


@dataclass(frozen=True)
class SiteLanguage:
    """A language of a multilingual site: its tag, own name, direction and front page folder (`es/`)."""
    tag: str
    name: str
    direction: str
    folder: str

    @property
    def url(self) -> str:
        return f"{self.folder}/"


def groups(explainers: Iterable[Explainer]) -> dict[str, tuple[Explainer, ...]]:
    """translation_key → its explainers, oldest first (the order their alternates are listed in)."""
    found: dict[str, list[Explainer]] = {}
    for explainer in explainers:
        if explainer.translation_key:
            found.setdefault(explainer.translation_key, []).append(explainer)
    return {key: tuple(sorted(members, key=lambda e: (e.date.timestamp(), e.slug)))
            for key, members in sorted(found.items())}


def direction(tag: str) -> str:
    return "rtl" if languages.locale_of(tag).character_order == "right-to-left" else "ltr"


def alternates(explainer: Explainer, members: tuple[Explainer, ...], site_language: str) -> tuple[Alternate, ...]:
    """hreflang links for every member of the explainer's group, itself included, then x-default (the member in
    the site's language). Nothing for an explainer without translations; one link per language (the oldest)."""
    if len(members) < 2 or explainer.slug not in {m.slug for m in members}:
        return ()
    by_language: dict[str, Explainer] = {}
    for member in members:
        by_language.setdefault(member.language, member)
    if len(by_language) < 2:
        return ()
    links = [Alternate(tag, member.url, languages.native_name(tag), direction(tag))
             for tag, member in sorted(by_language.items())]
    default = by_language.get(site_language) or next(
        (m for tag, m in by_language.items() if languages.base(tag) == languages.base(site_language)), None)
    if default is not None:
        links.append(Alternate(X_DEFAULT, default.url, languages.native_name(default.language),
                               direction(default.language)))
    return tuple(links)


def site_languages(explainers: Iterable[Explainer], site_language: str) -> tuple[SiteLanguage, ...]:
    """Every language the site publishes in, the site's own first; none when there is only one (a monolingual
    site gets no language folders)."""
    tags = {e.language for e in explainers}
    if len(tags) < 2:
        return ()
    ordered = sorted(tags, key=lambda tag: (tag != site_language, tag))
    return tuple(SiteLanguage(tag, languages.native_name(tag), direction(tag), languages.folder(tag))
                 for tag in ordered)


def front_page_alternates(site: tuple[SiteLanguage, ...]) -> tuple[Alternate, ...]:
    """hreflang links between the language front pages; the root front page (every language) is x-default."""
    if not site:
        return ()
    return tuple(Alternate(lang.tag, lang.url, lang.name, lang.direction) for lang in site) + (
        Alternate(X_DEFAULT, "", site[0].name, site[0].direction),)


def check_folders(explainers: Iterable[Explainer], site: tuple[SiteLanguage, ...]) -> None:
    """An explainer whose slug is a language folder (`es`) would be replaced by that language's front page."""
    folders = {lang.folder: lang.tag for lang in site}
    errors: list[ExplainerError] = [
        ContentError(f"'{e.slug}' cannot be an explainer's URL on this site: it is the folder of the "
                     f"{folders[e.slug.casefold()]} front page", Place(e.source),
                     hint="a site with explainers in more than one language gives each language a folder "
                          "named by its tag; rename the explainer")
        for e in explainers if e.slug.casefold() in folders]
    raise_all(errors)
