"""The edition: every page and file of the site as `build` publishes it, in memory. Writes nothing.

One function makes it for everyone: `build` hands it to the writer (carrying unchanged pages over), the
preview serves what build wrote, and `check` reads it and writes nothing. So check sees exactly the site
build publishes: the pages, feeds, sitemap and robots.txt, the `_headers` file, where the social cards go,
the files copied beside the pages and, with `search: true`, the search page and what its index is made of,
with the same clash rule over all of them.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .config import SiteConfig
from .content import SourceTree
from .images import cards
from .images.publish import ImagePlan
from .model import Explainer
from .outfolder import MARKER
from .render import i18n, related
from .render.feeds import feed_pages
from .render.hosting import HEADERS_FILE, headers_file
from .render.listing import listing, substituted
from .render.pages import explainer_page, site_pages
from .render.renderer import Page, Renderer, as_it_is
from .render.seo import CARD_FILE, wants_card
from .render.themes import Theme
from .search import site as search
from .selection import files_to_copy


@dataclass(frozen=True)
class Edition:
    """The site as a build will write it: every page (rendered on demand) and every file beside them."""
    renderer: Renderer
    pages: tuple[Page, ...]        # rendered on demand, so a build can carry an unchanged one over
    generated: dict[str, bytes]    # small files made beside the pages, always written (the hosting headers)
    cards: tuple[str, ...]         # where the social cards go (images/cards draws them)
    copies: dict[str, Path]        # output path → the file copied there: theme assets, content files, bundles
    warnings: tuple[str, ...] = () # languages the theme has no interface catalog for
    index: tuple[str, ...] = ()    # the pages the search index is made of (search: true), in `pagefind/`
    images: tuple[str, ...] = ()   # the pictures' derivatives and crops (images/publish encodes them)
    # The pages that can show something the last build's did not: those `prepare_again` made anew (the others
    # are the previous edition's), or those `with_fresh_pages` found showing an explainer whose text alone
    # changed; every other page shows what it showed then. None: any page may have changed.
    fresh: frozenset[str] | None = None

    @property
    def paths(self) -> list[str]:
        """Every file the site is made of, the build's marker aside."""
        return [*(page.path for page in self.pages), *self.generated, *self.cards, *self.copies, *self.images]


def prepare(config: SiteConfig, theme: Theme, tree: SourceTree, published: list[Explainer],
            full: Callable[[Explainer], Explainer] = as_it_is, memo: related.Memo | None = None,
            images: ImagePlan | None = None, catalogs: i18n.CompiledCatalogs | None = None) -> Edition:
    """The site of these published explainers; `full` gives an explainer with its body in memory, `memo` is
    what a builder keeps of the related explainers it chose last time; `images` is what the site publishes of
    its pictures (images/publish; check plans it without encoding); `catalogs` keeps the interface catalogs
    compiled between builds (incremental/catalogs).

    Raises what a build would: a bundle file named like its card, an explainer named like the search page,
    a broken message catalog, two spellings of one term, two parts of a series with one number, a `related:`
    slug that names no explainer, a content file that would replace a generated one.
    """
    cards.check_names(published, config)
    search.check_names(published, config)
    interface = i18n.load(theme.chain.folders, {e.language for e in published}, config.language, catalogs)
    known = {slug for slug, _, _ in tree.explainers}
    renderer = Renderer(config, theme.env, theme.assets, listing(published, config, known, memo), interface, full,
                        images.images if images else None)
    image_files = tuple(images.files) if images else ()
    pages = tuple(site_pages(renderer))
    generated = {HEADERS_FILE: headers_file(config.base_path, theme.assets.values()).encode("utf-8")}
    card_paths = tuple(sorted(f"{e.slug}/{CARD_FILE}" for e in published if wants_card(e, config)))
    copies = files_to_copy(config, theme.static, theme.assets, tree, published,
                           generated=[*(page.path for page in pages), *generated, *card_paths, *image_files, MARKER,
                                      *search.generated_paths(config)],
                           withheld=images.withheld if images else frozenset())
    return Edition(renderer, pages, generated, card_paths, copies, interface.warnings,
                   search.page_paths(config, renderer.listing.explainers), image_files)


# What only an explainer's own page and its feed entries show of it: an edit to these alone changes no other
# page (a list shows an explainer's card, `listing.Card`; its place in lists, series and translations comes
# from the front matter).
OWN_PAGE_ONLY = frozenset({"body", "sidebars", "updates", "lines"})
LISTED = tuple(f.name for f in dataclasses.fields(Explainer) if f.name not in OWN_PAGE_ONLY)
# Editions made again one from another before a whole one is prepared: each keeps the renderer its unchanged
# pages were made with, and so that renderer's listing, in memory.
GENERATIONS = 32


@dataclass(frozen=True)
class Made:
    """An edition with what it was made from, for the builder's next build (`prepare_again`)."""
    edition: Edition
    context: tuple                          # `context_of`
    published: tuple[Explainer, ...]
    generation: int = 0                     # editions made again since the last whole one


def context_of(config: SiteConfig, theme: Theme, tree: SourceTree, images: ImagePlan | None,
               theme_stamp: tuple) -> tuple:
    """Everything an edition is made from but its explainers and the clock, to compare with equality."""
    settings = tuple((f.name, getattr(config, f.name)) for f in dataclasses.fields(config) if f.name != "now")
    plan = (images.images, images.files, images.withheld) if images else None
    return settings, theme.env, theme.chain, theme.static, theme.assets, tree, plan, theme_stamp


def prepare_again(made: object, context: tuple, published: list[Explainer], config: SiteConfig,
                  full: Callable[[Explainer], Explainer] = as_it_is) -> Made | None:
    """The edition of `published` made from the previous one (`made`, what a builder's session kept), with
    what it was made from, when all that changed is what some explainers' own pages show (their text,
    sidebars, updates): every page of the previous edition, but those explainers' pages and the feeds, made
    anew with them. None when anything else changed (a card, a term, an explainer added, removed or published,
    site.yml, the theme, the pictures): `prepare` then.

    A builder's one-save rebuild (the preview's) so skips what `prepare` does for every explainer: the lists
    by term, the related choice, the spelling check, a page object per explainer; `fresh` tells the page-skip
    rule which pages can have changed (`incremental/pageskip`)."""
    if not isinstance(made, Made) or made.generation >= GENERATIONS or made.context != context or \
            len(published) != len(made.published):
        return None
    replacing: dict[int, Explainer] = {}
    for old, new in zip(made.published, published):
        if old is not new:
            if not own_page_only(old, new):
                return None
            replacing[id(old)] = new
    previous = made.edition.renderer
    renderer = Renderer(config, previous.env, previous.assets, substituted(previous.listing, replacing),
                        previous.interface, full, previous.images)
    fresh = {page.path: page for page in [*(explainer_page(renderer, e) for e in replacing.values()),
                                          *(feed_pages(renderer) if replacing else ())]}
    again = dataclasses.replace(made.edition, renderer=renderer,
                                pages=tuple([fresh.get(page.path, page) for page in made.edition.pages]),
                                fresh=frozenset(fresh))
    return Made(again, context, tuple(published), made.generation + 1)


def own_page_only(old: Explainer, new: Explainer) -> bool:
    """Whether an explainer changed only in what its own page and its feed entries show (`OWN_PAGE_ONLY`)."""
    return old.source == new.source and all(getattr(old, name) == getattr(new, name) for name in LISTED)


def with_fresh_pages(site: Edition, edited: list[tuple[Explainer, Explainer]], last_pages: set[str]) -> Edition:
    """The edition, told which of its pages can show something the last build's did not, when all that changed
    since then is what some explainers' own pages show: `edited` holds each changed explainer as the last build
    had it and as it is now, and the caller knows nothing else the pages show changed (no other input file);
    `last_pages` are the pages the last build made. Those showing an edited explainer whole (its page, a feed)
    are fresh; every other page shows what it showed then, so the page-skip rule keeps its last key without
    digesting what it shows (`incremental/pageskip`). The edition as it is otherwise: when a card, a term or
    the pages themselves changed (an explainer published, withdrawn or scheduled past), every key is digested.
    """
    if not all(own_page_only(old, new) for old, new in edited) or \
            len(site.pages) != len(last_pages) or any(page.path not in last_pages for page in site.pages):
        return site
    shown = {id(new) for _, new in edited}
    fresh = frozenset(page.path for page in site.pages if any(id(e) in shown for e in page.shows))
    return dataclasses.replace(site, fresh=fresh)
