"""Plain data flowing from content files to pages. No I/O here."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .problems import Place


@dataclass(frozen=True)
class Source:
    name: str
    url: str | None = None


@dataclass(frozen=True)
class Fact:
    label: str
    value: str
    source: Source | None
    where: Place


@dataclass(frozen=True)
class FactBox:
    title: str | None        # None: the theme's own words for "Key facts", in the page's language
    facts: tuple[Fact, ...]


@dataclass(frozen=True)
class Image:
    src: str                 # as written in front matter
    path: Path               # the file in the content folder
    url: str                 # output path relative to the site root, e.g. "slug/hero.jpg"
    alt: str
    width: int
    height: int
    caption: str | None = None
    credit: str | None = None


@dataclass(frozen=True)
class Update:
    date: datetime
    note: str


@dataclass(frozen=True)
class Section:
    """One Smart Brevity section: its label comes first in `html`, which is the section's inner HTML."""
    label: str
    axiom: str               # slugified label: the `data-axiom` value
    id: str                  # unique on the page
    html: str
    words: int
    html_with_permalink: str  # `html` with `<a class="permalink" href="#id">` right after the label
    key: str                 # the axiom in every language: the English label's slug (`data-axiom-key`)


@dataclass(frozen=True)
class Body:
    lede_html: str
    lede_text: str
    sections: tuple[Section, ...]
    words: int


@dataclass(frozen=True)
class Term:
    """A category or a tag: its display name and its URL slug."""
    name: str
    slug: str


@dataclass(frozen=True)
class Explainer:
    slug: str
    source: Path             # the .md file
    bundle: Path | None      # the page-bundle folder, when the explainer is one
    title: str
    date: datetime
    updated: datetime | None
    category: Term | None
    tags: tuple[Term, ...]
    authors: tuple[str, ...]
    summary: str | None
    language: str
    draft: bool
    image: Image | None
    facts: FactBox | None
    updates: tuple[Update, ...]
    body: Body
    files: tuple[Path, ...] = field(default=())   # bundle files copied next to the page
    translation_key: str | None = None            # explainers with the same key translate each other

    @property
    def url(self) -> str:
        return f"{self.slug}/"

    @property
    def direction(self) -> str:
        return text_direction(self.language)

    @property
    def last_modified(self) -> datetime:
        return self.updated or self.date

    @property
    def reading_minutes(self) -> int:
        return max(1, round(self.body.words / WORDS_PER_MINUTE))


def text_direction(language: str) -> str:
    """`dir` for a language tag: 'rtl' for right-to-left scripts, else 'ltr'."""
    return "rtl" if language.split("-")[0].lower() in RTL_LANGUAGES else "ltr"


RTL_LANGUAGES = frozenset({"ar", "he", "fa", "ur", "yi", "ps", "sd", "ug", "dv", "ckb"})
WORDS_PER_MINUTE = 230
