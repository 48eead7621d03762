"""Social cards for the explainers that need one (site.yml `social_cards`), drawn by `cardimage` and cached.

Cards are cached in `.explainer-cache/cards/` beside the content folder as `<key>-<digest>.png`: the key is
made of everything that goes into the picture (text, fonts, the drawing code, Pillow's version and layout
engine), so an unchanged explainer's card is never drawn twice; the digest is the BLAKE2 hash of the PNG's
bytes. A cached card is used only when its bytes match that digest and it is a whole PNG of the card's size;
anything else is deleted and drawn again, so no damaged or foreign file ever reaches the site (the site's card
is the cached file itself, hard-linked: `write.SiteWriter.cached_file`).
"""
from __future__ import annotations

import hashlib
import os
import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .. import __version__, parallel, write
from ..config import SiteConfig
from ..errors import ContentError
from ..incremental import cache
from ..model import Explainer
from ..problems import Place
from ..render.formats import date_long
from ..render.seo import CARD_FILE, CARD_SIZE, wants_card

if TYPE_CHECKING:
    from concurrent.futures import Future

    from .cardimage import CardText, Fonts

PARALLEL_FROM = 16         # cards to draw before worker processes pay for their start-up
CHUNKS_PER_WORKER = 4      # a chunk makes one painter; several per worker even out their lengths


@dataclass(frozen=True)
class CardReport:
    """The social cards a build made or took from the cache, by output path."""
    files: dict[str, Path]     # output path ("slug/social-card.png") → cached PNG
    drawn: int                 # cards drawn by this build (the others came from the cache)
    warnings: tuple[str, ...]

    def digest(self, rel: str) -> str:
        """The digest of a card's bytes, as its file's name (`<key>-<digest>.png`) gives it."""
        return self.files[rel].stem.partition("-")[2]


def card_text(explainer: Explainer, config: SiteConfig) -> CardText:
    from .cardimage import CardText
    return CardText(title=explainer.title, category=explainer.category.name if explainer.category else "",
                    site=config.title, date=date_long(explainer.date, explainer.language),
                    rtl=explainer.direction == "rtl")


def cache_folder(config: SiteConfig) -> Path:
    return cache.folder_of(config.content_dir) / cache.CARDS


def make_cards(explainers: Iterable[Explainer], config: SiteConfig, theme_folders: Iterable[Path] = (),
               folder: Path | None = None, start_method: str | None = parallel.PLATFORM_DEFAULT,
               logo: bytes | None = None) -> CardReport:
    """A card for each explainer that wants one: a checked one from `folder`, or drawn into it.

    `folder` is the cache's cards folder (the default), or one of the build's own when it has no cache;
    `start_method` starts the drawing pool (see parallel); `logo` is the site's logo (a raster picture the
    images stage has checked), drawn in a corner.
    """
    with parallel.pool_on_demand(parallel.workers(config), start_method) as pool:
        return start_cards(explainers, config, theme_folders, folder, pool, logo).finish()


def start_cards(explainers: Iterable[Explainer], config: SiteConfig, theme_folders: Iterable[Path],
                folder: Path | None, pool: parallel.PoolOnDemand, logo: bytes | None = None) -> PendingCards:
    """`make_cards`, with the drawing left running in `pool`'s workers: the build renders its pages
    meanwhile, and `finish` waits for the cards (a few are drawn here and now: a worker would cost more)."""
    wanted = [e for e in explainers if wants_card(e, config)]
    if not wanted:
        return PendingCards(Path(), {}, {}, {}, False, [])
    check_names(wanted, config)
    # The drawing code is imported by a build with cards to make or find: a site without any never needs it.
    from .cardimage import find_fonts, has_bidi_layout
    fonts = find_fonts(theme_folders)
    bidi = has_bidi_layout()
    version = _code_version(fonts, bidi) + (f"/logo {write.digest(logo)}" if logo else "")
    folder = folder or cache_folder(config)
    stored = _stored_cards(folder)
    keys: dict[str, str] = {}
    found: dict[str, Path] = {}
    to_draw: dict[str, CardText] = {}
    for explainer in wanted:
        text = card_text(explainer, config)
        key = keys[f"{explainer.slug}/{CARD_FILE}"] = cache_key(text, version)
        if key not in found and key not in to_draw:
            path = _checked_card(stored.get(key, ()))
            if path is None:
                to_draw[key] = text
            else:
                found[key] = path
    jobs = list(to_draw.items())
    painting = Painting(folder, fonts, bidi, logo)
    drawing: list[Future[list[tuple[str, Path]]]] = []
    if len(jobs) >= PARALLEL_FROM and pool.count > 1:
        drawing = _draw_in_pool(painting, jobs, pool)
    else:
        found.update(_draw_chunk(painting, jobs))
    return PendingCards(folder, keys, found, to_draw, bidi, drawing)


@dataclass
class PendingCards:
    """The cards of a build, some of them perhaps still being drawn in worker processes."""
    folder: Path
    keys: dict[str, str]              # output path → the card's key
    found: dict[str, Path]            # key → its checked file (from the cache, or drawn already)
    to_draw: dict[str, CardText]      # the cards this build draws, by key
    bidi: bool
    drawing: list[Future[list[tuple[str, Path]]]]
    _report: CardReport | None = None

    def finish(self) -> CardReport:
        """Wait for the cards still being drawn (a failure in a worker is raised here); the same report on
        every call."""
        if self._report is None:
            for future in self.drawing:
                self.found.update(future.result())
            files = {rel: self.found[key] for rel, key in self.keys.items()}
            if self.keys:
                _prune(self.folder, set(files.values()))
            self._report = CardReport(dict(sorted(files.items())), len(self.to_draw), self._warnings())
        return self._report

    def _warnings(self) -> tuple[str, ...]:
        rtl_without_bidi = sum(text.rtl and not self.bidi for text in self.to_draw.values())
        return (f"{rtl_without_bidi} right-to-left card(s) drawn without Pillow's raqm layout: letters are "
                "reordered but not joined (install FriBiDi, e.g. the libfribidi0 package)",) \
            if rtl_without_bidi else ()


@dataclass(frozen=True)
class Painting:
    """What a chunk of cards is drawn with, and where they go: all a worker process needs to draw them."""
    folder: Path
    fonts: Fonts
    bidi: bool
    logo: bytes | None


def _draw_chunk(painting: Painting, jobs: list[tuple[str, CardText]]) -> list[tuple[str, Path]]:
    """Draw cards with one painter (fonts and the shared background made once), each into its cache file."""
    from .cardimage import CardPainter
    painter = CardPainter(painting.fonts, painting.bidi, painting.logo)
    drawn = []
    for key, text in jobs:
        data = painter.draw(text)
        path = painting.folder / f"{key}-{write.digest(data)}.png"
        write.atomic_write(path, data)
        drawn.append((key, path))
    return drawn


def _draw_in_pool(painting: Painting, jobs: list[tuple[str, CardText]],
                  pool: parallel.PoolOnDemand) -> list[Future[list[tuple[str, Path]]]]:
    size = max(PARALLEL_FROM // 2, -(-len(jobs) // (pool.count * CHUNKS_PER_WORKER)))
    workers = pool.get()
    return [workers.submit(_draw_chunk, painting, jobs[start:start + size]) for start in range(0, len(jobs), size)]


def _stored_cards(folder: Path) -> dict[str, list[Path]]:
    """The cards in the folder by key, from their names alone (one listing, no reads)."""
    stored: dict[str, list[Path]] = {}
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return stored
    for entry in entries:
        key, dash, rest = entry.name.partition("-")
        if dash and rest.endswith(".png"):
            stored.setdefault(key, []).append(Path(entry.path))
    return stored


def _checked_card(paths: Iterable[Path]) -> Path | None:
    """The first of these files whose bytes are what its name says and a whole card; the others are removed."""
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError:
            data = b""
        if path.name.endswith(f"-{write.digest(data)}.png") and is_card_png(data):
            return path
        cache.discard(path)
    return None


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"


def is_card_png(data: bytes) -> bool:
    """A PNG from start (signature, a sound header of the card's size) to end (the IEND chunk)."""
    if not (data.startswith(PNG_SIGNATURE) and data.endswith(PNG_END) and len(data) > 33):
        return False
    length, kind = struct.unpack(">I4s", data[8:16])
    header = data[16:29]
    if length != 13 or kind != b"IHDR" or struct.unpack(">I", data[29:33])[0] != zlib.crc32(kind + header):
        return False
    return struct.unpack(">II", header[:8]) == tuple(CARD_SIZE)


def cache_key(text: CardText, version: str) -> str:
    fields = "\x1f".join((version, text.title, text.category, text.site, text.date, str(text.rtl)))
    return hashlib.sha256(fields.encode("utf-8")).hexdigest()[:32]


def _code_version(fonts: Fonts, bidi: bool) -> str:
    """What changes every card's pixels: fonts, the drawing code, Pillow and its text layout."""
    import PIL

    from . import cardimage, cardpng
    drawing = (Path(cardimage.__file__), Path(cardpng.__file__))
    code = hashlib.sha256(b"".join(path.read_bytes() for path in drawing)).hexdigest()
    return f"{__version__}/{PIL.__version__}/{bidi}/{fonts.digest()}/{code}"


def check_names(explainers: Iterable[Explainer], config: SiteConfig) -> None:
    """A bundle file may not take the name of the card drawn for its explainer (`check` asks this too)."""
    for explainer in (e for e in explainers if wants_card(e, config)):
        bundle = explainer.bundle
        clash = next((p for p in explainer.files if bundle and p.relative_to(bundle).as_posix() == CARD_FILE),
                     None)
        if clash:
            raise ContentError(f"{CARD_FILE} is the name of the generated social card", Place(clash),
                               hint="rename this file, or set social_cards: never in site.yml")


def _prune(folder: Path, keep: set[Path]) -> None:
    """Cards of explainers that changed or went away would otherwise pile up."""
    for path in folder.glob("*.png"):
        if path not in keep:
            path.unlink(missing_ok=True)
