"""Which file answers a request path: the site lives under base_url's path, and nothing outside it is served."""
from __future__ import annotations

import mimetypes
import re
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from urllib.parse import unquote

# Explicit for the files a site is made of, so the answer does not depend on the machine's /etc/mime.types.
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/xml; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/x-icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".pdf": "application/pdf",
    ".webmanifest": "application/manifest+json",
}
# A slash or backslash that arrives percent-encoded would let one URL segment reach into another folder.
_ENCODED_SEPARATOR = re.compile(r"%(2f|5c|00)", re.IGNORECASE)


class Found(Enum):
    FILE = "file"
    REDIRECT = "redirect"
    NOT_FOUND = "not found"
    REFUSED = "refused"


@dataclass(frozen=True)
class Resolution:
    """What the preview does with a request path: serve a file, redirect, refuse, or say it is not found."""
    found: Found
    path: Path | None = None        # the file, for FILE
    location: str | None = None     # where to go, for REDIRECT


def resolve(root: Path, base_path: str, raw_path: str) -> Resolution:
    """Map a request path (still percent-encoded, as received) to a file below `root`, served at `base_path`."""
    if "\\" in raw_path or _ENCODED_SEPARATOR.search(raw_path):
        return Resolution(Found.REFUSED)
    try:
        path = unquote(raw_path, errors="strict")
    except UnicodeDecodeError:
        return Resolution(Found.REFUSED)
    segments = path.split("/")
    if any(segment in (".", "..") or "\x00" in segment for segment in segments):
        return Resolution(Found.REFUSED)
    if not path.startswith(base_path):
        if path in ("", "/") or path + "/" == base_path:
            return Resolution(Found.REDIRECT, location=base_path)
        return Resolution(Found.NOT_FOUND)
    # Empty segments are dropped: `//etc/passwd` must not become an absolute path when joined to the root.
    parts = [segment for segment in path[len(base_path):].split("/") if segment]
    target = root.joinpath(*parts)
    if not _inside(target, root):
        return Resolution(Found.REFUSED)   # a symlink leading out of the served folder: not even a redirect
    if target.is_dir():
        if not path.endswith("/"):
            return Resolution(Found.REDIRECT, location=raw_path + "/")
        target = target / "index.html"
    if not _inside(target, root):
        return Resolution(Found.REFUSED)
    if not target.is_file():
        return Resolution(Found.NOT_FOUND)
    return Resolution(Found.FILE, path=target)


def _inside(target: Path, root: Path) -> bool:
    """Whether the real path of `target`, every symbolic link followed, is below `root` (a loop is not)."""
    try:
        return target.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):
        return False


def content_type(path: Path) -> str:
    known = CONTENT_TYPES.get(path.suffix.lower())
    if known:
        return known
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed or "application/octet-stream"


def is_html(path: Path) -> bool:
    return path.suffix.lower() == ".html"
