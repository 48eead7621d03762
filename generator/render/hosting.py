"""What static hosts need beside the pages: cache policy per file and the `_headers` file."""
from __future__ import annotations

import re
from collections.abc import Iterable

HEADERS_FILE = "_headers"

# render.fingerprint names theme assets `<stem>.<10 hex digits>.<css|js>`: new bytes, new name.
FINGERPRINTED_NAME = re.compile(r"(^|/)static/.+\.[0-9a-f]{10}\.(css|js)$")
# The search index (search: true): Pagefind names its index files by a hash of their bytes; its script, worker
# and WebAssembly keep their names across Pagefind versions, so they must be revalidated like pages.
SEARCH_INDEX_FILE = re.compile(r"^pagefind/((fragment|index|filter)/[^/]+|pagefind\.[^/]+\.pf_meta)$")
SEARCH_BUNDLE = "pagefind/"

IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=300"            # pages and feeds: a correction is live within five minutes
MEDIUM = "public, max-age=86400"         # images and other files: may change under the same name
SHORT_SUFFIXES = (".html", ".xml", ".json", ".txt", ".webmanifest")

SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "SAMEORIGIN"),
    ("Content-Security-Policy", "frame-ancestors 'self'"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
)


def is_fingerprinted(rel: str) -> bool:
    return bool(FINGERPRINTED_NAME.search(rel))


def cache_control(rel: str) -> str:
    """The Cache-Control value for a site file, by its path relative to the site root."""
    if is_fingerprinted(rel) or SEARCH_INDEX_FILE.match(rel):
        return IMMUTABLE
    if rel.endswith(SHORT_SUFFIXES) or rel == HEADERS_FILE or rel.startswith(SEARCH_BUNDLE):
        return SHORT
    return MEDIUM


def headers_file(base_path: str, site_paths: Iterable[str]) -> str:
    """`_headers` for Netlify and Cloudflare Pages: security headers everywhere, and each fingerprinted
    asset cached for ever by its exact path.

    Both hosts add up the headers of every rule a URL matches (Cloudflare joins repeated names with a
    comma, and `/*/` means `/*` to Netlify), so Cache-Control appears only in rules that can never
    overlap. Pages keep the hosts' default, which revalidates on every visit: corrections show at once.
    """
    blocks = [_block(f"{base_path}*", SECURITY_HEADERS)]
    blocks += [_block(base_path + rel, [("Cache-Control", IMMUTABLE)])
               for rel in sorted(site_paths) if is_fingerprinted(rel)]
    return "# Written by explainer build: read by Netlify and Cloudflare Pages.\n" + "\n".join(blocks)


def _block(pattern: str, headers: Iterable[tuple[str, str]]) -> str:
    return pattern + "\n" + "".join(f"  {name}: {value}\n" for name, value in headers)
