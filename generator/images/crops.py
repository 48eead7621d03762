"""Crops of a picture to a fixed shape around its focal point: the geometry only (no pixels, no Pillow).

The crop is the largest box of the wanted shape that fits in the picture, centred on the focal point as far
as the picture's edges allow. Without a focal point it is centred.
"""
from __future__ import annotations

from dataclasses import dataclass

Box = tuple[int, int, int, int]      # left, top, right, bottom, in pixels of the upright picture
CENTRE = (50.0, 50.0)


@dataclass(frozen=True)
class Shape:
    """An output shape: a name for file names and a size in pixels."""
    name: str
    width: int
    height: int


# og:image and twitter:image: the shape Facebook, LinkedIn and X show large (1.91:1).
PREVIEW = Shape("1200x630", 1200, 630)
# The three shapes Google asks for in an article's structured data, each at least 1200 px wide.
ARTICLE = (Shape("16x9", 1200, 675), Shape("4x3", 1200, 900), Shape("1x1", 1200, 1200))


def crop_box(width: int, height: int, ratio: float, focus: tuple[float, float] | None = None) -> Box:
    """The largest box of `ratio` (width / height) inside a width × height picture, around `focus`
    (percent from the left and the top)."""
    fx, fy = focus or CENTRE
    if width / height > ratio:
        crop_w, crop_h = max(1, min(width, round(height * ratio))), height
    else:
        crop_w, crop_h = width, max(1, min(height, round(width / ratio)))
    left = _clamp(round(width * fx / 100 - crop_w / 2), 0, width - crop_w)
    top = _clamp(round(height * fy / 100 - crop_h / 2), 0, height - crop_h)
    return left, top, left + crop_w, top + crop_h


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(value, high))


KEEP_AT_LEAST = 0.6      # a crop that keeps less of a portrait's height than this needs a focal point


def crop_warning(width: int, height: int, focus: tuple[float, float] | None) -> str | None:
    """Why the platform crops may cut this picture badly, for `explainer check`: a portrait (or any tall
    picture) whose link-preview crop keeps less than KEEP_AT_LEAST of its height, with no focal point to say
    which band to keep (the middle one cuts off a face near the top)."""
    if height <= width or focus is not None:
        return None
    _, top, _, bottom = crop_box(width, height, PREVIEW.width / PREVIEW.height)
    kept = (bottom - top) / height
    if kept >= KEEP_AT_LEAST:
        return None
    return (f"the link-preview and search crops of this {width}×{height} portrait keep only the middle "
            f"{round(kept * 100)}% of its height: set a focal point under image, e.g. `focus: top` or "
            "`focus: [50, 25]` (percent from the left and the top)")
