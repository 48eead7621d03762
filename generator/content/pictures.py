"""Pictures the pages show: their pixel size, read only from files that are whole and of a sane size."""
from __future__ import annotations

import warnings
from pathlib import Path

from ..errors import ContentError

# Pillow's own default limit (PIL.Image.MAX_IMAGE_PIXELS): about 89.5 megapixels, e.g. 10,000 × 8,947.
# A picture that size is already ten times what any screen shows; larger ones are mistakes or attacks.
PIXEL_LIMIT = 89_478_485
RASTER_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif")


def image_size(path: Path, shown: str | None = None) -> tuple[int, int] | None:
    """Pixel size of an image in the Markdown body; None for a missing file or one that is no picture (an SVG).

    A file that is a picture, by its name or its content, must be whole: `picture_size` raises for it.
    """
    if not path.is_file():
        return None
    if path.suffix.lower() not in RASTER_SUFFIXES and not _is_picture(path):
        return None
    return picture_size(path, shown)


def _is_picture(path: Path) -> bool:
    """Whether Pillow recognises the file's header (it reads no more than that)."""
    from PIL import Image as PILImage
    from PIL import UnidentifiedImageError
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PILImage.DecompressionBombWarning)
            PILImage.open(path).close()
    except PILImage.DecompressionBombError:
        return True
    except (UnidentifiedImageError, OSError):
        return False
    return True


def picture_size(path: Path, shown: str | None = None) -> tuple[int, int]:
    """Pixel size of a JPEG, PNG, WebP, GIF or AVIF file as it is shown (upright: a portrait phone photo
    stored on its side with an EXIF orientation is taller than wide), after checking that the whole file decodes.

    Raises ContentError (without a place: the caller knows where the file was named; `shown` is the name
    written there) for an empty, unknown, damaged or cut-short file, and for one with more than PIXEL_LIMIT
    pixels, which is never decoded.
    """
    from PIL import Image as PILImage
    from PIL import UnidentifiedImageError
    name = shown or path.name
    if path.stat().st_size == 0:
        raise ContentError(f"image file is empty (0 bytes): {name}", hint="copy or export the picture again")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PILImage.DecompressionBombWarning)   # checked below, in words
            with PILImage.open(path) as picture:
                size = picture.size
                if size[0] * size[1] > PIXEL_LIMIT:
                    raise _too_many_pixels(name, f"{size[0]:,}×{size[1]:,} pixels")
                turned = upright_turn(picture)
            with PILImage.open(path) as picture:     # afresh: a PNG's checksums are read right after opening
                _decode(picture)
            if turned:
                size = (size[1], size[0])
    except PILImage.DecompressionBombError:     # Pillow refuses to open twice its limit at all
        raise _too_many_pixels(name, f"over {2 * (PILImage.MAX_IMAGE_PIXELS or 0):,} pixels") from None
    except UnidentifiedImageError:
        raise ContentError(f"not an image that can be read: {name}",
                           hint="use a JPEG, PNG, WebP, GIF or AVIF file") from None
    except ContentError:
        raise
    except Exception as err:   # the file's bytes decide what Pillow raises: all of it means "damaged"
        raise ContentError(f"image file is damaged or cut short: {name}",
                           hint=f"copy or export the picture again; Pillow reads: {err}") from None
    return size


EXIF_ORIENTATION = 0x0112
TURNED = frozenset({5, 6, 7, 8})     # EXIF orientations that swap width and height


def upright_turn(picture) -> bool:
    """Whether the picture's EXIF orientation turns it a quarter (so it shows with width and height swapped)."""
    try:
        return picture.getexif().get(EXIF_ORIENTATION) in TURNED
    except Exception:       # unreadable EXIF: the picture shows as stored, as browsers do
        return False


def _too_many_pixels(name: str, pixels: str) -> ContentError:
    return ContentError(f"image has too many pixels: {name} is {pixels}; the limit is {PIXEL_LIMIT:,} "
                        "(about 89.5 megapixels)",
                        hint="scale it down and save it again; a page needs at most a few thousand pixels across")


def _decode(picture) -> None:
    """Read every byte of the picture, as cheaply as the format allows: a cut-short file fails here."""
    if picture.format == "PNG":
        picture.verify()           # every chunk's checksum, without inflating the pixels
    else:
        if picture.format == "JPEG":
            picture.draft("RGB", (max(1, picture.size[0] // 8), max(1, picture.size[1] // 8)))
        picture.load()
