"""One social card image: a 1200×630 PNG with the category, the title, the site name and the date.

Drawing only, with Pillow: the same text, fonts and layout engine give the same bytes (no timestamps, fixed
compression and palette). `cards.py` decides which explainers get a card, and caches them.
"""
from __future__ import annotations

import hashlib
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..render.seo import CARD_SIZE
from .cardpng import PaletteEncoder

if TYPE_CHECKING:
    from PIL.Image import Image as Picture

PACKAGED_FONTS = Path(__file__).resolve().parent / "fonts"
REGULAR_FONT, BOLD_FONT = "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"
THEME_FONTS = ("fonts/card-regular.ttf", "fonts/card-bold.ttf")     # a theme may bring its own

# Colours: every text colour is above 10:1 against the deep navy (WCAG AAA asks 7:1; the test checks it).
BACKGROUND = (16, 33, 58)
TITLE_COLOUR = (255, 255, 255)
ACCENT = (255, 200, 87)
MUTED = (201, 212, 229)
RULE = (52, 78, 112)

MARGIN = 80
TITLE_TOP, TITLE_BOTTOM = 150, 490
TITLE_SIZES = range(84, 38, -4)          # largest first; the first size at which the title fits wins
# Characters of any one text that are measured at all: more than the card can show even at the smallest size
# (about 7 lines of 45), so a pasted novel costs no more than a long headline.
DRAWN_LIMIT = 400
LINE_HEIGHT = 1.18
_PRESENTATION = re.compile("[\ufe0e\ufe0f]")   # emoji/text variation selectors


@dataclass(frozen=True)
class CardText:
    """Everything that the picture shows; its hash names the cached PNG."""
    title: str
    category: str
    site: str
    date: str
    rtl: bool


@dataclass(frozen=True)
class Fonts:
    """The regular and bold font files social cards are drawn with."""
    regular: Path
    bold: Path

    def digest(self) -> str:
        return hashlib.sha256(self.regular.read_bytes() + self.bold.read_bytes()).hexdigest()


def find_fonts(theme_folders: Iterable[Path] = ()) -> Fonts:
    """The first theme folder with both card fonts, else the DejaVu Sans shipped with the package."""
    for folder in theme_folders:
        regular, bold = (folder / name for name in THEME_FONTS)
        if regular.is_file() and bold.is_file():
            return Fonts(regular, bold)
    return Fonts(PACKAGED_FONTS / REGULAR_FONT, PACKAGED_FONTS / BOLD_FONT)


def has_bidi_layout() -> bool:
    """Pillow's raqm layout (with FriBiDi) orders and shapes right-to-left text; the basic layout cannot."""
    from PIL import features
    return bool(features.check("raqm")) and bool(features.check("fribidi"))


class Typesetter:
    """Measures and draws text in one direction with one font file, at any size."""

    def __init__(self, font_path: Path, rtl: bool, bidi: bool):
        from PIL import ImageFont
        self.path, self.rtl, self.bidi = font_path, rtl, bidi
        self.layout = ImageFont.Layout.RAQM if bidi else ImageFont.Layout.BASIC
        self._fonts: dict[int, object] = {}

    def font(self, size: int):
        if size not in self._fonts:
            from PIL import ImageFont
            self._fonts[size] = ImageFont.truetype(str(self.path), size, layout_engine=self.layout)
        return self._fonts[size]

    def visual(self, text: str) -> str:
        """What to hand to Pillow: raqm orders text itself; the basic layout needs it in visual order."""
        return text if self.bidi or not self.rtl else visual_order(text)

    def length(self, text: str, size: int) -> float:
        return self.font(size).getlength(self.visual(text), **self.direction())

    def direction(self) -> dict:
        return {"direction": "rtl" if self.rtl else "ltr"} if self.bidi else {}


def draw_card(text: CardText, fonts: Fonts, bidi: bool, logo: bytes | None = None) -> bytes:
    """One card as PNG bytes (a build draws many with one `CardPainter`)."""
    return CardPainter(fonts, bidi, logo).draw(text)


class CardPainter:
    """Draws the cards of one site: what every card shares is made once, each card then draws only its text.

    Made once: the fonts (each size loaded once), the palette, and for each direction the background with
    the accent bar, the rule and the logo on its plate, and its encoder (which compresses the background's
    rows once: see cardpng). Kept as they are drawn: a category's label and the site's name, which many
    cards repeat. A card is drawn straight in palette indices, so there is no RGB picture to quantise: text
    of one colour is drawn in its own band of the card (`Band`). A build makes one painter (one per chunk of
    cards in a worker process); nothing is global.
    """

    def __init__(self, fonts: Fonts, bidi: bool, logo: bytes | None = None):
        self.setters = {rtl: (Typesetter(fonts.bold, rtl, bidi), Typesetter(fonts.regular, rtl, bidi))
                        for rtl in (False, True)}
        plate = _logo_plate(logo) if logo else None
        self.palette = _palette(plate.colours if plate else [])
        self.logo_width = plate.image.width if plate else 0
        self.bands = {rtl: _bands(self.logo_width, rtl) for rtl in (False, True)}
        backgrounds = {rtl: _background(plate, self.bands[rtl], rtl) for rtl in (False, True)}
        self.encoders = {rtl: PaletteEncoder(backgrounds[rtl], self.palette) for rtl in (False, True)}
        # Drawn over and over, card after card: a fresh picture each time would cost the system more (page
        # faults) than the drawing. Outside its bands a card is never touched.
        self._cards = backgrounds
        self._blanks = {band: band.blank() for bands in self.bands.values() for band in bands}
        self._scratch = {band: band.blank() for bands in self.bands.values() for band in bands}
        self._kept: dict[tuple, Picture] = {}

    def draw(self, text: CardText) -> bytes:
        """The card as PNG bytes."""
        return self.encoders[text.rtl].encode(self._paint(text))

    def image(self, text: CardText):
        """The card as a palette image (what `draw` encodes)."""
        card = self.indices(text)
        card.putpalette(self.palette)             # the indices become a palette image, pixels untouched
        return card

    def indices(self, text: CardText):
        """The card as an "L" image of palette indices (what the encoder takes)."""
        return self._paint(text).copy()

    def _paint(self, text: CardText):
        """The card as an "L" image of palette indices: the painter's own, until it paints the next card."""
        bold, regular = self.setters[text.rtl]
        label_band, title_band, footer_band = self.bands[text.rtl]
        card = self._cards[text.rtl]
        room = CARD_SIZE[0] - 2 * MARGIN

        label = self._blanks[label_band]
        if text.category:
            label_room = room - (self.logo_width + LOGO_GAP if self.logo_width else 0)
            line = fit_line(drawable(clip(text.category).upper(), bold.font(32)), bold, 32, label_room)
            label = self._kept_line(label_band, bold, 72, line, 32)
        card.paste(label, label_band.box)

        title = drawable(clip(text.title), bold.font(TITLE_SIZES[0])) or clip(text.site)
        size, lines = fit_title(title, bold, room, TITLE_BOTTOM - TITLE_TOP)
        line_height = round(size * LINE_HEIGHT)
        top = TITLE_TOP + (TITLE_BOTTOM - TITLE_TOP - line_height * len(lines)) // 2
        band = self._scratch[title_band]
        band.paste(self._blanks[title_band])
        for number, line in enumerate(lines):
            title_band.draw(band, bold, top + number * line_height, line, size)
        card.paste(band, title_band.box)

        date_width = regular.length(text.date, 30)
        site = fit_line(drawable(clip(text.site), bold.font(30)), bold, 30, room - date_width - 40)
        band = self._scratch[footer_band]
        band.paste(self._kept_line(footer_band, bold, 552, site, 30))     # the reader starts with the site
        footer_band.draw(band, regular, 552, text.date, 30, reading_start=False)   # the date as given, at the end
        card.paste(band, footer_band.box)
        return card

    def _kept_line(self, band: Band, setter: Typesetter, y: int, text: str, size: int):
        """`band` with one line drawn, kept for the next card that has it (up to KEPT_LINES of them)."""
        key = (band, setter.path, setter.rtl, y, text, size)
        image = self._kept.get(key)
        if image is None:
            image = band.blank()
            band.draw(image, setter, y, text, size)
            if len(self._kept) < KEPT_LINES:
                self._kept[key] = image
        return image


@dataclass(frozen=True)
class Band:
    """A rectangle of the card where text of one colour is drawn, and clipped: filled with the first index of
    the colour's ramp (the background's colour again), it takes the ramp's last index as ink, so that
    Pillow's antialiasing, which blends the two, lands on the ramp's shades."""
    box: tuple[int, int, int, int]
    colour: tuple[int, int, int]

    def blank(self):
        from PIL import Image
        left, top, right, bottom = self.box
        return Image.new("L", (right - left, bottom - top), _ramp_first(self.colour))

    def draw(self, image, setter: Typesetter, y: int, text: str, size: int, reading_start: bool = True) -> None:
        """One line from the reading start (the left margin, the right one for RTL text), or from the other
        end; `y` is the card's, the top of the line."""
        from PIL import ImageDraw
        anchor, x = ("ra", CARD_SIZE[0] - MARGIN) if setter.rtl == reading_start else ("la", MARGIN)
        visual, options = (setter.visual(text), setter.direction()) if reading_start else (text, {})
        ImageDraw.Draw(image).text((x - self.box[0], y - self.box[1]), visual, font=setter.font(size),
                                   fill=_ramp_first(self.colour) + RAMP_STEPS, anchor=anchor, **options)


KEPT_LINES = 64            # lines a painter keeps drawn (labels, site names): about 140 kB each
RAMP_STEPS = 64            # shades from the background to each text colour: smooth antialiasing
RAMPED = (TITLE_COLOUR, ACCENT, MUTED)    # each with RAMP_STEPS + 1 entries, from the background's colour
RULE_INDEX = 1 + len(RAMPED) * (RAMP_STEPS + 1)   # index 0 is the background, then the ramps, then the rule
LOGO_FIRST = RULE_INDEX + 1
LOGO_COLOURS = 256 - LOGO_FIRST     # the logo plate's own colours (dithered down to them if it has more)
LOGO_BOX = (280, 64)       # the logo fits in this, on a white plate with LOGO_PADDING around it
LOGO_PADDING = 12
LOGO_GAP = 32
LOGO_TOP = 48
ACCENT_BAR = 13            # rows
RULE_TOP, RULE_BOTTOM = 520, 523


def _ramp_first(colour: tuple[int, int, int]) -> int:
    return 1 + RAMPED.index(colour) * (RAMP_STEPS + 1)


def _palette(logo_colours: list[tuple[int, int, int]]) -> list[int]:
    entries = list(BACKGROUND)
    for colour in RAMPED:
        for step in range(RAMP_STEPS + 1):
            entries += [round(b + (c - b) * step / RAMP_STEPS) for b, c in zip(BACKGROUND, colour)]
    entries += RULE
    for colour in logo_colours:
        entries += colour
    return entries


def _bands(logo_width: int, rtl: bool) -> tuple[Band, Band, Band]:
    """Where the label, the title and the footer may draw: the label beside the logo, the title below it,
    the footer below the rule; each with room to spare around its text."""
    width, height = CARD_SIZE
    title_top = LOGO_TOP + LOGO_BOX[1] + 2 * LOGO_PADDING     # below the logo's plate, whatever its height
    beside_logo = width - MARGIN - logo_width - LOGO_GAP // 2 if logo_width else width
    label = (width - beside_logo, ACCENT_BAR, width, title_top) if rtl else (0, ACCENT_BAR, beside_logo, title_top)
    return Band(label, ACCENT), Band((0, title_top, width, RULE_TOP), TITLE_COLOUR), \
        Band((0, RULE_BOTTOM, width, height), MUTED)


def _background(plate: LogoPlate | None, bands: tuple[Band, ...], rtl: bool):
    """What every card of one direction shows: the background, the accent bar, the rule, the logo in the top
    corner where the reader does not start (right, or left for RTL text), and the empty text bands."""
    from PIL import Image
    width, _ = CARD_SIZE
    card = Image.new("L", CARD_SIZE, 0)
    card.paste(_ramp_first(ACCENT) + RAMP_STEPS, (0, 0, width, ACCENT_BAR))
    card.paste(RULE_INDEX, (MARGIN, RULE_TOP, width - MARGIN + 1, RULE_BOTTOM))
    for band in bands:
        card.paste(band.blank(), band.box)
    if plate:
        x = MARGIN if rtl else width - MARGIN - plate.image.width
        card.paste(plate.image, (x, LOGO_TOP))
    return card


@dataclass(frozen=True)
class LogoPlate:
    """The site's logo prepared once for every card: palette indices and their colours."""
    image: Picture                       # "L": palette indices from LOGO_FIRST on
    colours: list[tuple[int, int, int]]  # the palette entries they stand for


def _logo_plate(data: bytes) -> LogoPlate:
    """The logo on its white plate, as palette indices of its own colours (at most LOGO_COLOURS of them)."""
    from PIL import Image, ImageOps
    with Image.open(io.BytesIO(data)) as picture:
        logo = (ImageOps.exif_transpose(picture) or picture).convert("RGBA")
    scale = min(LOGO_BOX[0] / logo.width, LOGO_BOX[1] / logo.height, 1.0)
    size = (max(1, round(logo.width * scale)), max(1, round(logo.height * scale)))
    logo = logo.convert("RGBa").resize(size, Image.Resampling.LANCZOS).convert("RGBA")
    plate = Image.new("RGB", (size[0] + 2 * LOGO_PADDING, size[1] + 2 * LOGO_PADDING), (255, 255, 255))
    plate.paste(logo, (LOGO_PADDING, LOGO_PADDING), logo)
    counted = plate.getcolors(LOGO_COLOURS)
    if counted is None:      # more colours than the palette has room for: the nearest ones, dithered
        quantised = plate.quantize(LOGO_COLOURS, dither=Image.Dither.FLOYDSTEINBERG)
        entries = (quantised.getpalette() or [])[:3 * LOGO_COLOURS]
        colours = [(entries[i], entries[i + 1], entries[i + 2]) for i in range(0, len(entries) - 2, 3)]
    else:                    # every colour kept exactly
        colours = sorted((colour[0], colour[1], colour[2]) for _, colour in counted)   # type: ignore[index]
        exact = Image.new("P", (1, 1))
        exact.putpalette([channel for colour in colours for channel in colour])
        quantised = plate.quantize(palette=exact, dither=Image.Dither.NONE)
    indices = Image.frombytes("L", plate.size, quantised.tobytes()).point(
        [min(LOGO_FIRST + i, 255) for i in range(256)])
    return LogoPlate(indices, colours)


def clip(text: str) -> str:
    """At most DRAWN_LIMIT characters, ending in … when cut."""
    return text if len(text) <= DRAWN_LIMIT else text[:DRAWN_LIMIT - 1] + "\u2026"


def fit_title(title: str, setter: Typesetter, width: int, height: int) -> tuple[int, list[str]]:
    """The largest size at which the wrapped title fits the box; at the smallest, the lines that fit, with …"""
    for size in TITLE_SIZES:
        lines = wrap(title, setter, size, width)
        if len(lines) * round(size * LINE_HEIGHT) <= height:
            return size, lines
    size = TITLE_SIZES[-1]
    lines = wrap(title, setter, size, width)
    keep = max(1, height // round(size * LINE_HEIGHT))
    if len(lines) > keep:
        lines = lines[:keep - 1] + [fit_line(" ".join(lines[keep - 1:]), setter, size, width, force=True)]
    return size, lines


def wrap(text: str, setter: Typesetter, size: int, width: int) -> list[str]:
    """Greedy line breaking at spaces; a word wider than the line (or text without spaces) breaks anywhere."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if setter.length(candidate, size) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = word
        while setter.length(line, size) > width and len(line) > 1:
            cut = _longest_prefix(line, setter, size, width)
            lines.append(line[:cut])
            line = line[cut:]
    if line:
        lines.append(line)
    return lines


def _longest_prefix(text: str, setter: Typesetter, size: int, width: int) -> int:
    low, high = 1, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if setter.length(text[:middle], size) <= width:
            low = middle
        else:
            high = middle - 1
    return low


def fit_line(text: str, setter: Typesetter, size: int, width: float, force: bool = False) -> str:
    """`text` cut at a word (or anywhere, if need be) with an ellipsis when it is wider than `width`."""
    if not force and setter.length(text, size) <= width:
        return text
    words = text.split()
    while len(words) > 1 and setter.length(" ".join(words) + "\u2026", size) > width:
        words.pop()
    text = " ".join(words)
    while len(text) > 1 and setter.length(text + "\u2026", size) > width:
        text = text[:-1]
    return text.rstrip(" ,;:.\u2013\u2014-") + "\u2026"


def drawable(text: str, font) -> str:
    """`text` without the characters the font has no glyph for (emoji, mostly), which would draw as boxes."""
    if text.isascii():             # every font has these; nothing to strip
        return " ".join(text.split())
    known: dict[str, bool] = {}
    notdef: list[tuple] = []     # the font's "no glyph" box, drawn only when a character needs checking

    def mask_of(char: str) -> tuple:
        mask = font.getmask(char)
        return mask.size, bytes(mask)

    def has_glyph(char: str) -> bool:
        if char not in known:
            if char.isascii() or char.isspace() or unicodedata.category(char) in ("Mn", "Me", "Cf"):
                known[char] = True
            else:
                notdef[:] = notdef or [mask_of("\U0010fffd")]       # a private-use character
                known[char] = mask_of(char) != notdef[0]
        return known[char]

    kept = "".join(c for c in _PRESENTATION.sub("", text) if has_glyph(c))
    kept = re.sub("\u200d(?=\\s|$)|(?:^|(?<=\\s))\u200d", "", kept)    # joiners left without their emoji
    return " ".join(kept.split())


# Right to left without raqm ------------------------------------------------------------------------------

_MIRRORED = str.maketrans("()[]{}<>«»", ")(][}{><»«")


def visual_order(line: str) -> str:
    """A right-to-left line in the order the basic layout must draw it, left to right.

    A small part of the Unicode bidi algorithm, enough for titles: runs of right-to-left letters are reversed,
    runs of left-to-right text and numbers keep their order, and the runs are laid out from the right.
    Arabic letters are not joined: that takes a shaping engine (raqm).
    """
    strong = [_strength(c) for c in line]
    for index, kind in enumerate(strong):           # neutrals between two LTR characters are LTR, else RTL
        if kind is None:
            before = next((k for k in reversed(strong[:index]) if k), "R")
            after = next((k for k in strong[index + 1:] if k), "R")
            strong[index] = "L" if before == after == "L" else "R"
    runs: list[tuple[str | None, str]] = []
    for char, kind in zip(line, strong):
        if runs and runs[-1][0] == kind:
            runs[-1] = (kind, runs[-1][1] + char)
        else:
            runs.append((kind, char))
    return "".join(text[::-1].translate(_MIRRORED) if kind == "R" else text for kind, text in reversed(runs))


def _strength(char: str) -> str | None:
    kind = unicodedata.bidirectional(char)
    if kind in ("R", "AL"):
        return "R"
    if kind in ("L", "EN", "AN"):
        return "L"
    return None
