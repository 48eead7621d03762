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

from ..render.seo import CARD_SIZE

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
PNG_COMPRESSION = 5        # zlib level 9 takes ten times as long for 12% fewer bytes
PALETTE_STEPS = 64         # shades from the background to each colour: smooth antialiasing in a 256-colour PNG
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
        return self.font(size).getlength(self.visual(text), **self._direction())

    def draw(self, canvas, x_start: int, x_end: int, y: int, text: str, size: int, fill) -> None:
        """Draw one line from the reading start: the left edge, or the right edge for right-to-left text."""
        anchor, x = ("ra", x_end) if self.rtl else ("la", x_start)
        canvas.text((x, y), self.visual(text), font=self.font(size), fill=fill, anchor=anchor,
                    **self._direction())

    def _direction(self) -> dict:
        return {"direction": "rtl" if self.rtl else "ltr"} if self.bidi else {}


def draw_card(text: CardText, fonts: Fonts, bidi: bool, logo: bytes | None = None) -> bytes:
    """The card as PNG bytes; the site's logo (the bytes of a checked picture), when given, at the top."""
    from PIL import Image, ImageDraw
    width, _ = CARD_SIZE
    image = Image.new("RGB", CARD_SIZE, BACKGROUND)
    canvas = ImageDraw.Draw(image)
    bold, regular = Typesetter(fonts.bold, text.rtl, bidi), Typesetter(fonts.regular, text.rtl, bidi)
    left, right = MARGIN, width - MARGIN
    canvas.rectangle((0, 0, width, 12), fill=ACCENT)
    logo_width = _draw_logo(image, logo, text.rtl) if logo else 0
    label_room = right - left - (logo_width + LOGO_GAP if logo_width else 0)

    if text.category:
        label = fit_line(drawable(clip(text.category).upper(), bold.font(32)), bold, 32, label_room)
        bold.draw(canvas, left, right, 72, label, 32, ACCENT)

    title = drawable(clip(text.title), bold.font(TITLE_SIZES[0])) or clip(text.site)
    size, lines = fit_title(title, bold, right - left, TITLE_BOTTOM - TITLE_TOP)
    line_height = round(size * LINE_HEIGHT)
    top = TITLE_TOP + (TITLE_BOTTOM - TITLE_TOP - line_height * len(lines)) // 2
    for number, line in enumerate(lines):
        bold.draw(canvas, left, right, top + number * line_height, line, size, TITLE_COLOUR)

    canvas.rectangle((left, 520, right, 522), fill=RULE)
    date_width = regular.length(text.date, 30)
    site = fit_line(drawable(clip(text.site), bold.font(30)), bold, 30, right - left - date_width - 40)
    bold.draw(canvas, left, right, 552, site, 30, MUTED)       # where the reader starts: mirrored for RTL
    date_at, anchor = ((left, 552), "la") if text.rtl else ((right, 552), "ra")
    canvas.text(date_at, text.date, font=regular.font(30), fill=MUTED, anchor=anchor)

    out = io.BytesIO()
    if logo:        # the logo's own colours: no palette of the card's would keep them
        image.save(out, format="PNG", compress_level=PNG_COMPRESSION)
        return out.getvalue()
    # A fixed palette of the card's own colours: a third of the RGB file's size, and quicker to compress.
    image.quantize(palette=_palette(), dither=Image.Dither.NONE).save(out, format="PNG",
                                                                       compress_level=PNG_COMPRESSION)
    return out.getvalue()


LOGO_BOX = (280, 64)       # the logo fits in this, on a white plate with LOGO_PADDING around it
LOGO_PADDING = 12
LOGO_GAP = 32
LOGO_TOP = 48


def _draw_logo(card, data: bytes, rtl: bool) -> int:
    """Paste the logo in the top corner where the reader does not start (right, or left for RTL text);
    returns the width it takes."""
    from PIL import Image, ImageOps
    with Image.open(io.BytesIO(data)) as picture:
        logo = (ImageOps.exif_transpose(picture) or picture).convert("RGBA")
    scale = min(LOGO_BOX[0] / logo.width, LOGO_BOX[1] / logo.height, 1.0)
    size = (max(1, round(logo.width * scale)), max(1, round(logo.height * scale)))
    logo = logo.convert("RGBa").resize(size, Image.Resampling.LANCZOS).convert("RGBA")
    plate = (size[0] + 2 * LOGO_PADDING, size[1] + 2 * LOGO_PADDING)
    width = CARD_SIZE[0]
    x = MARGIN if rtl else width - MARGIN - plate[0]
    card.paste((255, 255, 255), (x, LOGO_TOP, x + plate[0], LOGO_TOP + plate[1]))
    card.paste(logo, (x + LOGO_PADDING, LOGO_TOP + LOGO_PADDING), logo)
    return plate[0]


def clip(text: str) -> str:
    """At most DRAWN_LIMIT characters, ending in … when cut."""
    return text if len(text) <= DRAWN_LIMIT else text[:DRAWN_LIMIT - 1] + "\u2026"


def _palette():
    from PIL import Image
    entries: list[int] = []
    for colour in (TITLE_COLOUR, ACCENT, MUTED, RULE):
        for step in range(PALETTE_STEPS):
            share = step / (PALETTE_STEPS - 1)
            entries += [round(b + (c - b) * share) for b, c in zip(BACKGROUND, colour)]
    palette = Image.new("P", (1, 1))
    palette.putpalette(entries)
    return palette


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
    missing = font.getmask("\U0010fffd")           # a private-use character: the font's "no glyph" box
    notdef = (missing.size, bytes(missing))
    known: dict[str, bool] = {}

    def has_glyph(char: str) -> bool:
        if char not in known:
            if char.isascii() or char.isspace() or unicodedata.category(char) in ("Mn", "Me", "Cf"):
                known[char] = True
            else:
                mask = font.getmask(char)
                known[char] = (mask.size, bytes(mask)) != notdef
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
