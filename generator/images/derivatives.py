"""Derivatives of a picture, made with Pillow: which widths and formats, and the encoding itself.

Every derivative is upright (EXIF orientation applied), in sRGB (an embedded colour profile converted), and
carries no metadata at all: no EXIF (camera, time, GPS position), no XMP, no colour profile, no comment.
Encoder settings are all explicit and single-threaded, so the same source gives the same bytes in every
process and on every run; `encoder_version()` names everything that can change them (it is part of each cache key).
"""
from __future__ import annotations

import hashlib
import io
import math
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

from ..content.pictures import EXIF_ORIENTATION, PIXEL_LIMIT, upright_turn
from ..imageconfig import ImageSettings
from . import crops
from .crops import Box

PHOTO, GRAPHIC, ANIMATED = "photo", "graphic", "animated"
FEW_COLOURS = 8192          # at most this many colours (and no photo's JPEG): a chart, a diagram, a screenshot
LOGO_WIDTHS = (120, 240, 360, 480, 600)   # a header logo is small; JSON-LD's publisher logo is at most 600 wide
AUTHOR_WIDTHS = (96, 192, 288, 600)       # an author's picture: 6rem at 1×–3×, and 600 for JSON-LD's Person
PORTRAIT_WIDTHS = (96, 192, 384)        # a people box's portrait: 48 px in the default theme, sharp at 2× to 8×
WEBP_METHOD = 4             # libwebp's effort 0–6
PNG_LEVEL = 9
# Shrink by whole factors first (box filter) while the picture is still 3× the target, then Lanczos: what
# Pillow's docs call indistinguishable from Lanczos all the way, several times faster from 4000 px.
REDUCING_GAP = 3.0
SMALLEST_QUALITY = 40       # og:image steps its JPEG quality down to fit the size limit, not below this
MIME = {"avif": "image/avif", "webp": "image/webp", "jpeg": "image/jpeg", "png": "image/png",
        "gif": "image/gif", "svg": "image/svg+xml"}
EXTENSION = {"avif": "avif", "webp": "webp", "jpeg": "jpg", "png": "png"}
PASSED_THROUGH = {"GIF": "image/gif", "PNG": "image/png", "WEBP": "image/webp", "AVIF": "image/avif",
                  "JPEG": "image/jpeg"}
ANIMATABLE = frozenset({"GIF", "PNG", "WEBP", "AVIF"})    # formats a browser animates
_UNSAFE_NAME = re.compile(r"[^\w.-]+")


def encoder_version() -> str:
    """Everything besides the source and the settings that can change a derivative's bytes: Pillow, the
    libraries it encodes with, and this code."""
    from PIL import __version__ as pillow
    from PIL import features
    libraries = " ".join(f"{name} {features.version(name)}" for name in ("avif", "webp", "jpg", "zlib", "littlecms2"))
    code = hashlib.sha256(Path(__file__).read_bytes() + Path(crops.__file__).read_bytes()).hexdigest()[:16]
    return f"pillow {pillow} {libraries} code {code}"


@dataclass(frozen=True)
class Analysis:
    """What the build needs to know of a source picture before encoding it."""
    width: int               # upright
    height: int
    kind: str                # PHOTO, GRAPHIC or ANIMATED
    type: str                # the source's MIME type (what an animated picture is published as)


@dataclass(frozen=True)
class Output:
    """One file to make from a source: its size, format and, for a crop, the box it shows."""
    label: str               # in the file name: the width ("800") or the crop's shape ("16x9")
    width: int
    height: int
    format: str              # avif, webp, jpeg or png
    quality: int
    lossless: bool = False
    box: Box | None = None   # upright source pixels shown; None: all of it
    max_bytes: int | None = None
    speed: int = 0           # AVIF only: libaom's speed

    def key(self, source_digest: str, encoder: str) -> str:
        """The cache key: the source's bytes, every parameter, and the encoder (`encoder_version()`)."""
        value = repr((encoder, source_digest, self))
        return hashlib.blake2b(value.encode("utf-8"), digest_size=16).hexdigest()

    def name(self, source_digest: str) -> str:
        """The published name's hash: the source's bytes and every parameter, but not the encoder, so a new
        Pillow does not rename every image of the site (the picture is the same; its bytes may differ)."""
        return hashlib.blake2b(repr((source_digest, self)).encode("utf-8"), digest_size=5).hexdigest()

    @property
    def extension(self) -> str:
        return EXTENSION[self.format]

    @property
    def type(self) -> str:
        return MIME[self.format]


def output_name(rel: str, output: Output, source_digest: str) -> str:
    """Where a derivative is published: beside its source, named after it, e.g. `slug/hero-800.1a2b3c4d5e.avif`
    (the hash in the name changes with the source and the settings, so a browser never keeps a stale copy)."""
    folder, _, name = rel.rpartition("/")
    stem = _UNSAFE_NAME.sub("-", name.rsplit(".", 1)[0]).strip("-.") or "image"
    return f"{folder + '/' if folder else ''}{stem}-{output.label}.{output.name(source_digest)}.{output.extension}"


# ------------------------------------------------------------------------------------------------ planning

def widths(width: int, settings: ImageSettings, wanted: tuple[int, ...] | None = None) -> list[int]:
    """The widths to make of a picture `width` pixels wide: those wanted that it covers, never wider than
    `max_width`; a picture narrower than the widest wanted also gets its own width (capped), so its every
    pixel reaches a large screen, in place of a wanted width less than 10% narrower (a near twin)."""
    wanted = wanted or settings.widths
    cap = min(width, settings.max_width)
    chosen = sorted({w for w in wanted if w <= cap})
    if cap < max(wanted):
        chosen = [w for w in chosen if w * NEAR_TWIN < cap] + [cap]
    return chosen


NEAR_TWIN = 1.1


def height_at(width: int, source: Analysis) -> int:
    return max(1, round(width * source.height / source.width))


def fallback_format(source: Analysis) -> str:
    return "png" if source.kind == GRAPHIC else "jpeg"


def responsive_outputs(source: Analysis, settings: ImageSettings,
                       wanted: tuple[int, ...] | None = None) -> list[tuple[str, list[Output]]]:
    """Per format (modern ones first, then the fallback), the outputs at each width."""
    graphic = source.kind == GRAPHIC
    formats = [*settings.formats, fallback_format(source)]
    found = []
    for fmt in formats:
        lossless = graphic and fmt in ("webp", "png")
        quality = 100 if fmt == "png" else settings.quality_of("jpeg" if fmt == "jpeg" else fmt)
        if graphic and fmt == "avif":
            quality = max(quality, GRAPHIC_AVIF_QUALITY)      # sharp edges and text need more than photos
        speed = settings.avif_speed if fmt == "avif" else 0
        found.append((fmt, [Output(str(w), w, height_at(w, source), fmt, quality, lossless, speed=speed)
                            for w in widths(source.width, settings, wanted)]))
    return found


GRAPHIC_AVIF_QUALITY = 80
PREVIEW_BYTES = 600_000      # og:image: what the platforms fetch fastest and never reject


def crop_outputs(source: Analysis, settings: ImageSettings,
                 focus: tuple[float, float] | None) -> tuple[Output, list[Output]]:
    """The link-preview crop (JPEG, at most PREVIEW_BYTES) and the three article crops of a hero."""
    quality = settings.quality_of("jpeg")

    def crop(shape: crops.Shape, max_bytes: int | None = None) -> Output:
        box = crops.crop_box(source.width, source.height, shape.width / shape.height, focus)
        return Output(shape.name, shape.width, shape.height, "jpeg", quality, box=box, max_bytes=max_bytes)

    return crop(crops.PREVIEW, PREVIEW_BYTES), [crop(shape) for shape in crops.ARTICLE]


# ------------------------------------------------------------------------------------------------ reading

class PictureError(Exception):
    """A source picture that cannot be read or encoded; the message says why, in words."""


def analyse(data: bytes) -> Analysis:
    """Size, kind and type of a picture (the bytes of a whole file, checked by content.pictures)."""
    picture = _open(data)
    with picture:
        fmt = picture.format or ""
        size = picture.size
        if upright_turn(picture):
            size = (size[1], size[0])
        if fmt in ANIMATABLE and getattr(picture, "is_animated", False) and getattr(picture, "n_frames", 1) > 1:
            kind = ANIMATED          # (a TIFF's pages are not an animation: its first page is re-encoded)
        elif fmt == "JPEG":
            kind = PHOTO
        else:
            kind = GRAPHIC if _is_graphic(picture) else PHOTO
        return Analysis(size[0], size[1], kind, PASSED_THROUGH.get(fmt, "application/octet-stream"))


def _open(data: bytes):
    from PIL import Image, UnidentifiedImageError
    if not data:
        raise PictureError("image file is empty (0 bytes)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            picture = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError:
        raise PictureError(f"image has too many pixels; the limit is {PIXEL_LIMIT:,}") from None
    except UnidentifiedImageError:
        raise PictureError("not an image that can be read") from None
    except Exception as err:        # the file's bytes decide what Pillow raises
        raise PictureError(f"image file is damaged ({err})") from None
    if picture.size[0] * picture.size[1] > PIXEL_LIMIT:
        picture.close()
        raise PictureError(f"image has too many pixels ({picture.size[0]:,}×{picture.size[1]:,}); "
                           f"the limit is {PIXEL_LIMIT:,}")
    return picture


def _is_graphic(picture) -> bool:
    """Transparency in use, a palette, or few colours: a drawing, kept sharp (PNG, lossless WebP)."""
    if picture.mode in ("P", "PA", "1"):
        return True
    picture.load()
    if "A" in picture.getbands() or "transparency" in picture.info:
        alpha = picture.convert("RGBA").getchannel("A")
        if alpha.getextrema()[0] < 255:
            return True
    return picture.convert("RGB").getcolors(FEW_COLOURS) is not None


# ------------------------------------------------------------------------------------------------ encoding

def encode(data: bytes, kind: str, outputs: list[Output]) -> list[bytes]:
    """Each output's bytes, from one decoding of the source."""
    try:
        upright = _upright(data, kind, outputs)
        made: dict[tuple, object] = {}
        results = []
        for output in outputs:
            size_key = (output.width, output.height, output.box)
            if size_key not in made:
                made[size_key] = _resized(upright, output)
            results.append(_save(made[size_key], output, kind))
        return results
    except PictureError:
        raise
    except Exception as err:            # the file's bytes decide what Pillow raises: all of it means "damaged"
        raise PictureError(f"image file is damaged or cut short ({err})") from None


class _Upright:
    """The decoded picture, upright and in sRGB, with the factor it was decoded at (JPEG's draft mode)."""

    def __init__(self, image, scale_x: float, scale_y: float):
        self.image, self.scale_x, self.scale_y = image, scale_x, scale_y


def _upright(data: bytes, kind: str, outputs: list[Output]) -> _Upright:
    picture = _open(data)
    stored = picture.size
    full = (stored[1], stored[0]) if upright_turn(picture) else stored
    if picture.format == "JPEG":
        # Decode at 1/2, 1/4 or 1/8 size when still twice as large as needed: the same result, much faster.
        scale = max(o.width / ((o.box[2] - o.box[0]) if o.box else full[0]) for o in outputs)
        scale = min(1.0, scale * 2)
        picture.draft(picture.mode, (math.ceil(stored[0] * scale), math.ceil(stored[1] * scale)))
    picture.load()
    image = _transposed(picture)
    drafted = image.size
    image = _to_srgb(image)
    image = _normal_mode(image, kind)
    return _Upright(image, drafted[0] / full[0], drafted[1] / full[1])


def _transposed(picture):
    """The picture upright, whatever its EXIF orientation (turned, flipped or both)."""
    from PIL import ImageOps
    try:
        if picture.getexif().get(EXIF_ORIENTATION, 1) in (0, 1):
            return picture
        return ImageOps.exif_transpose(picture)
    except Exception:        # unreadable EXIF: shown as stored, as browsers show it
        return picture


def _to_srgb(image):
    """Convert an embedded colour profile to sRGB (untagged pictures are taken to be sRGB already)."""
    from PIL import ImageCms
    icc = image.info.get("icc_profile")
    if not icc:
        return image
    if image.mode not in ("RGB", "RGBA", "CMYK", "L"):
        image = image.convert("RGBA" if _has_alpha(image) else "RGB")
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        converted = ImageCms.profileToProfile(image, profile, ImageCms.createProfile("sRGB"),
                                              outputMode="RGBA" if image.mode == "RGBA" else "RGB")
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image        # a damaged profile: the pixels as they are, as most browsers show them
    return converted if converted is not None else image


def _has_alpha(image) -> bool:
    return "A" in image.getbands() or "transparency" in image.info


def _normal_mode(image, kind: str):
    if image.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        image = image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    if kind == GRAPHIC and _has_alpha(image):
        return image.convert("RGBA") if image.mode != "RGBA" else image
    if image.mode in ("1", "L", "F"):
        return image.convert("L") if image.mode != "L" else image
    if image.mode == "LA":
        return image.convert("L")
    return image.convert("RGB") if image.mode != "RGB" else image


def _resized(upright: _Upright, output: Output):
    from PIL import Image
    image = upright.image
    width, height = image.size
    if output.box:
        left, top, right, bottom = output.box
        box = (left * upright.scale_x, top * upright.scale_y, right * upright.scale_x, bottom * upright.scale_y)
    else:
        box = (0, 0, width, height)
    premultiplied = image.mode == "RGBA"
    source = image.convert("RGBa") if premultiplied else image     # no dark fringes at transparent edges
    resized = source.resize((output.width, output.height), Image.Resampling.LANCZOS, box=box,
                            reducing_gap=REDUCING_GAP)
    resized = resized.convert("RGBA") if premultiplied else resized
    resized.info = {}            # nothing of the source's metadata goes into a derivative
    return resized


def _save(image, output: Output, kind: str) -> bytes:
    if output.max_bytes is None:
        return _encoded(image, output, kind, output.quality)
    quality = output.quality
    data = _encoded(image, output, kind, quality)
    while len(data) > output.max_bytes and quality > SMALLEST_QUALITY:
        quality = max(SMALLEST_QUALITY, quality - 10)
        data = _encoded(image, output, kind, quality)
    return data


def _encoded(image, output: Output, kind: str, quality: int) -> bytes:
    out = io.BytesIO()
    if output.format == "avif":
        options: dict = {"subsampling": "4:4:4" if kind == GRAPHIC else "4:2:0"} if image.mode != "L" else {}
        image.save(out, format="AVIF", quality=quality, speed=output.speed, max_threads=1, codec="aom",
                   range="full", autotiling=False, tile_rows=0, tile_cols=0, exif=b"", xmp=b"", icc_profile=b"",
                   **options)
    elif output.format == "webp":
        image.save(out, format="WEBP", quality=quality, method=WEBP_METHOD, lossless=output.lossless,
                   exact=False, exif=b"", xmp=b"", icc_profile=b"")
    elif output.format == "jpeg":
        image.save(out, format="JPEG", quality=quality, optimize=True, progressive=True,
                   subsampling="4:2:0" if image.mode != "L" else -1, exif=b"")
    else:
        image.save(out, format="PNG", compress_level=PNG_LEVEL)
    return out.getvalue()


# ------------------------------------------------------------------------------------------------ checking

def looks_whole(data: bytes, fmt: str) -> bool:
    """A file of this format from start to end: its signature and, where the format has one, its end mark."""
    if fmt == "avif":
        return len(data) > 12 and data[4:12] in (b"ftypavif", b"ftypavis")
    if fmt == "webp":
        return len(data) > 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP" \
            and int.from_bytes(data[4:8], "little") + 8 == len(data)
    if fmt == "jpeg":
        return data[:2] == b"\xff\xd8" and data[-2:] == b"\xff\xd9"
    if fmt == "png":
        return data[:8] == b"\x89PNG\r\n\x1a\n" and data[-12:] == b"\x00\x00\x00\x00IEND\xaeB`\x82"
    return False
