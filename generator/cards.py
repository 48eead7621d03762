"""Social cards for the explainers that need one (site.yml `social_cards`), drawn by `cardimage` and cached.

Cards are cached in `.explainer-cache/cards/` beside the content folder under a key made of everything that
goes into the picture (text, fonts, the drawing code, Pillow's version and layout engine), so an unchanged
explainer's card is never drawn twice.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from . import __version__, cardimage, parallel, write
from .cache import CACHE_DIR
from .cardimage import CardText, Fonts, draw_card, find_fonts, has_bidi_layout
from .config import SiteConfig
from .errors import ContentError, SourceLocation
from .model import Explainer
from .render import date_long
from .seo import CARD_FILE, wants_card

CACHE_FOLDER = Path(CACHE_DIR) / "cards"
PARALLEL_FROM = 16         # cards to draw before worker processes pay for their start-up


@dataclass(frozen=True)
class CardReport:
    files: dict[str, Path]     # output path ("slug/social-card.png") → cached PNG
    drawn: int                 # cards drawn by this build (the others came from the cache)
    warnings: tuple[str, ...]


def card_text(explainer: Explainer, config: SiteConfig) -> CardText:
    return CardText(title=explainer.title, category=explainer.category.name if explainer.category else "",
                    site=config.title, date=date_long(explainer.date), rtl=explainer.direction == "rtl")


def cache_folder(config: SiteConfig) -> Path:
    return config.content_dir.resolve().parent / CACHE_FOLDER


def make_cards(explainers: Iterable[Explainer], config: SiteConfig,
               theme_folders: Iterable[Path] = ()) -> CardReport:
    """A card for each explainer that wants one: taken from the cache, or drawn and cached."""
    wanted = [e for e in explainers if wants_card(e, config)]
    if not wanted:
        return CardReport({}, 0, ())
    check_names(wanted, config)
    fonts = find_fonts(theme_folders)
    bidi = has_bidi_layout()
    version = _code_version(fonts, bidi)
    folder = cache_folder(config)
    files: dict[str, Path] = {}
    to_draw: dict[Path, CardText] = {}
    for explainer in wanted:
        text = card_text(explainer, config)
        cached = folder / f"{cache_key(text, version)}.png"
        if not (config.use_cache and cached.is_file()):
            to_draw[cached] = text
        files[f"{explainer.slug}/{CARD_FILE}"] = cached
    jobs = [(path, text, fonts, bidi) for path, text in to_draw.items()]
    workers = parallel.workers(config)
    if len(jobs) >= PARALLEL_FROM and workers > 1:
        _draw_in_pool(jobs, workers)
    else:
        for job in jobs:
            _draw_job(job)
    _prune(folder, set(files.values()))
    drawn = len(to_draw)
    rtl_without_bidi = sum(text.rtl and not bidi for text in to_draw.values())
    warnings = (f"{rtl_without_bidi} right-to-left card(s) drawn without Pillow's raqm layout: letters are "
                "reordered but not joined (install FriBiDi, e.g. the libfribidi0 package)",) \
        if rtl_without_bidi else ()
    return CardReport(dict(sorted(files.items())), drawn, warnings)


def _draw_job(job: tuple[Path, CardText, Fonts, bool]) -> None:
    path, text, fonts, bidi = job
    write.atomic_write(path, draw_card(text, fonts, bidi))


def _draw_in_pool(jobs: list, workers: int) -> None:
    with parallel.process_pool(workers) as pool:
        for _ in pool.map(_draw_job, jobs, chunksize=max(1, len(jobs) // (workers * 4))):
            pass


def cache_key(text: CardText, version: str) -> str:
    fields = "\x1f".join((version, text.title, text.category, text.site, text.date, str(text.rtl)))
    return hashlib.sha256(fields.encode("utf-8")).hexdigest()[:32]


def _code_version(fonts: Fonts, bidi: bool) -> str:
    """What changes every card's pixels: fonts, the drawing code, Pillow and its text layout."""
    import PIL
    code = hashlib.sha256(Path(cardimage.__file__).read_bytes()).hexdigest()
    return f"{__version__}/{PIL.__version__}/{bidi}/{fonts.digest()}/{code}"


def check_names(explainers: Iterable[Explainer], config: SiteConfig) -> None:
    """A bundle file may not take the name of the card drawn for its explainer (`check` asks this too)."""
    for explainer in (e for e in explainers if wants_card(e, config)):
        clash = next((p for p in explainer.files if p.relative_to(explainer.bundle).as_posix() == CARD_FILE),
                     None)
        if clash:
            raise ContentError(f"{CARD_FILE} is the name of the generated social card", SourceLocation(clash),
                               hint="rename this file, or set social_cards: never in site.yml")


def _prune(folder: Path, keep: set[Path]) -> None:
    """Cards of explainers that changed or went away would otherwise pile up."""
    for path in folder.glob("*.png"):
        if path not in keep:
            path.unlink(missing_ok=True)
