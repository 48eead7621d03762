"""What one tag of raw HTML in the Markdown says: where it loads from, which embed provider that is, and
whether it fixes a width wider than a phone's screen (the raw-HTML rules of copydesk use these)."""
from __future__ import annotations

import html as htmllib
import re
from urllib.parse import urlsplit

from ..markdown.providers import Provider, compile_pattern

PHONE_WIDTH = 320          # CSS pixels: the narrowest screen the theme promises to fit
FRAMES = frozenset({"iframe", "frame", "embed", "object", "video"})
_ATTRIBUTE = r"""(?:^|\s){}\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))"""
_STYLE_WIDTH = re.compile(r"(?:^|[;\s])((?:min-)?width)\s*:\s*(\d+(?:\.\d+)?)\s*(px|pt|pc|cm|mm|in)\b", re.I)
_PIXELS = {"px": 1.0, "pt": 4 / 3, "pc": 16.0, "cm": 96 / 2.54, "mm": 96 / 25.4, "in": 96.0}


def attribute(tag: str, name: str) -> str | None:
    """The value of an attribute in a start tag as written (`<iframe src="…" …>`), entities decoded."""
    found = re.search(_ATTRIBUTE.format(re.escape(name)), tag[tag.find(" "):] if " " in tag else "", re.I)
    if not found:
        return None
    return htmllib.unescape(next(group for group in found.groups() if group is not None))


def host(url: str | None) -> str | None:
    parts = urlsplit((url or "").strip())
    return (parts.hostname or None) if parts.netloc else None


def provider_of(url: str | None, providers: tuple[Provider, ...]) -> Provider | None:
    """The embed provider whose patterns recognise `url` (a pasted embed code's frame address), if any."""
    if not url:
        return None
    for provider in providers:
        if any(compile_pattern(pattern).values(url.strip()) is not None for pattern in provider.match):
            return provider
    return None


def fixed_width(tag: str, name: str) -> str | None:
    """Why a start tag holds its element wider than a phone's screen, or None: an inline style width the
    theme cannot override, or a frame's `width` in pixels."""
    style = attribute(tag, "style") or ""
    for found in _STYLE_WIDTH.finditer(style):
        pixels = float(found.group(2)) * _PIXELS[found.group(3).lower()]
        if pixels > PHONE_WIDTH:
            return (f"style=\"{found.group(1)}: {found.group(2)}{found.group(3)}\" keeps this <{name}> "
                    f"{round(pixels)} px wide, wider than a {PHONE_WIDTH} px phone, and no stylesheet can change it "
                    "(use max-width, or a width in %)")
    width = attribute(tag, "width") if name in FRAMES else None
    if width and width.strip().removesuffix("px").isdigit() and int(width.strip().removesuffix("px")) > PHONE_WIDTH:
        pixels = int(width.strip().removesuffix("px"))
        return (f"this <{name}> is {pixels} px wide (width=\"{width}\"), wider than a {PHONE_WIDTH} px phone: "
                "the default theme fits it to the column, but other themes, feed readers and e-mail do not "
                "(for a provider's player or chart, put its address on a line of its own: docs/embeds.md)")
    return None
