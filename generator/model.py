"""Plain data flowing from content files to pages. No I/O here."""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from .problems import Place

# Line 1 of an explainer is the `---` that opens its front matter; its first key can be on line 2.
FRONT_MATTER_LINE = 2


@dataclass(frozen=True)
class Source:
    """Where a fact comes from: a name, and a link when there is one."""
    name: str
    url: str | None = None
    # Where its url is written (the source itself when it has none); not part of what the source is.
    where: Place | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Fact:
    """One key fact of the sidebar: label, value and its source."""
    label: str
    value: str
    source: Source | None
    where: Place


@dataclass(frozen=True)
class Image:
    """A picture named in front matter (the hero image): its file, URL, text alternative and size."""
    src: str                 # as written in front matter
    path: Path               # the file in the content folder
    url: str                 # output path relative to the site root, e.g. "slug/hero.jpg"
    alt: str
    width: int
    height: int
    caption: str | None = None
    credit: str | None = None
    focus: tuple[float, float] | None = None   # focal point, percent from the left and from the top
    where: Place | None = None         # the front matter line that names the file


DATE_PRECISIONS = ("year", "month", "day", "time")


@dataclass(frozen=True)
class Event:
    """One dated line of a timeline box."""
    date: datetime
    precision: str           # one of DATE_PRECISIONS: how much of `date` was written (`1969`, `2020-03`, …)
    text: str
    source: Source | None
    where: Place

    @property
    def iso(self) -> str:
        """For `<time datetime>`: as much of the date as was written (`1969`, `2020-03`, `2020-03-11`, a time)."""
        if self.precision == "time":
            return self.date.isoformat()
        return self.date.date().isoformat()[:{"year": 4, "month": 7}.get(self.precision, 10)]


@dataclass(frozen=True)
class Person:
    """One person of a people box; the image is a small portrait (alt text may be empty: the name is beside it)."""
    name: str
    role: str | None
    image: Image | None
    where: Place


@dataclass(frozen=True)
class Definition:
    """One term of a glossary box."""
    term: str
    definition: str
    where: Place


@dataclass(frozen=True)
class Sidebar:
    """A box beside the explainer: key facts, a timeline, big numbers, people or a glossary. Which items each
    kind holds, and how they are read, is content/sidebars.py's KINDS; the theme shows one with
    `partials/sidebar-<kind>.html`. `facts` and `numbers` hold Facts (a number's `value` is the big figure)."""
    title: str | None        # None: the theme's own words for the kind ("Key facts"), in the page's language
    items: tuple[Fact | Event | Person | Definition, ...]
    kind: str = "facts"
    id: str = "facts"        # unique among the page's boxes: the first facts box is `facts` (its heading
                             # `facts-title`), the others their kind, then `<kind>-2` …

    @property
    def facts(self) -> tuple:
        """The items, by the name the facts box has always given them (`explainer.facts.facts`)."""
        return self.items


FactBox = Sidebar            # the key facts box: a Sidebar of kind `facts`, `FactBox(title, facts)`


UPDATE_KINDS = ("update", "correction")


@dataclass(frozen=True)
class Update:
    """An update or correction note from front matter's `updates:`."""
    date: datetime
    note: str
    where: Place | None = field(default=None, compare=False)   # the line of its date
    kind: str = "update"     # one of UPDATE_KINDS; the newest correction is also shown at the top of the page
    has_time: bool = False   # the front matter gave a time of day, not just a date

    @property
    def is_correction(self) -> bool:
        return self.kind == "correction"


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
    line: int | None = None  # the source line of its label


# What the converter records of a body for `explainer check`, so that nothing reads the Markdown again.
# Every line is a line of the explainer's file.

@dataclass(frozen=True)
class Block:
    """A paragraph, list item, quote, heading, table, code or HTML block of the body."""
    line: int
    kind: str                 # paragraph, item, quote, heading, table, code, html, rule, other
    words: int                # of a paragraph, item or quote as the reader sees them (a bold lead-in left
                              # out); 0 for the other kinds
    lead_in: str | None = None   # a paragraph's bold lead-in ending in ':', or a heading's text


@dataclass(frozen=True)
class BodyLink:
    """A link or image the Markdown makes."""
    line: int
    tag: str                  # "a" or "img"
    written: str              # the URL as the Markdown has it
    url: str | None           # as the page has it (relative links rewritten); None when it was removed
    alt: str | None = None    # an image's alt text as the page has it


@dataclass(frozen=True)
class LinkDefinition:
    """A `[label]: URL` line (links that use the label have its URL; unused, it reaches no page)."""
    line: int
    written: str


@dataclass(frozen=True)
class WrittenHtml:
    """HTML written in the Markdown (with raw_html: false, text that looks like a tag)."""
    line: int
    html: str


@dataclass(frozen=True)
class Handler:
    """An inline event handler (`on…=`) the Markdown puts on an element, with `{: onclick=… }`."""
    line: int
    name: str


@dataclass(frozen=True)
class Outline:
    """Where things are in the Markdown body, by file line: blocks, links, raw HTML, handlers."""
    first_line: int = 1       # where the body starts
    blocks: tuple[Block, ...] = ()
    links: tuple[BodyLink, ...] = ()
    definitions: tuple[LinkDefinition, ...] = ()
    html: tuple[WrittenHtml, ...] = ()
    handlers: tuple[Handler, ...] = ()


@dataclass(frozen=True)
class Embed:
    """A paragraph that was only a URL of a known provider (markdown/embeds.py); the theme's
    `partials/embed.html` shows it where the body's HTML has `<p data-explainer-embed="N">` (N: its index)."""
    provider: str            # the provider's key: `youtube` (CSS class `embed-youtube`)
    name: str                # the provider's name for readers: `YouTube`
    kind: str                # video, audio, post, chart, document or page: how the theme words it
    url: str                 # the address as written: the link to the original
    src: str                 # the frame's address
    play: str                # what the facade's link loads (src, with the provider's autoplay); '' without one
    ratio: str | None        # CSS aspect-ratio, `16 / 9`; None when the frame has a fixed `height`
    height: int | None       # CSS pixels
    title: str | None        # the author's `{: title="…" }`, else None (the theme's words)
    sandbox: str | None      # the iframe's sandbox tokens; None: no sandbox (the provider needs none of it)
    allow: str               # the iframe's `allow` (permissions policy)
    line: int | None = None  # the file line of its address

    @property
    def facade(self) -> bool:
        """Click to load: nothing is requested from the provider until the reader asks."""
        return bool(self.play)

    @property
    def host(self) -> str:
        """The host the frame loads from."""
        return urlsplit(self.play or self.src).hostname or ""


@dataclass(frozen=True)
class Body:
    """An explainer's converted body: the lede, the labelled sections and what they link and embed."""
    lede_html: str
    lede_text: str
    sections: tuple[Section, ...]
    words: int
    outline: Outline = field(default_factory=Outline)
    embeds: tuple[Embed, ...] = ()
    pictures: tuple[str, ...] = ()    # content-relative files of the pictures the HTML shows, by marker number
    links: tuple[str, ...] = ()       # content-relative targets of the links and raw HTML references


@dataclass(frozen=True)
class Term:
    """A category or a tag: its display name and its URL slug."""
    name: str
    slug: str


class Extra(Mapping):
    """`extra:` of the front matter or of site.yml: any YAML mapping, frozen (a list is a tuple, a mapping an
    Extra), for themes to read as `explainer.extra.key` or `site.extra["key"]`. Values are text, numbers,
    true/false, null, dates and times, lists and mappings."""

    __slots__ = ("_items",)

    def __init__(self, items: Iterable[tuple[Any, Any]] | Mapping = ()):
        self._items: dict[Any, Any] = dict(items)

    def __getitem__(self, key: Any) -> Any:
        return self._items[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(tuple(self._items.items()))

    def __repr__(self) -> str:
        return f"Extra({self._items!r})"


EXTRA_SCALARS = (str, int, float, bool, date, type(None))   # datetime is a date


@dataclass(frozen=True)
class Author:
    """A person in site.yml's `authors:`: their page is `author/<slug>/`; `image` is a picture inside content/
    (its site-relative path), `url` their own page elsewhere."""
    name: str
    slug: str
    bio: str | None = None
    url: str | None = None
    image: str | None = None
    role: str | None = None

    @property
    def page(self) -> str:
        return f"author/{self.slug}/"


@dataclass(frozen=True)
class Explainer:
    """One explainer as the build knows it: front matter, converted body, sidebars and where each came from."""
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
    sidebars: tuple[Sidebar, ...]                 # in the order written; the first facts box is `facts`
    updates: tuple[Update, ...]
    body: Body
    files: tuple[Path, ...] = field(default=())   # bundle files copied next to the page
    translation_key: str | None = None            # explainers with the same key translate each other
    series: Term | None = None                    # the series it is a part of (`series/<slug>/`)
    series_order: int | None = None               # its place in the series, when not by date
    related: tuple[str, ...] = ()                 # slugs chosen by hand (front matter `related:`)
    extra: Extra = field(default_factory=Extra)   # front matter `extra:`, for themes
    # The file line of each front matter key as written, and of each key under `image:` ("image.src").
    lines: tuple[tuple[str, int], ...] = field(default=(), compare=False)
    date_has_time: bool = False                   # `date` was written with a time of day
    updated_has_time: bool = False                # so was `updated` (or the update it comes from)
    pictures: tuple[str, ...] = ()     # body.pictures, kept here so the images stage never loads a body
    links: tuple[str, ...] = ()        # body.links, likewise
    # The pictures of its people boxes, in the order written (published as small derivatives): kept here so
    # the images stage never reads the sidebars, which the build cache keeps out of its state.
    portraits: tuple[Image, ...] = ()

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
    def facts(self) -> Sidebar | None:
        """The (first) key facts box, if any."""
        return next((box for box in self.sidebars if box.kind == "facts"), None)

    @property
    def latest_correction(self) -> Update | None:
        """The newest update of kind `correction` (the page shows it at the top), if any."""
        return next((u for u in self.updates if u.is_correction), None)

    @property
    def reading_minutes(self) -> int:
        return max(1, round(self.body.words / WORDS_PER_MINUTE))

    def wrote(self, key: str) -> bool:
        """Whether the front matter has `key` (`updated` may also come from the updates list)."""
        return any(name == key for name, _ in self.lines)

    def line_of(self, *keys: str) -> int:
        """File line of a front matter key, or of a nested one (`line_of("image", "src")`); when that is not
        written, the line of the closest key above it, else the front matter's first line."""
        known = dict(self.lines)
        for depth in range(len(keys), 0, -1):
            line = known.get(".".join(keys[:depth]))
            if line is not None:
                return line
        return FRONT_MATTER_LINE


def portraits_in(sidebars: tuple[Sidebar, ...]) -> tuple[Image, ...]:
    """The pictures of the people boxes among `sidebars`, in the order written (`Explainer.portraits`)."""
    return tuple(item.image for box in sidebars for item in box.items
                 if isinstance(item, Person) and item.image is not None)


def text_direction(language: str) -> str:
    """`dir` for a language tag: 'rtl' for right-to-left scripts, else 'ltr'."""
    return "rtl" if language.split("-")[0].lower() in RTL_LANGUAGES else "ltr"


RTL_LANGUAGES = frozenset({"ar", "he", "fa", "ur", "yi", "ps", "sd", "ug", "dv", "ckb"})
WORDS_PER_MINUTE = 230


@dataclass(frozen=True)
class Rendition:
    """One published image file: a derivative, a crop, or an original passed through as it is."""
    url: str                 # output path relative to the site root, e.g. "slug/hero-800.1a2b3c4d5e.avif"
    width: int
    height: int
    type: str                # MIME type: image/avif, image/webp, image/jpeg, image/png, image/gif, image/svg+xml

    @property
    def href(self) -> str:
        """`url` as it goes into an attribute: spaces, commas and other letters percent-encoded (srcset splits
        candidates at commas and spaces)."""
        return quote(self.url, safe="/")


@dataclass(frozen=True)
class ResponsiveImage:
    """How the site publishes one picture from content/: the same image at several widths in each format."""
    path: str                               # content-relative source file
    width: int                              # upright pixel size of the original
    height: int
    sources: tuple[tuple[str, tuple[Rendition, ...]], ...]   # modern formats, best first: (MIME type, by width)
    fallback: tuple[Rendition, ...]         # JPEG or PNG by width; the original itself when passed through

    @property
    def passthrough(self) -> bool:
        """An animated image (or anything not re-encoded): one file, the original."""
        return not self.sources and len(self.fallback) == 1 and self.fallback[0].url == self.path

    @property
    def src(self) -> Rendition:
        """The fallback for browsers that read neither `srcset` nor `<source>`: the widest up to 1200 px."""
        fitting = [r for r in self.fallback if r.width <= DEFAULT_SRC_WIDTH]
        return fitting[-1] if fitting else self.fallback[0]

    @property
    def largest(self) -> Rendition:
        return self.fallback[-1]

    def at_least(self, width: int) -> Rendition:
        """The narrowest fallback (JPEG or PNG, which every mail client and feed reader shows) at least `width`
        pixels wide, or the widest there is: e.g. for an email edition 600 px wide, `at_least(1200)` on sharp
        screens."""
        return next((r for r in self.fallback if r.width >= width), self.largest)


@dataclass(frozen=True)
class SocialImages:
    """Crops of a hero for link previews and search: og:image, and the 16:9, 4:3 and 1:1 images of JSON-LD."""
    preview: Rendition                      # 1200×630 JPEG for og:image and twitter:image
    article: tuple[Rendition, ...]          # 16:9, 4:3, 1:1, each 1200 px wide


@dataclass(frozen=True)
class SiteImages:
    """Every image the build publishes from content/, as the templates and the head metadata use them."""
    pictures: dict[str, ResponsiveImage] = field(default_factory=dict)   # by content-relative path
    social: dict[str, SocialImages] = field(default_factory=dict)        # by explainer slug
    portraits: dict[str, ResponsiveImage] = field(default_factory=dict)  # people boxes' pictures, small: by path
    logo: ResponsiveImage | None = None
    logo_url: Rendition | None = None        # a PNG, JPEG or SVG of the logo for JSON-LD `publisher.logo`

    def of(self, path: str) -> ResponsiveImage | None:
        return self.pictures.get(path)

    def portrait(self, path: str) -> ResponsiveImage | None:
        """A people box's picture, at the small widths of a portrait (PORTRAIT_WIDTHS in images/derivatives)."""
        return self.portraits.get(path)

    def shown_by(self, explainer: Explainer) -> tuple[ResponsiveImage, ...]:
        """Every published picture an explainer shows, each once: its hero, then its body's pictures in order,
        then its people's portraits (what a page, a feed entry or an email edition of it needs; not the logo)."""
        if explainer.image is None and not explainer.pictures and not explainer.portraits:
            return ()                       # most explainers of a big archive: asked for each page's key
        paths = [explainer.image.url] if explainer.image else []
        found = [self.pictures.get(path) for path in dict.fromkeys([*paths, *explainer.pictures])]
        found += [self.portraits.get(path) for path in dict.fromkeys(image.url for image in explainer.portraits)]
        return tuple(image for image in found if image is not None)


DEFAULT_SRC_WIDTH = 1200
