"""The page-skip rule: a page is rendered again only when something it shows changed since the last build.

A page's key is a digest of the stamps of the explainers it shows whole (`Page.shows`: an explainer on its
own page, in a feed), of the cards of those it shows as cards (`Page.cards`: a list page's explainers, an
explainer page's related ones; a card is the front matter, `render.listing.Card`, so an edit to the text of
an explainer changes no list page), of anything else it shows (`Page.key`: its place in a list, an explainer
page's translations) and of what every page shows of the rest of the site (`Renderer.site_wide_key`); the
state remembers each page's key. A changed template or message catalog, or a changed stylesheet whose
fingerprinted name is in every page, renders everything again.

Each explainer's card digest is kept in the state with the stamp it was made from, so a build works out
only the cards of the explainers whose files changed. When the edition says which pages can show something
new (`Edition.fresh`: a text edit's), the others keep their last key without their inputs being digested.

Files made from pages (the search index, in a folder of its own) follow the same rule: their key is the keys
of the pages they are made from and what else they are made with, remembered under the folder's name
(`pagefind/`); while it is the same, the last build's files are carried over.
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ..model import Explainer
from ..render import Page, i18n
from ..render.listing import card_of
from ..write import SiteWriter, as_written
from .cache import digest_of
from .stamps import Stamp
from .state import BuildState


def everything_again(state: BuildState, theme_stamp: Stamp, fingerprinted: bool) -> tuple[bool, bool]:
    """Whether every page must be rendered again, and whether the templates changed (the theme's environment
    caches compiled templates, so it must be made anew); the state takes the theme's new stamp."""
    everything = not state.shown or not state.manifest
    templates_changed = False
    if theme_stamp != state.theme_stamp:
        templates = [s for s in theme_stamp if _renders_pages(s[0])]   # templates and message catalogs
        if templates != [s for s in state.theme_stamp if _renders_pages(s[0])]:
            templates_changed = everything = True
        elif fingerprinted:
            everything = True      # a new stylesheet name appears in every page
        state.theme_stamp = theme_stamp
    if everything:
        state.shown = {}
    return everything, templates_changed


def _renders_pages(path: str) -> bool:
    """A theme file that pages are rendered with (a template, a message catalog), unlike a static file."""
    return "/templates/" in path or f"/{i18n.LOCALES}/" in path


def write_pages(pages: Iterable[Page], site_wide: tuple, state: BuildState, writer: SiteWriter,
                everything: bool, fresh: frozenset[str] | None = None) -> tuple[int, int]:
    """Hand every page to the writer, rendering only those whose key changed (or whose file the writer cannot
    carry over); the number rendered and the number of pages. With `fresh` (`edition.prepare_again`,
    `edition.with_fresh_pages`), a page not in it shows what it showed in the last build, so it keeps that
    build's key."""
    shown: dict[str, str] = {}
    digested, known = {}, state.page_inputs
    rendered = 0
    wide = digest_of(site_wide)       # once, not in every page's key: it holds every category's name
    if fresh is None:
        stamps = stamp_digests(state)
        cards = card_digests(state, stamps)

        def inputs_of(page: Page) -> tuple:
            return (wide, tuple([stamps[e.source] for e in page.shows]), page.key,
                    tuple([cards[id(e)] for e in page.cards]) if page.cards else ())
    else:           # a few pages: the digests of what they show alone
        def inputs_of(page: Page) -> tuple:
            return (wide, tuple([_mend_digests(state, e) for e in page.shows]), page.key,
                    tuple([_card_digest(state, e) for e in page.cards]) if page.cards else ())
    for page in pages:
        before = known.get(page.path)
        if fresh is not None and page.path not in fresh and (before or page.path in state.shown):
            # It shows what it showed in the last build: that build's key (the session's, or the state's).
            digested[page.path] = before or (None, state.shown[page.path])
        else:
            inputs = inputs_of(page)
            # The same inputs as the session's last build: its key, without writing them out and hashing them.
            digested[page.path] = (inputs, before[1] if before is not None and before[0] == inputs
                                   else digest_of(inputs))
        key = digested[page.path][1]
        if everything or state.shown.get(page.path) != key or not writer.keep(page.path):
            writer.page(page.path, page.render().encode("utf-8"))
            rendered += 1
        shown[page.path] = key
    state.shown = {**_folders(state.shown), **shown}   # pages that are gone are forgotten; folders are not
    state.page_inputs = digested
    return rendered, len(shown)


def folder_key(pages: Iterable[str], state: BuildState, *made_with: object) -> str:
    """The key of files made from these pages: each page's key as this build wrote it, and what else they
    are made with (a tool's version, a language)."""
    return digest_of((made_with, [(page, state.shown.get(page)) for page in pages]))


def keep_folder(folder: str, key: str, state: BuildState, writer: SiteWriter) -> bool:
    """Carry the last build's files in `folder` (a path ending in `/`) over when they were made with `key` and
    each is as that build left it; False when they must be made again."""
    files = [rel for rel in state.manifest if rel.startswith(folder)]
    if state.shown.get(folder) != key or not files or \
            not all(as_written(writer.out_dir, rel, state.manifest[rel]) for rel in files):
        return False
    for rel in files:
        writer.keep(rel)
    return True


def write_folder(folder: str, key: str, files: dict[str, bytes], state: BuildState, writer: SiteWriter) -> None:
    """Hand the files made again for `folder` (paths inside it) to the writer; the state remembers `key`."""
    for rel, data in files.items():
        writer.page(folder + rel, data)
    state.shown[folder] = key


def _folders(shown: dict[str, str]) -> dict[str, str]:
    return {rel: key for rel, key in shown.items() if rel.endswith("/")}


def stamp_digests(state: BuildState) -> dict[Path, str]:
    """Each loaded explainer's stamp as a digest, worked out again only for a stamp the state has not seen (a
    builder's session keeps them between builds). Keyed by the explainer's own `source` object, which the
    pages look it up with: a dict finds an identical key without comparing two Paths part by part."""
    known, made, digests = state.stamp_digests, {}, {}
    for source, (stamp, explainer) in state.loaded.items():
        made[source] = pair = _stamp_pair(known.get(source), stamp)
        digests[explainer.source] = pair[1]
    state.stamp_digests = made
    return digests


def card_digests(state: BuildState, stamps: dict[Path, str]) -> dict[int, str]:
    """Each loaded explainer's card digest, by the explainer's identity: taken from the state when it was made
    from the same stamp, worked out otherwise; the state keeps the new ones."""
    known, made = state.cards, {}
    digests: dict[int, str] = {}
    for _, explainer in state.loaded.values():
        source = str(explainer.source)
        made[source] = pair = _card_pair(known.get(source), stamps[explainer.source], explainer)
        digests[id(explainer)] = pair[1]
    state.cards = made
    return digests


def _stamp_pair(known: tuple[Stamp, str] | None, stamp: Stamp) -> tuple[Stamp, str]:
    """A stamp with its digest: the one the state knows when it is of this stamp."""
    return known if known is not None and (known[0] is stamp or known[0] == stamp) else (stamp, digest_of(stamp))


def _card_pair(known: tuple[str, str] | None, stamp_digest: str, explainer: Explainer) -> tuple[str, str]:
    """An explainer's stamp digest with its card's digest: the one the state knows when it was made from it."""
    return known if known is not None and known[0] == stamp_digest else (stamp_digest, digest_of(card_of(explainer)))


def _stamp_digest(state: BuildState, source: Path) -> str:
    """One explainer's stamp digest, as `stamp_digests` has it (the state's are left as they are)."""
    return _stamp_pair(state.stamp_digests.get(source), state.loaded[source][0])[1]


def _mend_digests(state: BuildState, explainer: Explainer) -> str:
    """The stamp digest of an explainer a page shows whole, with the state's stamp and card digests of it made
    for its stamp now: every explainer loaded again since the last whole pass is on a page made anew (its own),
    so the state saves no digest of a stamp it no longer holds (`state.load_state` reads them back)."""
    source = explainer.source
    stamp = state.stamp_digests[source] = _stamp_pair(state.stamp_digests.get(source), state.loaded[source][0])
    state.cards[str(source)] = _card_pair(state.cards.get(str(source)), stamp[1], explainer)
    return stamp[1]


def _card_digest(state: BuildState, explainer: Explainer) -> str:
    """One explainer's card digest, as `card_digests` has it (the state's are left as they are)."""
    return _card_pair(state.cards.get(str(explainer.source)), _stamp_digest(state, explainer.source), explainer)[1]
