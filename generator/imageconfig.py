"""site.yml `images:` and `logo:`: what the build makes of every picture it publishes, checked with
site.yml:line errors (docs/images.md)."""
from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import contentfiles, yamlfile
from .errors import ConfigError, ExplainerError, did_you_mean
from .problems import Place

IMAGE_KEYS = {
    "widths": "widths in pixels of the derivatives made of each picture (default 480, 800, 1200, 1600, 2000)",
    "max_width": "no derivative is wider than this (default 2560)",
    "formats": "modern formats offered before the JPEG/PNG fallback: avif, webp (default both; [] for none)",
    "quality": "encoder quality per format, 1–100: {avif: 50, webp: 75, jpeg: 80}",
    "originals": "when the original file is published too: linked (default: when the Markdown links to it), "
                 "always or never",
    "avif_speed": "libaom's speed for AVIF, 0 (slowest, smallest) to 10 (default 6; 8 encodes 3× faster, "
                  "about 10% larger)",
}
IMAGE_FORMATS = ("avif", "webp")
QUALITY_FORMATS = ("avif", "webp", "jpeg")
ORIGINALS = ("linked", "always", "never")
WIDEST = 8192       # pixels: no screen needs a derivative wider, and encoding one takes seconds


@dataclass(frozen=True)
class ImageSettings:
    """site.yml `images:`: what the build makes of every picture it publishes (docs/images.md)."""
    widths: tuple[int, ...] = (480, 800, 1200, 1600, 2000)
    max_width: int = 2560
    formats: tuple[str, ...] = IMAGE_FORMATS
    quality: tuple[tuple[str, int], ...] = (("avif", 50), ("jpeg", 80), ("webp", 75))   # sorted by format
    originals: str = "linked"
    avif_speed: int = 6

    def quality_of(self, fmt: str) -> int:
        return dict(self.quality)[fmt]


def image_settings(value: Any, raw: dict, site_file: Path, errors: list[ExplainerError]) -> ImageSettings | None:
    """site.yml `images:`, every problem at its own line."""
    def where(key: Any = None, data: Any = None) -> Place:
        if key is None:
            return Place(site_file, yamlfile.line_of(raw, "images", 1))
        return Place(site_file, yamlfile.line_of(data if data is not None else value, key, 1))

    if not isinstance(value, dict):
        errors.append(ConfigError("'images' must be a mapping of settings", where(),
                                  hint="e.g. images: {widths: [480, 800, 1200], formats: [avif, webp]}"))
        return None
    before = len(errors)
    fields: dict[str, Any] = {}
    for key, item in value.items():
        if key not in IMAGE_KEYS:
            errors.append(ConfigError(f"unknown key '{key}' under images", where(key),
                                      hint=did_you_mean(str(key), IMAGE_KEYS)))
        elif key == "widths":
            if not isinstance(item, list) or not item or not all(_pixels(w) for w in item):
                errors.append(ConfigError(f"images: widths must be a list of widths from 16 to {WIDEST} pixels",
                                          where(key), hint="e.g. widths: [480, 800, 1200, 1600, 2000]"))
            else:
                fields[key] = tuple(sorted(set(item)))
        elif key == "max_width":
            if not _pixels(item):
                errors.append(ConfigError(f"images: max_width must be a width from 16 to {WIDEST} pixels",
                                          where(key), hint="e.g. max_width: 2560"))
            else:
                fields[key] = item
        elif key == "formats":
            if not isinstance(item, list) or not all(f in IMAGE_FORMATS for f in item) or len(set(item)) < len(item):
                errors.append(ConfigError("images: formats must be a list of avif and webp (best first), or []",
                                          where(key), hint="JPEG or PNG is always made as the fallback"))
            else:
                fields[key] = tuple(item)
        elif key == "quality":
            quality = _quality(item, where(key), errors)
            if quality is not None:
                fields[key] = quality
        elif key == "avif_speed":
            if not isinstance(item, int) or isinstance(item, bool) or not 0 <= item <= 10:
                errors.append(ConfigError("images: avif_speed must be a whole number from 0 to 10", where(key)))
            else:
                fields[key] = item
        elif key == "originals":
            if item not in ORIGINALS:
                errors.append(ConfigError("images: originals must be linked, always or never", where(key),
                                          hint="linked publishes an original only when the Markdown links to it"))
            else:
                fields[key] = item
    return ImageSettings(**fields) if len(errors) == before else None


def _pixels(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 16 <= value <= WIDEST


def _quality(value: Any, where: Place, errors: list[ExplainerError]) -> tuple[tuple[str, int], ...] | None:
    merged = dict(ImageSettings().quality)
    if not isinstance(value, dict):
        errors.append(ConfigError("images: quality must be a mapping of format to quality", where,
                                  hint="e.g. quality: {avif: 50, webp: 75, jpeg: 80}"))
        return None
    for fmt, number in value.items():
        if fmt not in QUALITY_FORMATS:
            errors.append(ConfigError(f"images: quality has an unknown format '{fmt}'", where,
                                      hint=did_you_mean(str(fmt), QUALITY_FORMATS)))
        elif not isinstance(number, int) or isinstance(number, bool) or not 1 <= number <= 100:
            errors.append(ConfigError(f"images: quality of {fmt} must be a whole number from 1 to 100", where))
        else:
            merged[fmt] = number
    return tuple(sorted(merged.items()))


def logo_path(value: Any, content_dir: Path, where: Place, errors: list[ExplainerError]) -> str | None:
    """The logo's content-relative path: a file inside the content folder (its pixels are checked by the
    images stage, which reads it)."""
    if not isinstance(value, str) or not value.strip():
        errors.append(ConfigError("'logo' must be the path of an image file in the content folder", where,
                                  hint="e.g. logo: images/logo.png"))
        return None
    text = value.strip()
    rel = posixpath.normpath(text)
    path = content_dir / rel
    if text.startswith("/") or rel == ".." or rel.startswith("../"):
        errors.append(ConfigError(f"logo path leaves the content folder: {text}", where,
                                  hint="write it relative to the content folder, e.g. logo: images/logo.png"))
        return None
    if any(part.startswith((".", "_")) for part in rel.split("/")):
        errors.append(ConfigError(f"logo {text} is in a file or folder the site ignores (its name starts with "
                                  "'.' or '_')", where, hint="move it, e.g. to images/logo.png"))
        return None
    if not os.path.lexists(path):
        errors.append(ConfigError(f"logo not found: {text}", where,
                                  hint=f"no file at {rel} in the content folder; check the name"))
        return None
    try:
        if contentfiles.kind(path, content_dir) != contentfiles.FILE:
            errors.append(ConfigError(f"logo {text} is a folder, not an image", where))
            return None
    except ExplainerError as err:
        errors.append(ConfigError(f"logo {text} is {err.message}", where, hint=err.hint))
        return None
    if not rel.lower().endswith(LOGO_SUFFIXES):
        errors.append(ConfigError(f"logo {text} is not a picture", where,
                                  hint="use an SVG, PNG, JPEG, WebP, GIF or AVIF file"))
        return None
    return rel


LOGO_SUFFIXES = (".svg", ".png", ".jpg", ".jpeg", ".webp", ".gif", ".avif")
