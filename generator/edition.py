"""The edition: every page and file of the site as `build` publishes it, in memory. Writes nothing.

One function makes it for everyone: `build` hands it to the writer (carrying unchanged pages over), the
preview serves what build wrote, and `check` reads it and writes nothing. So check sees exactly the site
build publishes: the pages, feeds, sitemap and robots.txt, the `_headers` file, where the social cards go,
the files copied beside the pages and, with `search: true`, the search page and what its index is made of,
with the same clash rule over all of them.
"""
from __future__ import annotations

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
from .render.hosting import HEADERS_FILE, headers_file
from .render.listing import listing
from .render.pages import site_pages
from .render.renderer import Page, Renderer, as_it_is
from .render.seo import CARD_FILE, wants_card
from .render.themes import Theme
from .search import site as search
from .selection import files_to_copy


@dataclass(frozen=True)
class Edition:
    renderer: Renderer
    pages: tuple[Page, ...]        # rendered on demand, so a build can carry an unchanged one over
    generated: dict[str, bytes]    # small files made beside the pages, always written (the hosting headers)
    cards: tuple[str, ...]         # where the social cards go (images/cards draws them)
    copies: dict[str, Path]        # output path → the file copied there: theme assets, content files, bundles
    warnings: tuple[str, ...] = () # languages the theme has no interface catalog for
    index: tuple[str, ...] = ()    # the pages the search index is made of (search: true), in `pagefind/`
    images: tuple[str, ...] = ()   # the pictures' derivatives and crops (images/publish encodes them)

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
