"""Pictures as readers' browsers, crawlers and link previews get them: responsive derivatives of real-sized
photos and charts, read back with Pillow; what is published and what is stripped; crops; the cache; errors.

The photo site is built once per module: an agency photo (4000×2667 JPEG with camera, maker and GPS tags),
a portrait phone photo stored on its side (3000×2000 with EXIF orientation 6, so 2000×3000 upright), a large
PNG chart, an animated GIF, an SVG and a logo.
"""
from __future__ import annotations

import functools
import gc
import http.server
import io
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import threading
import zlib
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import jinja2
import pytest
from bs4 import BeautifulSoup
from PIL import ExifTags, Image, ImageChops, ImageCms, ImageDraw, ImageOps, ImageStat

from conftest import REPO, article, photo
from generator import content, parallel
from generator.build import build
from generator.check.site import check_site
from generator.config import load_config
from generator.imageconfig import ImageSettings
from generator.images import crops, derivatives, publish
from generator.images.store import Store
from generator.model import Body
from test_card_drawing import held_until
from test_check import messages, summary
from test_search import bundle, fragments
from test_theme import AXE_JS, AXE_TAGS, CHROMIUM, CHROMIUM_ARGS, VNU_JAR, QuietHandler, Visit, require

BASE = "https://news.example/"
SECTIONS = "\n\n**Why it matters:** x.\n\n**The big picture:** y.\n"
HERO_SIZES = ("(min-width: 44.5rem) 42rem, calc(100vw - 2.5rem)")
GPS_IFD, EXIF_IFD = ExifTags.IFD.GPSInfo, ExifTags.IFD.Exif


# ---------------------------------------------------------------- pictures as newsrooms receive them

def tagged_photo(width: int, height: int, orientation: int = 1, seed: int = 1, quality: int = 92) -> bytes:
    """A camera JPEG: maker and model, a maker note, a GPS position and an EXIF orientation."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "Agency Cam"
    exif[ExifTags.Base.Model] = "X-1000"
    exif[ExifTags.Base.DateTime] = "2026:01:02 03:04:05"
    gps = exif.get_ifd(GPS_IFD)
    gps[ExifTags.GPS.GPSLatitudeRef], gps[ExifTags.GPS.GPSLatitude] = "N", (52.0, 31.0, 12.0)
    gps[ExifTags.GPS.GPSLongitudeRef], gps[ExifTags.GPS.GPSLongitude] = "E", (13.0, 24.0, 36.0)
    exif.get_ifd(EXIF_IFD)[ExifTags.Base.MakerNote] = b"maker secrets"
    image = Image.open(io.BytesIO(photo(width, height, seed=seed)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, exif=exif.tobytes())
    return out.getvalue()


def upright_marker_photo(width: int, height: int, orientation: int) -> bytes:
    """A photo whose upright top edge is red: stored turned, the way a phone held upright stores it."""
    upright = Image.open(io.BytesIO(photo(width, height, seed=4))).convert("RGB")
    ImageDraw.Draw(upright).rectangle((0, 0, width, height // 10), fill=(255, 0, 0))
    stored = upright.transpose(Image.Transpose.ROTATE_90) if orientation == 6 else upright   # 6: turn right to show
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif.get_ifd(GPS_IFD)[ExifTags.GPS.GPSLatitudeRef] = "S"
    out = io.BytesIO()
    stored.save(out, "JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


def chart_png(width: int = 2400, height: int = 1350) -> bytes:
    """A bar chart: a few flat colours, lines and text — a graphic, not a photo."""
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    for n, colour in enumerate(("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728")):
        left = 200 + n * 500
        draw.rectangle((left, height - 200 - (n + 1) * 250, left + 300, height - 200), fill=colour)
        draw.text((left, height - 150), f"Bar {n + 1}", fill="black")
    draw.line((150, height - 200, width - 100, height - 200), fill="black", width=6)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def logo_png() -> bytes:
    image = Image.new("RGBA", (400, 100), (0, 0, 0, 0))
    ImageDraw.Draw(image).rounded_rectangle((0, 0, 399, 99), radius=30, fill=(200, 30, 30, 255))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def animated_gif() -> bytes:
    frames = [Image.new("RGB", (60, 40), colour) for colour in ("red", "green", "blue")]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=200, loop=0)
    return out.getvalue()


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="120" height="60"><rect width="120" height="60"/></svg>'


def site_files(avif_speed: int = 9) -> dict[str, str | bytes]:
    return {
        "site.yml": f"title: The Desk\nbase_url: {BASE}\nlogo: images/logo.png\n"
                    f"images:\n  avif_speed: {avif_speed}\n",
        "agency/index.md": article(
            "Agency photo", date="2026-01-10", summary="S.",
            image="{src: hero.jpg, alt: A crowd in a square, credit: 'Photo: Agency', focus: [60, 40]}",
            body="Lede.\n\n![Votes by party](../images/chart.png)\n\n![A dancing dot](dot.gif)\n\n"
                 "![A square](shape.svg)\n\n[The original chart](../images/chart.png)" + SECTIONS),
        "agency/hero.jpg": tagged_photo(4000, 2667),
        "agency/dot.gif": animated_gif(),
        "agency/shape.svg": SVG,
        "portrait/index.md": article(
            "Portrait", date="2026-01-11", summary="S.",
            image="{src: phone.jpg, alt: A person standing, credit: 'Photo: Reader', focus: top}",
            body="Lede." + SECTIONS),
        "portrait/phone.jpg": tagged_photo(3000, 2000, orientation=6, seed=2),
        "plain.md": article("No hero", date="2026-01-12", summary="S.", body="Lede." + SECTIONS),
        "sura/index.md": article(          # right to left, with a hero and a picture in the body
            "صورة من الساحة", date="2026-01-13", summary="ملخص.", language="ar",
            image="{src: ../agency/hero.jpg, alt: حشد في ساحة, credit: 'تصوير: وكالة'}",
            body="مقدمة.\n\n![الأصوات حسب الحزب](../images/chart.png)\n\n**لماذا يهم:** س.\n\n"
                 "**الصورة الكبيرة:** ص.\n"),
        "nass.md": article("بلا صورة", date="2026-01-14", summary="ملخص.", language="ar",
                           body="مقدمة.\n\n**لماذا يهم:** س.\n"),
        "images/chart.png": chart_png(),
        "images/logo.png": logo_png(),
    }


@pytest.fixture(scope="module")
def photo_site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("photos")
    for rel, data in site_files().items():
        path = root / "content" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if isinstance(data, bytes) else data.encode())
    config = load_config(root / "content", root / "site", now=datetime.fromisoformat("2026-02-01T00:00:00+00:00"))
    report = build(config)
    assert report.images_encoded > 60
    return root


def page(root: Path, rel: str) -> BeautifulSoup:
    return BeautifulSoup((root / "site" / rel).read_text(encoding="utf-8"), "html.parser")


def srcset_urls(value: str) -> list[tuple[str, int]]:
    candidates = [c.split() for c in value.split(",")]
    return [(url, int(descriptor.rstrip("w"))) for url, descriptor in candidates]


def local(root: Path, page_rel: str, url: str) -> Path:
    return root / "site" / unquote(urlsplit(urljoin(f"https://x/{page_rel}", url)).path).lstrip("/")


def decoded(path: Path) -> Image.Image:
    image = Image.open(path)
    image.load()
    return image


# ---------------------------------------------------------------- every derivative, decoded

def test_every_srcset_url_exists_and_is_what_it_says(photo_site):
    checked = 0
    for html in sorted((photo_site / "site").rglob("index.html")):
        rel = html.relative_to(photo_site / "site").as_posix()
        for picture in page(photo_site, rel).find_all("picture"):
            img = picture.img
            ratio = int(img["width"]) / int(img["height"])
            for element in [*picture.find_all("source"), img]:
                kind = element.get("type") or {".jpg": "image/jpeg", ".png": "image/png"}[
                    Path(element["srcset"].split()[0]).suffix]
                assert element["sizes"]
                for url, width in srcset_urls(element["srcset"]):
                    image = decoded(local(photo_site, rel, url))
                    assert Image.MIME[image.format] == kind, url
                    assert image.width == width, url
                    assert abs(image.width / image.height - ratio) < 2 / image.height, url   # the original's ratio
                    exif = image.getexif()
                    assert not dict(exif) and not exif.get_ifd(GPS_IFD), f"{url} keeps EXIF: {dict(exif)}"
                    assert not image.info.get("icc_profile") and not image.info.get("xmp"), url
                    checked += 1
            assert local(photo_site, rel, img["src"]).is_file()
    assert checked > 60


def test_widths_stop_at_the_original_and_default_to_480_to_2000(photo_site):
    hero = page(photo_site, "agency/index.html").select_one("figure.hero")
    widths = [w for _, w in srcset_urls(hero.select_one('source[type="image/avif"]')["srcset"])]
    assert widths == [480, 800, 1200, 1600, 2000]
    assert [t["type"] for t in hero.find_all("source")] == ["image/avif", "image/webp"]
    assert hero.img["src"].endswith(".jpg")                        # a photo's fallback is a JPEG
    chart = page(photo_site, "agency/index.html").select_one('.lede img[alt="Votes by party"]')
    assert chart["src"].endswith(".png")                           # a chart's is a PNG
    assert [w for _, w in srcset_urls(chart["srcset"])] == [480, 800, 1200, 1600, 2000]


def test_the_hero_is_a_figure_whose_img_loads_first(photo_site):
    figure = page(photo_site, "agency/index.html").select_one("main figure.hero")
    img = figure.select_one("picture > img")
    assert (img["alt"], img["width"], img["height"]) == ("A crowd in a square", "4000", "2667")
    assert img["fetchpriority"] == "high" and not img.has_attr("loading") and img["sizes"] == HERO_SIZES
    assert figure.figcaption.select_one(".credit").get_text() == "Photo: Agency"


def test_body_pictures_load_lazily_and_decode_off_the_main_thread(photo_site):
    img = page(photo_site, "agency/index.html").select_one('.lede picture img[alt="Votes by party"]')
    assert (img["loading"], img["decoding"]) == ("lazy", "async")
    assert (img["width"], img["height"]) == ("2400", "1350")


def test_no_img_or_source_loads_an_original(photo_site):
    originals = {p.relative_to(photo_site / "content").as_posix() for p in (photo_site / "content").rglob("*.*")
                 if p.suffix in (".jpg", ".png")}
    for html in (photo_site / "site").rglob("*.html"):
        rel = html.relative_to(photo_site / "site").as_posix()
        soup = page(photo_site, rel)
        urls = [img["src"] for img in soup.find_all("img")]
        urls += [url for tag in soup.find_all(["img", "source"]) if tag.get("srcset")
                 for url, _ in srcset_urls(tag["srcset"])]
        for url in urls:
            target = local(photo_site, rel, url).relative_to(photo_site / "site").as_posix()
            assert target not in originals, f"{rel} loads the original {target}"


def test_originals_are_published_only_when_the_markdown_links_to_them(photo_site):
    site = photo_site / "site"
    assert not (site / "agency/hero.jpg").exists() and not (site / "portrait/phone.jpg").exists()
    assert not (site / "images/logo.png").exists()
    assert (site / "images/chart.png").read_bytes() == (photo_site / "content/images/chart.png").read_bytes()
    link = page(photo_site, "agency/index.html").find("a", string="The original chart")
    assert local(photo_site, "agency/index.html", link["href"]) == site / "images/chart.png"


def test_a_portrait_stored_on_its_side_stands_upright(photo_site):
    figure = page(photo_site, "portrait/index.html").select_one("figure.hero")
    assert (figure.img["width"], figure.img["height"]) == ("2000", "3000")
    url, width = srcset_urls(figure.select_one('source[type="image/webp"]')["srcset"])[-1]
    image = decoded(local(photo_site, "portrait/index.html", url)).convert("RGB")
    assert (width, image.size) == (2000, (2000, 3000))
    upright = ImageOps.exif_transpose(Image.open(photo_site / "content/portrait/phone.jpg")).convert("RGB")
    difference = ImageChops.difference(upright.resize((100, 150)), image.resize((100, 150)))
    assert max(ImageStat.Stat(difference).mean) < 8, "the derivative is the upright picture, not a squeezed one"


def test_exif_orientation_turns_the_pixels_not_just_the_size(tmp_path):
    data = upright_marker_photo(600, 400, orientation=6)
    stored = Image.open(io.BytesIO(data))
    assert stored.size == (400, 600)                               # on its side in the file
    analysis = derivatives.analyse(data)
    assert (analysis.width, analysis.height) == (600, 400)         # wait: it is turned back to 600×400 upright
    output = derivatives.Output("300", 300, 200, "jpeg", 90)
    image = Image.open(io.BytesIO(derivatives.encode(data, analysis.kind, [output])[0])).convert("RGB")
    assert image.size == (300, 200)
    red, green, blue = image.getpixel((150, 5))
    assert red > 200 and green < 80 and blue < 80, "the red edge must be at the top"


def test_animated_gifs_and_svgs_are_published_as_they_are(photo_site):
    soup = page(photo_site, "agency/index.html")
    gif = soup.select_one('img[alt="A dancing dot"]')
    assert gif.parent.name != "picture" and gif["src"].endswith("dot.gif")
    assert (photo_site / "site/agency/dot.gif").read_bytes() == (photo_site / "content/agency/dot.gif").read_bytes()
    assert Image.open(photo_site / "site/agency/dot.gif").n_frames == 3
    svg = soup.select_one('img[alt="A square"]')
    assert svg["src"].endswith("shape.svg")
    assert (photo_site / "site/agency/shape.svg").read_bytes() == SVG


def test_an_explainers_derivatives_are_reachable_from_the_model_at_any_width(photo_site):
    """What an email edition (or another output) needs: every picture an explainer shows, as files every mail
    client reads (JPEG or PNG), the narrowest one at least as wide as asked."""
    config = load_config(photo_site / "content", photo_site / "site")
    explainers = {e.slug: e for e in content.load_all(config)[0]}
    images = publish.plan_images(explainers.values(), config).images
    shown = images.shown_by(explainers["agency"])
    assert [image.path for image in shown] == ["agency/hero.jpg", "images/chart.png", "agency/dot.gif"]
    hero, chart, gif = shown
    assert [hero.at_least(w).width for w in (300, 600, 1200, 1201, 9000)] == [480, 800, 1200, 1600, 2000]
    assert (hero.at_least(1200).type, chart.at_least(1200).type) == ("image/jpeg", "image/png")
    assert gif.at_least(600).url == "agency/dot.gif"                       # published as it is
    for image in shown:
        rendition = image.at_least(1200)
        assert decoded(photo_site / "site" / rendition.url).size == (rendition.width, rendition.height)
    assert images.shown_by(explainers["plain"]) == ()


# ---------------------------------------------------------------- crops for search and link previews

def head(root: Path, rel: str) -> tuple[dict[str, str], dict]:
    soup = page(root, rel)
    meta = {m.get("property") or m.get("name"): m["content"] for m in soup.find_all("meta") if m.get("content")}
    ld = json.loads(soup.find("script", type="application/ld+json").string)
    return meta, ld


def test_og_image_is_a_small_jpeg_at_least_1200_wide_with_its_real_size(photo_site):
    for rel in ("agency/index.html", "portrait/index.html"):
        meta, _ = head(photo_site, rel)
        path = photo_site / "site" / meta["og:image"].removeprefix(BASE)
        image = decoded(path)
        assert image.format == "JPEG" and image.width >= 1200 and path.stat().st_size <= 600_000
        assert (meta["og:image:width"], meta["og:image:height"]) == (str(image.width), str(image.height))
        assert meta["og:image:type"] == "image/jpeg" and meta["twitter:image"] == meta["og:image"]
        assert meta["twitter:card"] == "summary_large_image"
        assert not dict(image.getexif())


def test_json_ld_lists_16x9_4x3_and_1x1_crops_at_least_1200_wide(photo_site):
    _, ld = head(photo_site, "agency/index.html")
    ratios = []
    for url in ld["image"]:
        image = decoded(photo_site / "site" / url.removeprefix(BASE))
        assert image.width >= 1200 and image.format == "JPEG"
        ratios.append(round(image.width / image.height, 2))
    assert ratios == [round(16 / 9, 2), round(4 / 3, 2), 1.0]


def test_pages_allow_large_image_previews(photo_site):
    for rel in ("agency/index.html", "plain/index.html", "index.html"):
        soup = page(photo_site, rel)
        assert soup.find("meta", attrs={"name": "robots"})["content"] == "max-image-preview:large", rel


def test_an_explainer_without_a_hero_keeps_its_social_card_with_the_logo(photo_site):
    meta, _ = head(photo_site, "plain/index.html")
    assert meta["og:image"] == BASE + "plain/social-card.png"
    card = decoded(photo_site / "site/plain/social-card.png").convert("RGB")
    assert card.size == (1200, 630)
    assert card.getpixel((1200 - 80 - 5, 48 + 5)) == (255, 255, 255)       # the logo's plate, top right
    assert card.getpixel((1200 - 80 - 12 - 140, 48 + 12 + 32))[0] > 150    # and the red logo on it


def test_a_right_to_left_card_has_the_logo_in_the_other_corner(photo_site):
    card = decoded(photo_site / "site/nass/social-card.png").convert("RGB")
    assert card.getpixel((80 + 5, 48 + 5)) == (255, 255, 255)              # the plate, top left
    assert card.getpixel((80 + 12 + 140, 48 + 12 + 32))[0] > 150            # the red logo on it
    assert card.getpixel((1200 - 80 - 5, 48 + 5)) != (255, 255, 255)


def test_the_logo_is_in_the_header_and_the_publisher(photo_site):
    soup = page(photo_site, "agency/index.html")
    logo = soup.select_one(".site-header a.site-title picture img.site-logo")
    assert logo["alt"] == "" and soup.select_one(".site-header a.site-title").get_text(strip=True) == "The Desk"
    assert (logo["width"], logo["height"]) == ("400", "100") and not logo.has_attr("loading")
    _, ld = head(photo_site, "agency/index.html")
    publisher_logo = ld["publisher"]["logo"]
    image = decoded(photo_site / "site" / publisher_logo["url"].removeprefix(BASE))
    assert (publisher_logo["width"], publisher_logo["height"]) == image.size == (400, 100)
    assert image.format == "PNG"                                    # transparency: a PNG


def test_the_focal_point_guides_every_crop():
    assert crops.crop_box(4000, 2667, 1, (50, 50)) == (666, 0, 3333, 2667)
    assert crops.crop_box(4000, 2667, 1, (0, 50)) == (0, 0, 2667, 2667)          # clamped to the picture
    assert crops.crop_box(2000, 3000, 16 / 9, (50, 0)) == (0, 0, 2000, 1125)      # `focus: top`
    assert crops.crop_box(2000, 3000, 16 / 9, None) == (0, 938, 2000, 2063)       # centred without one
    assert crops.crop_box(2000, 3000, 16 / 9, (50, 90)) == (0, 1875, 2000, 3000)


def test_a_focal_point_moves_the_pixels_of_a_crop(tmp_path):
    data = upright_marker_photo(1200, 1800, orientation=1)      # a red band across the top
    analysis = derivatives.analyse(data)
    settings = ImageSettings()
    for focus, red_at_top in (((50, 0), True), ((50, 50), False)):
        preview, _ = derivatives.crop_outputs(analysis, settings, focus)
        image = Image.open(io.BytesIO(derivatives.encode(data, analysis.kind, [preview])[0])).convert("RGB")
        assert (image.getpixel((600, 10))[0] > 200 and image.getpixel((600, 10))[1] < 80) == red_at_top, focus


# ---------------------------------------------------------------- colour, formats, determinism

def icc_profile(primaries: list[tuple[float, float, float]]) -> bytes:
    """A minimal ICC v2 RGB profile: these primaries (XYZ, D50), a linear tone curve."""
    def fixed(value: float) -> bytes:
        return struct.pack(">i", round(value * 65536))

    def xyz(x: float, y: float, z: float) -> bytes:
        return b"XYZ \0\0\0\0" + fixed(x) + fixed(y) + fixed(z)

    text = b"test primaries"
    tags = [(b"desc", b"desc\0\0\0\0" + struct.pack(">I", len(text) + 1) + text + b"\0" + b"\0" * 79),
            (b"wtpt", xyz(0.9642, 1.0, 0.8249)),
            (b"rXYZ", xyz(*primaries[0])), (b"gXYZ", xyz(*primaries[1])), (b"bXYZ", xyz(*primaries[2])),
            (b"rTRC", b"curv\0\0\0\0\0\0\0\0"), (b"gTRC", b"curv\0\0\0\0\0\0\0\0"), (b"bTRC", b"curv\0\0\0\0\0\0\0\0"),
            (b"cprt", b"text\0\0\0\0none\0")]
    offset = 128 + 4 + 12 * len(tags)
    table, data = b"", b""
    for signature, body in tags:
        body += b"\0" * (-len(body) % 4)
        table += signature + struct.pack(">II", offset + len(data), len(body))
        data += body
    size = offset + len(data)
    header = (struct.pack(">I", size) + b"lcms" + bytes([2, 0x10, 0, 0]) + b"mntrRGB XYZ " + b"\0" * 12
              + b"acsp" + b"\0" * 24 + b"\0" * 4 + fixed(0.9642) + fixed(1.0) + fixed(0.8249) + b"\0" * 48)
    return header + struct.pack(">I", len(tags)) + table + data


SRGB_PRIMARIES = [(0.4361, 0.2225, 0.0139), (0.3851, 0.7169, 0.0971), (0.1431, 0.0606, 0.7141)]


def test_a_colour_profile_is_converted_to_srgb_and_dropped(tmp_path):
    swapped = icc_profile([SRGB_PRIMARIES[1], SRGB_PRIMARIES[0], SRGB_PRIMARIES[2]])   # red ↔ green
    image = Image.new("RGB", (400, 300), (255, 0, 0))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95, icc_profile=swapped)
    data = out.getvalue()
    assert ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(swapped))).strip() == "test primaries"
    analysis = derivatives.analyse(data)
    for fmt in ("jpeg", "webp", "avif"):
        encoded = derivatives.encode(data, analysis.kind, [derivatives.Output("200", 200, 150, fmt, 90)])[0]
        result = Image.open(io.BytesIO(encoded))
        assert not result.info.get("icc_profile"), fmt
        red, green, _ = result.convert("RGB").getpixel((100, 75))
        assert green > 200 and red < 60, f"{fmt}: the file's red is sRGB's green, got {(red, green)}"


DETERMINISM = """
import hashlib, sys
sys.path.insert(0, {tests!r})
from conftest import photo
from generator.imageconfig import ImageSettings
from generator.images import derivatives
data = photo(1000, 667, seed=9)
analysis = derivatives.analyse(data)
outputs = [o for _, group in derivatives.responsive_outputs(analysis, ImageSettings(), (320, 640)) for o in group]
preview, article = derivatives.crop_outputs(analysis, ImageSettings(), (30, 30))
made = derivatives.encode(data, analysis.kind, outputs) + derivatives.encode(data, analysis.kind, [preview, *article])
for one in made:
    print(hashlib.sha256(one).hexdigest())
"""


def test_avif_webp_and_jpeg_encodes_are_byte_identical_across_processes():
    script = DETERMINISM.format(tests=str(REPO / "tests"))
    runs = [subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                           cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}).stdout for _ in range(2)]
    assert runs[0] == runs[1] and len(runs[0].split()) == 2 * 3 + 4


def test_widths_never_exceed_the_original_nor_max_width():
    settings = ImageSettings()
    assert derivatives.widths(4000, settings) == [480, 800, 1200, 1600, 2000]
    assert derivatives.widths(1000, settings) == [480, 800, 1000]            # its own width too
    assert derivatives.widths(820, settings) == [480, 820]                   # in place of a near twin
    assert derivatives.widths(800, settings) == [480, 800]
    assert derivatives.widths(300, settings) == [300]
    wide = ImageSettings(widths=(800, 2000, 3000), max_width=2560)
    assert derivatives.widths(5000, wide) == [800, 2000, 2560]


# ---------------------------------------------------------------- settings

def small_site(make_site, extra_yml: str = "", **files):
    return make_site({"site.yml": f"title: T\nbase_url: {BASE}\nimages:\n  widths: [160, 320]\n  avif_speed: 9\n"
                                  f"{extra_yml}",
                      "a/index.md": article("A", summary="S.", image="{src: hero.jpg, alt: A hero, credit: C}",
                                            body="Lede.\n\n![A chart](chart.png)" + SECTIONS),
                      "a/hero.jpg": tagged_photo(640, 427), "a/chart.png": chart_png(480, 270),
                      "b.md": article("B", summary="S.", body="Lede." + SECTIONS), **files})


def test_widths_formats_quality_and_originals_follow_site_yml(make_site, cli):
    site = small_site(make_site, "  formats: [webp]\n  quality: {webp: 40, jpeg: 60}\n  originals: always\n")
    assert cli("build", cwd=site.root).code == 0
    figure = BeautifulSoup(site.page("a/index.html"), "html.parser").select_one("figure.hero")
    assert [s["type"] for s in figure.find_all("source")] == ["image/webp"]
    assert [w for _, w in srcset_urls(figure.img["srcset"])] == [160, 320]
    assert (site.out / "a/hero.jpg").is_file() and (site.out / "a/chart.png").is_file()   # originals: always
    site.write("site.yml", site.content.joinpath("site.yml").read_text().replace("always", "never")
               .replace("webp: 40", "webp: 90"))
    assert cli("build", cwd=site.root).code == 0
    figure2 = BeautifulSoup(site.page("a/index.html"), "html.parser").select_one("figure.hero")
    assert figure2.source["srcset"] != figure.source["srcset"]       # another quality: other files
    assert not (site.out / "a/hero.jpg").exists()


@pytest.mark.parametrize("yml, message", [
    ("images:\n  widths: [10]\n", "site.yml:2: images: widths must be a list of widths from 16 to 8192 pixels"),
    ("images:\n  formats: [jpeg]\n", "site.yml:2: images: formats must be a list of avif and webp"),
    ("images:\n  quality: {avif: 0}\n", "site.yml:2: images: quality of avif must be a whole number from 1 to 100"),
    ("images:\n  originals: sometimes\n", "site.yml:2: images: originals must be linked, always or never"),
    ("images:\n  size: 3\n", "site.yml:2: unknown key 'size' under images"),
    ("logo: missing.png\n", "site.yml:1: logo not found: missing.png"),
    ("logo: ../outside.png\n", "site.yml:1: logo path leaves the content folder"),
])
def test_wrong_image_settings_are_errors_at_their_line(make_site, cli, yml, message):
    site = make_site({"site.yml": yml, "a.md": article()})
    result = cli("build", cwd=site.root)
    assert result.code == 1 and message in result.err and "Traceback" not in result.err


@pytest.mark.parametrize("focus, message", [
    ("[120, 5]", "focus must be two numbers from 0 to 100"),
    ("middle-ish", "focus is not a focal point: 'middle-ish'"),
])
def test_a_wrong_focal_point_is_an_error_at_its_line(make_site, cli, focus, message):
    site = make_site({"a/index.md": "---\ntitle: T\ndate: 2024-01-01\nimage:\n  src: h.jpg\n  alt: A\n"
                                    f"  focus: {focus}\n---\nLede.\n", "a/h.jpg": tagged_photo(300, 200)})
    result = cli("build", cwd=site.root)
    assert result.code == 1 and f"content/a/index.md:7: {message}" in result.err


# ---------------------------------------------------------------- the cache

def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_rebuild_after_touching_one_explainer_encodes_nothing(make_site):
    site = small_site(make_site)
    config = load_config(site.content, site.out)
    assert build(config).images_encoded > 0
    (site.content / "a/index.md").write_text(article("A, edited", summary="S.",
                                                     image="{src: hero.jpg, alt: A hero, credit: C}",
                                                     body="Lede!\n\n![A chart](chart.png)" + SECTIONS))
    report = build(config)
    assert (report.images_encoded, report.rendered > 0) == (0, True)
    site.write("a/chart.png", chart_png(500, 270))              # a changed picture is encoded again, alone
    assert build(config).images_encoded == 3 * 2


def test_output_is_byte_identical_for_jobs_and_with_or_without_the_cache(make_site, tmp_path):
    site = small_site(make_site)
    outputs = {}
    for name, options in (("j1", {"jobs": 1}), ("j2", {"jobs": 2}), ("nocache", {"use_cache": False, "jobs": 2}),
                          ("again", {"jobs": 2})):
        out = tmp_path / name
        build(load_config(site.content, out, **options))
        outputs[name] = tree(out)
    assert outputs["j1"] == outputs["j2"] == outputs["nocache"] == outputs["again"]
    assert any(rel.endswith(".avif") for rel in outputs["j1"])


def test_the_image_cache_is_checked_on_read_never_trusted(make_site):
    site = small_site(make_site)
    config = load_config(site.content, site.out)
    build(config)
    good = tree(site.out)
    store = site.root / ".explainer-cache" / "images"
    stored = sorted(store.glob("*.avif"))
    stored[0].write_bytes(b"not an image at all")                    # damaged in place
    stored[1].write_bytes(stored[1].read_bytes()[:-20])              # cut short
    (store / f"{'0' * 32}-{'1' * 32}.jpg").write_bytes(b"a foreign file")
    shutil.rmtree(site.out)
    report = build(config)
    assert tree(site.out) == good                                   # nothing damaged reached the site
    assert report.images_encoded == 2                               # the two damaged ones, made again


def test_the_progress_bar_covers_encoding(make_site):
    site = small_site(make_site)
    seen = []
    build(load_config(site.content, site.out), progress=lambda done, total, stage="converting":
          seen.append((stage, done, total)))
    encoding = [entry for entry in seen if entry[0] == "encoding images"]
    assert encoding and encoding[-1][1] == encoding[-1][2] > 0


def test_the_builds_pool_encodes_the_images_while_the_build_goes_on(make_site, tmp_path):
    site = small_site(make_site)
    config = load_config(site.content, site.out, jobs=2)
    explainers, _ = content.load_all(config)
    gate, folder = tmp_path / "gate", tmp_path / "images"
    with parallel.pool_on_demand(2, parallel.FORK) as pool:
        busy = [pool.get().submit(held_until, str(gate)) for _ in range(pool.count)]    # as cards would be
        pending = publish.start_images(explainers, config, folder, False, pool)
        keys = [planned.key for planned in pending.plan.files.values()]
        assert len(pending.jobs) >= 2 and pending.plan.images.pictures        # the pages' names are ready…
        assert not any(Store(folder).get(key) for key in keys), "start_images waited for its files"  # …not the files
        gate.touch()
        report = pending.finish()
        assert all(job.done() for job in busy)
        assert pending.finish() is report
    assert report.encoded == len(keys) and all(Store(folder).get(key) for key in keys)


# ---------------------------------------------------------------- bad pictures

def png_header(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IEND", b""))


BAD_PICTURES = {      # how to spoil a good file, and what the error says (a pattern)
    "corrupt": (lambda good: good[:200] + bytes(len(good) - 400) + good[-200:],
                r"(not an image that can be read|damaged or cut short)"),
    "truncated": (lambda good: good[:len(good) // 2], r"damaged or cut short"),
    "empty": (lambda good: b"", r"empty \(0 bytes\)"),
    "unsupported": (lambda good: b"\x00\x00\x00\x18ftypheic" + bytes(200), r"not an image that can be read"),
    "bomb": (lambda good: png_header(30000, 30000), r"too many pixels"),
}


@pytest.mark.parametrize("case", sorted(BAD_PICTURES))
def test_a_bad_picture_in_a_shared_folder_is_an_error_at_the_markdown_line(make_site, cli, case):
    """The picture broke after the body that shows it was converted and cached: the images stage reads it."""
    site = make_site({"site.yml": "title: T\nimages:\n  widths: [100]\n  avif_speed: 9\n",
                      "a.md": article(body="Lede.\n\nSee:\n\n![A chart](images/chart.jpg)\n"),
                      "images/chart.jpg": tagged_photo(300, 200)})
    assert cli("build", cwd=site.root).code == 0
    before = tree(site.out)
    make, message = BAD_PICTURES[case]
    path = site.content / "images/chart.jpg"
    stat = path.stat()
    path.write_bytes(make(path.read_bytes()))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    result = cli("build", cwd=site.root)
    assert result.code == 1 and "Traceback" not in result.err
    assert re.search(r"content/a\.md:9: .*" + message, result.err), result.err
    assert result.err.count("error:") == 1
    assert tree(site.out) == before                                  # the last good site, untouched


@pytest.mark.parametrize("case", sorted(BAD_PICTURES))
@pytest.mark.parametrize("where", ["hero", "logo"])
def test_a_bad_hero_or_logo_is_an_error_at_its_line(make_site, cli, case, where):
    make, message = BAD_PICTURES[case]
    good = tagged_photo(300, 200)
    site = make_site({"site.yml": "title: T\nlogo: logo.png\n",
                      "logo.png": make(logo_png()) if where == "logo" else logo_png(),
                      "a/index.md": "---\ntitle: T\ndate: 2024-01-01\nimage:\n  alt: A\n  src: h.jpg\n---\nLede.\n",
                      "a/h.jpg": make(good) if where == "hero" else good})
    result = cli("build", cwd=site.root)
    assert result.code == 1 and "Traceback" not in result.err
    place = r"content/a/index\.md:6: " if where == "hero" else r"content/site\.yml:2: "
    assert re.search(place + ".*" + message, result.err), result.err


# ---------------------------------------------------------------- explainer check

def test_check_warns_on_narrow_heroes_and_portrait_crops_without_a_focal_point(make_site, monkeypatch):
    hero = "{src: h.jpg, alt: A, credit: C%s}"
    site = make_site({"site.yml": f"title: T\nbase_url: {BASE}\n",
                      "narrow/index.md": article("N", summary="S.", image=hero % "", body="L." + SECTIONS),
                      "narrow/h.jpg": tagged_photo(800, 533),
                      "tall/index.md": article("T", summary="S.", image=hero % "", body="L." + SECTIONS),
                      "tall/h.jpg": tagged_photo(1200, 1800),
                      "framed/index.md": article("F", summary="S.", image=hero % ", focus: top", body="L." + SECTIONS),
                      "framed/h.jpg": tagged_photo(1200, 1800),
                      "wide/index.md": article("W", summary="S.", image=hero % "", body="L." + SECTIONS),
                      "wide/h.jpg": tagged_photo(1600, 1067)})
    monkeypatch.chdir(site.root)
    report = check_site(load_config(site.content))
    assert summary(report) == ["content/narrow/index.md:5: warning: images/hero-width",
                               "content/tall/index.md:5: warning: images/crop"]
    message = messages(report, "images/crop")[0]
    assert "keep only the middle 35% of its height" in message and "focus: top" in message


def test_check_accepts_a_decorative_logo_and_reports_an_image_without_alt_once(make_site, monkeypatch):
    """The header's logo has alt="" on purpose (the site's name follows it), raster or SVG; a picture of the
    body without alt text is reported at its Markdown line, not again for the theme's markup of it."""
    for logo in ("logo.svg", "logo.png"):
        site = make_site({"site.yml": f"title: T\nbase_url: {BASE}\nlogo: {logo}\n",
                          "logo.svg": SVG, "logo.png": logo_png(),
                          "a/index.md": article("A", summary="S.", body="Lede.\n\n![](dot.gif)\n" + SECTIONS),
                          "a/dot.gif": animated_gif()})
        monkeypatch.chdir(site.root)
        report = check_site(load_config(site.content))
        assert [line for line in summary(report) if "images/alt" in line] == [
            "content/a/index.md:8: error: images/alt"], logo


def test_the_search_index_holds_the_pages_and_no_picture_file(make_site, cli):
    """Pagefind reads only the explainer pages; the picture it notes for a result is a published derivative,
    never the original that is not published."""
    site = small_site(make_site, "search: true\nlogo: logo.png\n", **{"logo.png": logo_png()})
    assert cli("build", cwd=site.root).code == 0
    pages = fragments(site.out)
    assert sorted(p["url"] for p in pages) == ["/a/", "/b/"]
    entry = json.loads((site.out / "pagefind/pagefind-entry.json").read_text())
    assert [about["page_count"] for about in entry["languages"].values()] == [2]
    assert not [rel for rel in bundle(site.out) if rel.endswith((".jpg", ".png", ".avif", ".webp"))]
    hero = {p["url"]: p["meta"] for p in pages}["/a/"]
    assert hero["image_alt"] == "A hero"
    published = local(site.root, "a/index.html", hero["image"])
    assert published.is_file() and published.name != "hero.jpg" and not (site.out / "a/hero.jpg").exists()


# ---------------------------------------------------------------- slow: the validator and axe on the new markup

@pytest.mark.slow
def test_the_photo_site_is_valid_html(photo_site):
    java = require(shutil.which("java"), "java (a Java runtime)")
    jar = require(VNU_JAR, "vnu.jar")
    site = photo_site / "site"
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
    proc = subprocess.run([java, "-Xss1024k", "-jar", jar, "--format", "json", "--stdout", *pages],
                          cwd=site, capture_output=True, text=True, timeout=300)
    assert proc.returncode in (0, 1) and proc.stdout, proc.stderr
    errors = [f"{m.get('url', '').rsplit('/', 2)[-2:]}:{m.get('lastLine')}: {m['message']}"
              for m in json.loads(proc.stdout)["messages"] if m["type"] == "error"]
    assert not errors, "\n".join(errors)


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium for this module's tests only (one Playwright session at a time per process)."""
    from playwright.sync_api import sync_playwright
    require(CHROMIUM, "Chromium")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.mark.slow
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_violations_and_the_phone_gets_a_small_hero(photo_site, browser, scheme):
    source = Path(require(AXE_JS, "axe.min.js (npm axe-core)")).read_text(encoding="utf-8")
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(photo_site / "site")))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}/"
    visit = Visit(browser, base, color_scheme=scheme, viewport={"width": 390, "height": 844},
                  device_scale_factor=2, is_mobile=True)
    images: list[str] = []
    visit.page.on("requestfinished", lambda request: request.resource_type == "image" and images.append(request.url))
    found = []
    try:
        for rel in ("agency/index.html", "portrait/index.html", "plain/index.html", "index.html",
                    "sura/index.html", "nass/index.html"):
            page = visit.open(rel)
            page.add_script_tag(content=source)
            result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
            found += [f"{rel}: {v['id']}: {v['help']}" for v in result["violations"]]
            if rel == "agency/index.html":
                hero = page.evaluate("document.querySelector('figure.hero img').currentSrc")
    finally:
        visit.close()
        server.shutdown()
        server.server_close()
    assert not found, "\n".join(found)
    assert re.search(r"/agency/hero-800\.[0-9a-f]{10}\.avif$", hero), hero     # 390 px × 2: the 800 px AVIF
    assert not [url for url in images if url.endswith(("hero.jpg", "phone.jpg", "chart.png"))], images


def test_pages_with_pictures_leave_no_reference_cycles(make_site):
    """The build pauses the cyclic collector: a page whose context stays in a cycle (a macro imported `with
    context` holds it) would keep its explainer's whole body in memory until the build ends."""
    site = small_site(make_site, "logo: logo.png\n", **{"logo.png": logo_png()})
    config = load_config(site.content, site.out, use_cache=False, jobs=1)
    build(config)                                  # the pictures encoded once, outside the measurement
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        build(load_config(site.content, site.out, use_cache=False, jobs=1), force=True)
        gc.collect()
        kept = [o for o in gc.garbage if isinstance(o, Body)
                or (isinstance(o, jinja2.runtime.Context) and "page" in o.parent)]   # a page's, not a module's
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert not kept, f"{len(kept)} page contexts or bodies were only freed by the cyclic collector"
