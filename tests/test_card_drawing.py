"""Social cards drawn fast: one painter per build, palette indices on a shared background, PNG rows spliced.

What a reader sees must not change: a card drawn in palette indices is compared with the same text drawn the
plain way (RGB, Pillow's own antialiasing); the spliced PNG must decode to exactly the picture the painter
made; a painter that drew other cards first gives the same bytes as a fresh one; worker processes (fork and
spawn, one or two) give the same files, and a build's pool draws them while the build goes on.
"""
from __future__ import annotations

import io
import os
import random
import struct
import time
import zlib
from datetime import datetime

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageStat

from generator import content, parallel
from generator.config import load_config
from generator.images import cardimage, cardpng, cards
from generator.images.cardimage import CardPainter, CardText
from generator.parallel import FORK, SPAWN

BIDI = cardimage.has_bidi_layout()
TEXTS = [
    CardText("Explained: the bipartisan agreement and commuters", "Science", "The Desk", "June 25, 2023", False),
    CardText("Why the Moon has phases " * 6, "", "The Desk", "May 1, 2020", False),
    CardText("لماذا يتغير شكل القمر كل ليلة؟", "علوم", "الموقع", "2 نوفمبر 2023", True),
    CardText("Rockets 🚀 and 👩‍🚀 go, “ÉÅ” gjpqy", "Local politics and government " * 3, "A site " * 20,
             "December 31, 2024", False),
]


def wordmark() -> bytes:
    """A logo of two flat colours and their antialiasing (more colours than the palette keeps exactly)."""
    image = Image.new("RGBA", (400, 100), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, 399, 99), radius=30, fill=(200, 30, 30, 255))
    draw.ellipse((150, 20, 250, 80), fill=(20, 90, 200, 255))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def flat_logo() -> bytes:
    image = Image.new("RGB", (200, 50), (200, 30, 30))
    image.paste((255, 255, 255), (20, 10, 60, 40))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def decoded(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


@pytest.fixture(scope="module")
def fonts():
    return cardimage.find_fonts()


# ---------------------------------------------------------------- what a reader sees

def plain_drawing(text: CardText, fonts) -> Image.Image:
    """The title, rule and bar of a card without category, site or date, drawn in RGB the plain way."""
    card = Image.new("RGB", (1200, 630), cardimage.BACKGROUND)
    canvas = ImageDraw.Draw(card)
    canvas.rectangle((0, 0, 1200, 12), fill=cardimage.ACCENT)
    canvas.rectangle((80, 520, 1120, 522), fill=cardimage.RULE)
    bold = cardimage.Typesetter(fonts.bold, text.rtl, BIDI)
    size, lines = cardimage.fit_title(text.title, bold, 1040, cardimage.TITLE_BOTTOM - cardimage.TITLE_TOP)
    height = round(size * cardimage.LINE_HEIGHT)
    top = cardimage.TITLE_TOP + (cardimage.TITLE_BOTTOM - cardimage.TITLE_TOP - height * len(lines)) // 2
    anchor, x = ("ra", 1120) if text.rtl else ("la", 80)
    for number, line in enumerate(lines):
        canvas.text((x, top + number * height), bold.visual(line), font=bold.font(size),
                    fill=cardimage.TITLE_COLOUR, anchor=anchor, **bold.direction())
    return card


@pytest.mark.parametrize("title, rtl", [("Why the Moon has phases, and what they tell us", False),
                                        ("لماذا يتغير شكل القمر كل ليلة؟", True)], ids=["ltr", "rtl"])
def test_a_card_in_palette_indices_looks_like_the_plain_drawing(fonts, title, rtl):
    text = CardText(title, "", "", "", rtl)
    card = decoded(CardPainter(fonts, BIDI).draw(text)).convert("RGB")
    difference = ImageChops.difference(card, plain_drawing(text, fonts))
    assert max(high for _, high in difference.getextrema()) <= 4      # one step of a 64-shade ramp, rounded
    ink = ImageChops.difference(card, Image.new("RGB", card.size, cardimage.BACKGROUND)).convert("L")
    assert ink.point(lambda v: 255 if v > 200 else 0).getbbox()      # the title is there, white on navy


def test_a_logo_keeps_its_own_colours_on_a_white_plate(fonts):
    card = decoded(CardPainter(fonts, BIDI, flat_logo()).draw(TEXTS[0])).convert("RGB")
    plate_left = 1200 - 80 - (200 + 2 * cardimage.LOGO_PADDING)          # a 200×50 logo fits as it is
    assert card.getpixel((plate_left + 3, 48 + 3)) == (255, 255, 255)
    logo_left, logo_top = plate_left + cardimage.LOGO_PADDING, 48 + cardimage.LOGO_PADDING
    assert card.getpixel((logo_left + 5, logo_top + 5)) == (200, 30, 30)          # exact: few colours
    assert card.getpixel((logo_left + 40, logo_top + 25)) == (255, 255, 255)
    assert card.getpixel((plate_left - 3, 48 + 3)) == cardimage.BACKGROUND


def test_a_logo_with_many_colours_is_dithered_into_the_palette(fonts, make_photo):
    photo = make_photo(400, 100, "PNG")
    painter = CardPainter(fonts, BIDI, photo)
    card = decoded(painter.draw(TEXTS[0]))
    assert card.mode == "P" and len(card.getpalette() or []) <= 3 * 256
    plate = card.convert("RGB").crop((1200 - 80 - 12 - 256, 48 + 12, 1200 - 80 - 12, 48 + 12 + 64))   # 400×100 → 256×64
    original = Image.open(io.BytesIO(photo)).convert("RGB").resize(plate.size, Image.Resampling.LANCZOS)
    blurred = [picture.reduce(8) for picture in (plate, original)]      # dithering spreads the error around
    assert max(ImageStat.Stat(ImageChops.difference(*blurred)).mean) < 12     # the same picture, to the eye


# ---------------------------------------------------------------- the PNG

@pytest.mark.parametrize("logo", [None, "wordmark"])
@pytest.mark.parametrize("number", range(len(TEXTS)))
def test_the_spliced_png_is_exactly_the_painted_picture(fonts, logo, number):
    painter = CardPainter(fonts, BIDI, wordmark() if logo else None)
    png = painter.draw(TEXTS[number])
    assert cards.is_card_png(png)
    assert b"tIME" not in png and b"tEXt" not in png
    picture = painter.image(TEXTS[number])
    card = decoded(png)
    assert card.mode == "P" and card.size == (1200, 630)
    assert card.tobytes() == picture.tobytes()
    assert card.getpalette() == picture.getpalette()
    # The zlib stream is whole and sound: its checksum is what zlib itself computes.
    idat = png.index(b"IDAT")
    length = struct.unpack(">I", png[idat - 4:idat])[0]
    stream = png[idat + 4:idat + 4 + length]
    raw = zlib.decompress(stream)
    assert len(raw) == 630 * 1201 and struct.unpack(">I", stream[-4:])[0] == zlib.adler32(raw)


def test_a_painter_that_drew_other_cards_gives_the_same_bytes_as_a_fresh_one(fonts):
    shared = CardPainter(fonts, BIDI, wordmark())
    # The same label and site name in both directions: drawn at the other end of the line.
    mirrored = [CardText("Moon", "Science", "The Desk", "May 1, 2020", rtl) for rtl in (False, True)]
    texts = TEXTS + mirrored + TEXTS[::-1] + mirrored[::-1]
    in_a_row = [shared.draw(text) for text in texts]
    alone = [CardPainter(fonts, BIDI, wordmark()).draw(text) for text in texts]
    assert in_a_row == alone
    assert len(set(in_a_row)) == len(TEXTS) + 2


def test_adler32_combine_is_zlibs():
    chance = random.Random(19)
    for _ in range(300):
        first = os.urandom(chance.choice([0, 1, 5, 5_552, 70_000]))
        second = bytes([chance.randrange(256)]) * chance.choice([0, 1, 65_520, 65_521, 65_522, 200_000])
        assert cardpng.adler32_combine(zlib.adler32(first), zlib.adler32(second), len(second)) \
            == zlib.adler32(first + second)


# ---------------------------------------------------------------- in a build's worker processes

def many_cards_site(make_site, count: int):
    files = {"site.yml": "title: The Desk\nbase_url: https://example.com/\nlogo: logo.png\n", "logo.png": wordmark()}
    for day in range(1, count + 1):
        language = "language: ar\n" if day % 5 == 0 else ""
        date = f"2024-{1 + day // 28:02}-{1 + day % 28:02}"
        files[f"n{day:02}.md"] = (f"---\ntitle: Story number {day} " + "and more words " * (day % 7) +
                                  f"\ndate: {date}\ncategory: Topic {day % 3}\n{language}---\nLede.\n")
    return make_site(files)


@pytest.mark.parametrize("start_method", [FORK, SPAWN])
def test_cards_from_worker_chunks_are_the_bytes_drawn_in_one_process(make_site, tmp_path, start_method):
    site = many_cards_site(make_site, 2 * cards.PARALLEL_FROM + 3)       # several chunks
    now = datetime.fromisoformat("2026-01-01T00:00:00+00:00")
    config = load_config(site.content, site.out, jobs=1, now=now)
    explainers, _ = content.load_all(config)
    logo = (site.content / "logo.png").read_bytes()
    serial = cards.make_cards(explainers, config, folder=tmp_path / "one", logo=logo)
    pooled = cards.make_cards(explainers, load_config(site.content, site.out, jobs=2, now=now),
                              folder=tmp_path / "two", start_method=start_method, logo=logo)
    assert serial.drawn == pooled.drawn == 2 * cards.PARALLEL_FROM + 3
    assert {rel: path.read_bytes() for rel, path in pooled.files.items()} == \
        {rel: path.read_bytes() for rel, path in serial.files.items()}


def held_until(gate: str) -> None:
    """Run in a worker: keep it busy until the test opens the gate (a file appears), 20 s at most."""
    deadline = time.monotonic() + 20
    while not os.path.exists(gate) and time.monotonic() < deadline:
        time.sleep(0.01)


def test_the_builds_pool_draws_the_cards_while_the_build_goes_on(make_site, tmp_path):
    count = cards.PARALLEL_FROM + 3
    site = many_cards_site(make_site, count)
    now = datetime.fromisoformat("2026-01-01T00:00:00+00:00")
    config = load_config(site.content, site.out, jobs=2, now=now)
    explainers, _ = content.load_all(config)
    logo = (site.content / "logo.png").read_bytes()
    gate, folder = tmp_path / "gate", tmp_path / "cards"
    with parallel.pool_on_demand(2, FORK) as pool:
        busy = [pool.get().submit(held_until, str(gate)) for _ in range(pool.count)]    # as images would be
        pending = cards.start_cards(explainers, config, (), folder, pool, logo)
        assert not list(folder.glob("*.png")), "start_cards waited for its cards"
        gate.touch()
        report = pending.finish()
        assert all(job.done() for job in busy)
        assert pending.finish() is report
    serial = cards.make_cards(explainers, load_config(site.content, site.out, jobs=1, now=now),
                              folder=tmp_path / "serial", logo=logo)
    assert report.drawn == serial.drawn == count
    assert sorted(report.files.values()) == sorted(folder.glob("*.png"))
    assert {rel: path.read_bytes() for rel, path in report.files.items()} == \
        {rel: path.read_bytes() for rel, path in serial.files.items()}


# ---------------------------------------------------------------- into the site

def two_cards_site(make_site):
    return make_site({"site.yml": "title: The Desk\nbase_url: https://example.com/\n",
                      "moon.md": "---\ntitle: Why the Moon has phases\ndate: 2024-05-01\n---\nLede.\n",
                      "tides.md": "---\ntitle: What moves the tides\ndate: 2024-05-02\n---\nLede.\n"})


def build_at(site, out, **overrides):
    from generator.build import build
    return build(load_config(site.content, out, now=datetime.fromisoformat("2026-01-01T00:00:00+00:00"),
                             **overrides))


def published_cards(out) -> dict[str, bytes]:
    return {path.relative_to(out).as_posix(): path.read_bytes() for path in sorted(out.rglob("social-card.png"))}


def test_a_card_goes_into_the_site_as_the_cached_file_itself(make_site, tmp_path):
    site = two_cards_site(make_site)
    assert build_at(site, site.out).cards_drawn == 2
    cached = sorted((site.root / ".explainer-cache" / "cards").glob("*.png"))
    published = sorted(site.out.rglob("social-card.png"))
    assert len(cached) == len(published) == 2
    # One file, not a second copy of it (making a file costs more than linking one: see write.cached_file).
    assert all(any(os.path.samefile(card, file) for file in cached) for card in published)
    # Without the cache the cards are drawn into a scratch folder the build removes: the site keeps them.
    other = tmp_path / "without cache"
    assert build_at(site, other, use_cache=False).cards_drawn == 2
    assert published_cards(other) == published_cards(site.out)
    assert all(cards.is_card_png(data) for data in published_cards(other).values())


def test_a_published_card_changed_in_place_is_drawn_again(make_site):
    site = two_cards_site(make_site)
    build_at(site, site.out)
    first = published_cards(site.out)
    card = site.out / "moon" / "social-card.png"
    with open(card, "r+b") as changed:      # in place: the cache's file is that same file
        changed.seek(100)
        changed.write(b"scribbled over")
    report = build_at(site, site.out)
    assert "moon/social-card.png" in report.changed_paths
    assert published_cards(site.out) == first
