"""Which other hosts a page makes its readers' browsers contact — frames, scripts, images, styles, media — read
from the rendered page, each reported where it was written (rule `privacy/third-party`, an info)."""
from __future__ import annotations

import html as htmllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlsplit

from ..config import SiteConfig
from ..model import Explainer
from ..problems import Problem
from . import pagescan
from .findings import finding

RULE = "privacy/third-party"
# The attributes through which an element makes the browser fetch something as the page loads.
_LOADS = {"img": ("src", "srcset"), "iframe": ("src",), "frame": ("src",), "script": ("src",),
          "video": ("src", "poster"), "audio": ("src",), "source": ("src", "srcset"), "track": ("src",),
          "embed": ("src",), "object": ("data",), "input": ("src",)}
_FETCHED_LINKS = frozenset({"stylesheet", "icon", "preload", "modulepreload", "prefetch", "manifest",
                            "apple-touch-icon", "preconnect", "dns-prefetch"})
_WHAT = {"img": "an image", "iframe": "a frame", "frame": "a frame", "script": "a script", "video": "a video",
         "audio": "audio", "source": "media", "track": "captions", "embed": "an embedded object",
         "object": "an embedded object", "input": "an image", "link": "a style sheet or other file"}


@dataclass(frozen=True)
class Load:
    """Something a page loads from another host (a script, a frame, a font …)."""
    tag: str
    url: str
    on_click: bool = False      # behind a click-to-load facade: only when the reader asks


TAGS = frozenset({*_LOADS, "link"})    # the tags that can load something


def loads_from(tags: list[pagescan.StartTag]) -> list[Load]:
    """What a page loads, from its start tags (pagescan: at least every tag in TAGS)."""
    loads: list[Load] = []
    for tag, attrs in tags:
        values = {name: value or "" for name, value in attrs}
        if tag == "link" and _FETCHED_LINKS & set(values.get("rel", "").lower().split()):
            loads.append(Load(tag, values.get("href", "")))
        for name in _LOADS.get(tag, ()):
            for url in _urls(values.get(name, ""), srcset=name == "srcset"):
                loads.append(Load(tag, url))
        if tag == "iframe" and values.get("srcdoc"):
            loads += page_loads(values["srcdoc"])          # what the frame's own page loads
            loads += [Load("iframe", url, on_click=True) for url in _facade_links(values["srcdoc"])]
    return loads


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.urls += [value for name, value in attrs if name == "href" and value]


def _facade_links(document: str) -> list[str]:
    """A facade's page (an iframe's srcdoc) loads its links into the frame when the reader clicks one."""
    parser = _Links()
    parser.feed(document)
    parser.close()
    return parser.urls


def _urls(value: str, srcset: bool) -> list[str]:
    if not value.strip():
        return []
    if srcset:
        return [candidate.split()[0] for candidate in value.split(",") if candidate.split()]
    return [value.strip()]


def page_loads(html: str) -> list[Load]:
    return loads_from(pagescan.start_tags(html, TAGS))


def third_party_host(url: str, config: SiteConfig) -> str | None:
    """The host of `url` when it is another site's (the site's own host, relative URLs and data: are not)."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https", "") or not parts.netloc:
        return None
    host = (parts.hostname or "").lower()
    own = urlsplit(config.absolute_base or "").hostname
    return None if not host or host == (own or "").lower() else host


def findings(pages: dict[str, list[Load]], explainers: Iterable[Explainer], config: SiteConfig
             ) -> Iterator[Problem]:
    """One info per page, host and source line: what loads from where, and whether the reader asks first;
    `pages` holds what each page loads (`loads_from`)."""
    by_page = {f"{e.slug}/index.html": e for e in explainers}
    from_theme: dict[tuple[str, bool, str], list[str]] = {}
    for page, loads in pages.items():
        seen: dict[tuple, set[str]] = {}
        explainer = by_page.get(page)
        for load in loads:
            host = third_party_host(load.url, config)
            if host is None:
                continue
            where = _written(load, explainer) if explainer else None
            if where is None:
                from_theme.setdefault((host, load.on_click, _WHAT[load.tag]), []).append(page)
                continue
            path, line, what = where
            seen.setdefault((path, line, host, load.on_click), set()).add(what or _WHAT[load.tag])
        for (path, line, host, on_click), things in seen.items():
            yield finding(path, line, RULE, _message(host, on_click, " and ".join(sorted(things))))
    for (host, on_click, what), shown_on in from_theme.items():
        more = f" (and {len(set(shown_on)) - 1} more pages)" if len(set(shown_on)) > 1 else ""
        yield finding(shown_on[0], None, RULE, _message(host, on_click, what) + f", from the theme's templates{more}")


def _message(host: str, on_click: bool, what: str) -> str:
    when = "only when the reader clicks to load it" if on_click else "without asking the reader"
    return f"the page loads {what} from {host} {when}"


def _written(load: Load, explainer: Explainer) -> tuple | None:
    """(file, line, what it is) of the place in the explainer's body that makes the page load `load`, from what
    the converter recorded; None when the explainer did not write it (the theme did)."""
    body = explainer.body
    for embed in body.embeds:
        if load.url in (embed.src, embed.play):
            what = "a PDF" if embed.kind == "document" else f"{embed.name} {embed.kind}"
            return explainer.source, embed.line or body.outline.first_line, f"a frame ({what})"
    for link in body.outline.links:
        if link.url == load.url or link.written == load.url:
            return explainer.source, link.line, None
    for piece in body.outline.html:
        for written in (load.url, htmllib.escape(load.url, quote=False)):
            at = piece.html.find(written)
            if at >= 0:
                return explainer.source, piece.line + piece.html.count("\n", 0, at), None
    return None
