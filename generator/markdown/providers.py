"""The embed providers: one table, PROVIDERS, where a provider is one entry — the addresses it recognises, the
frame's address, its shape, its sandbox and permissions, and whether it waits for the reader's click before
anything loads from the provider (markdown/embeds.py finds the addresses; site.yml `embeds:` adds or changes
providers, markdown/embedconfig.py).

A pattern is an address without its scheme: `youtube.com/watch?v={id}`. The host matches itself and its
subdomains (`*` is any host); `{name}` is one path segment (or a query value), `{name:regex}` one that matches
the regex, `*` any run of characters; query parameters match in any order, others are ignored. The frame's
address uses the same `{name}`s, and `{url}` is the whole address as written.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

KINDS = ("video", "audio", "post", "chart", "document", "page")
# Sandbox tokens a provider may ask for (HTML's list); `allow-top-navigation` is left out on purpose.
SANDBOX_TOKENS = ("allow-downloads", "allow-forms", "allow-modals", "allow-orientation-lock", "allow-pointer-lock",
                  "allow-popups", "allow-popups-to-escape-sandbox", "allow-presentation", "allow-same-origin",
                  "allow-scripts", "allow-storage-access-by-user-activation")
PLAYER = "allow-scripts allow-same-origin allow-presentation allow-popups allow-popups-to-escape-sandbox"
WIDGET = "allow-scripts allow-same-origin allow-popups allow-popups-to-escape-sandbox"
MEDIA = "autoplay; encrypted-media; fullscreen; picture-in-picture"
HEIGHT_LIMITS = (50, 4000)     # CSS pixels


@dataclass(frozen=True)
class Provider:
    """An embed provider (a video, chart or map service): the addresses it takes and its frame."""
    key: str                    # stable id: CSS class `embed-<key>`, check's output, site.yml entries
    name: str                   # what readers are told: "Play video on YouTube"
    kind: str                   # one of KINDS: the theme's wording ("… video", "… chart")
    match: tuple[str, ...]      # the addresses it recognises (patterns, see above)
    embed: str                  # the frame's address
    ratio: str | None = "16 / 9"   # CSS aspect-ratio of the frame; None when it has a fixed `height`
    height: int | None = None   # CSS pixels
    facade: bool = False        # True: a link to click first, nothing loads from the provider before
    play: str = ""              # query added to the frame's address when the reader clicks (autoplay=1)
    start: str = ""             # the frame's query parameter for a start time in seconds, from the address's t=
    sandbox: str | None = WIDGET   # the iframe's sandbox; None where the provider cannot work in one (PDFs)
    allow: str = ""             # the iframe's `allow` (permissions the frame may ask for)


PROVIDERS: tuple[Provider, ...] = (
    Provider("youtube", "YouTube", "video",
             ("youtube.com/watch?v={id}", "youtu.be/{id}", "youtube.com/embed/{id}", "youtube.com/live/{id}",
              "youtube-nocookie.com/embed/{id}"),
             "https://www.youtube-nocookie.com/embed/{id}", facade=True, play="autoplay=1", start="start",
             sandbox=PLAYER, allow=MEDIA),
    Provider("youtube-shorts", "YouTube", "video", ("youtube.com/shorts/{id}",),
             "https://www.youtube-nocookie.com/embed/{id}", ratio="9 / 16", facade=True, play="autoplay=1",
             sandbox=PLAYER, allow=MEDIA),
    Provider("vimeo", "Vimeo", "video",
             (r"vimeo.com/{id:\d+}", r"vimeo.com/channels/{channel}/{id:\d+}", r"player.vimeo.com/video/{id:\d+}"),
             "https://player.vimeo.com/video/{id}?dnt=1", facade=True, play="autoplay=1", sandbox=PLAYER,
             allow=MEDIA),
    Provider("tiktok", "TikTok", "video",
             (r"tiktok.com/@{user}/video/{id:\d+}", r"tiktok.com/embed/v2/{id:\d+}", r"tiktok.com/player/v1/{id:\d+}"),
             "https://www.tiktok.com/player/v1/{id}", ratio="9 / 16", facade=True, play="autoplay=1",
             sandbox=PLAYER, allow=MEDIA),
    Provider("spotify", "Spotify", "audio",
             ("open.spotify.com/{type:track|episode}/{id}", "open.spotify.com/embed/{type:track|episode}/{id}",
              r"open.spotify.com/{locale:intl-[\w-]+}/{type:track|episode}/{id}"),
             "https://open.spotify.com/embed/{type}/{id}", ratio=None, height=152, facade=True, play="autoplay=1",
             sandbox=PLAYER, allow=MEDIA),
    Provider("spotify-list", "Spotify", "audio",
             ("open.spotify.com/{type:album|playlist|show|artist}/{id}",
              "open.spotify.com/embed/{type:album|playlist|show|artist}/{id}",
              r"open.spotify.com/{locale:intl-[\w-]+}/{type:album|playlist|show|artist}/{id}"),
             "https://open.spotify.com/embed/{type}/{id}", ratio=None, height=352, facade=True, play="autoplay=1",
             sandbox=PLAYER, allow=MEDIA),
    Provider("x", "X", "post", (r"x.com/{user}/status/{id:\d+}", r"twitter.com/{user}/status/{id:\d+}",
                                r"platform.twitter.com/embed/Tweet.html?id={id:\d+}"),
             "https://platform.twitter.com/embed/Tweet.html?id={id}&dnt=true", ratio=None, height=560,
             facade=True),
    Provider("instagram", "Instagram", "post", ("instagram.com/{type:p|reel|tv}/{id}",
                                                "instagram.com/{type:p|reel|tv}/{id}/embed"),
             "https://www.instagram.com/{type}/{id}/embed/", ratio=None, height=720, facade=True),
    Provider("bluesky", "Bluesky", "post", ("bsky.app/profile/{actor}/post/{post}",
                                            "embed.bsky.app/embed/{actor}/app.bsky.feed.post/{post}"),
             "https://embed.bsky.app/embed/{actor}/app.bsky.feed.post/{post}?colorMode=system", ratio=None,
             height=420, facade=True),
    Provider("datawrapper", "Datawrapper", "chart",
             ("datawrapper.dwcdn.net/{id}", r"datawrapper.dwcdn.net/{id}/{version:\d+}", "datawrapper.de/_/{id}"),
             "https://datawrapper.dwcdn.net/{id}/", ratio=None, height=480),
    Provider("flourish", "Flourish", "chart",
             (r"public.flourish.studio/{type:visualisation|story}/{id:\d+}",
              r"flo.uri.sh/{type:visualisation|story}/{id:\d+}",
              r"flo.uri.sh/{type:visualisation|story}/{id:\d+}/embed"),
             "https://flo.uri.sh/{type}/{id}/embed", ratio=None, height=520),
    Provider("infogram", "Infogram", "chart", (r"infogram.com/{id:[\w-]*\d[\w-]*}",),
             "https://e.infogram.com/{id}?src=embed", ratio=None, height=520),
    Provider("pdf", "PDF", "document", (r"*/{file:.+\.pdf}",), "{url}", ratio="210 / 297", facade=True,
             sandbox=None),
)
SITE_KEYS = tuple(f.name for f in fields(Provider))
_PLACEHOLDER = re.compile(r"\{(\w+)(?::([^{}]+))?\}")
_RATIO = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*[:/x]\s*(\d+(?:\.\d+)?)\s*$")
_HOST = re.compile(r"^(?:\*|[a-z0-9-]+(?:\.[a-z0-9-]+)+)$")
_START = re.compile(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s?)?")


class PatternError(ValueError):
    """What is wrong with a provider's pattern or frame address (said to the site's editor)."""


@dataclass(frozen=True)
class Pattern:
    """One compiled address pattern of a provider."""
    written: str
    host: str | None                                  # None: any host
    path: re.Pattern
    query: tuple[tuple[str, str | None, re.Pattern], ...]   # (parameter, placeholder or None, value pattern)

    @property
    def names(self) -> frozenset[str]:
        return frozenset(self.path.groupindex) | {name for _, name, _ in self.query if name}

    def values(self, url: str) -> dict[str, str] | None:
        """The placeholders' values when `url` matches, else None."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if parts.scheme.lower() not in ("http", "https") or not host:
            return None
        if self.host is not None and host != self.host and not host.endswith("." + self.host):
            return None
        found = self.path.fullmatch(parts.path.rstrip("/"))
        if found is None:
            return None
        values = dict(found.groupdict())
        query = parse_qs(parts.query, keep_blank_values=True)
        for parameter, name, value_pattern in self.query:
            given = query.get(parameter)
            value = given[0] if given else None
            if value is None or not value_pattern.fullmatch(value):
                return None
            if name:
                values[name] = value
        return values


def compile_pattern(written: str) -> Pattern:
    text = re.sub(r"^https?://", "", written.strip(), flags=re.IGNORECASE)
    text, _, query = text.partition("?")
    host, slash, path = text.partition("/")
    host = host.lower()
    if not _HOST.match(host):
        raise PatternError(f"{written!r} does not start with a host name (such as video.example.org, or *)")
    seen: set[str] = set()
    path_pattern = _segment_pattern("/" + path if slash else "", seen, written).rstrip("/")
    query_parts: list[tuple[str, str | None, re.Pattern]] = []
    for pair in filter(None, query.split("&")):
        parameter, equals, value = pair.partition("=")
        if not parameter or not equals:
            raise PatternError(f"the query of {written!r} must be name=value pairs (v={{id}})")
        whole = _PLACEHOLDER.fullmatch(value)
        if whole:
            name = _new_name(whole.group(1), seen, written)
            query_parts.append((parameter, name, _compiled(whole.group(2) or "[^&]+", written)))
        else:
            query_parts.append((parameter, None, re.compile(re.escape(value))))
    return Pattern(written, None if host == "*" else host.removeprefix("www."),
                   _compiled(path_pattern, written), tuple(query_parts))


def _segment_pattern(path: str, seen: set[str], written: str) -> str:
    out, done = [], 0
    for found in _PLACEHOLDER.finditer(path):
        out.append(_literal(path[done:found.start()]))
        name = _new_name(found.group(1), seen, written)
        regex = found.group(2) or "[^/]+"
        _compiled(regex, written)
        out.append(f"(?P<{name}>{regex})")
        done = found.end()
    out.append(_literal(path[done:]))
    return "".join(out)


def _literal(text: str) -> str:
    if "{" in text or "}" in text:
        raise PatternError(f"unmatched brace in {text!r}: write a placeholder as {{name}}")
    return ".*".join(re.escape(part) for part in text.split("*"))


def _new_name(name: str, seen: set[str], written: str) -> str:
    if name == "url":
        raise PatternError(f"{{url}} is the whole address and cannot be a placeholder in {written!r}")
    if name in seen:
        raise PatternError(f"{{{name}}} is used twice in {written!r}")
    seen.add(name)
    return name


def _compiled(regex: str, written: str) -> re.Pattern:
    try:
        return re.compile(regex, re.IGNORECASE)
    except re.error as err:
        raise PatternError(f"the regex in {written!r} does not compile: {err}") from None


def frame_address(template: str, values: dict[str, str], url: str) -> str:
    """The frame's address: the placeholders filled in (percent-encoded), `{url}` the address as written."""
    def fill(found: re.Match) -> str:
        name = found.group(1)
        return url if name == "url" else quote(values[name], safe=":@-._~")
    return _PLACEHOLDER.sub(fill, template)


def template_problem(provider: Provider, patterns: list[Pattern]) -> str | None:
    """What is wrong with a provider's frame address, or None."""
    if not re.match(r"^(https://|\{url\})", provider.embed):
        return f"the embed address must start with https:// (or be {{url}}): {provider.embed!r}"
    used = {found.group(1) for found in _PLACEHOLDER.finditer(provider.embed)} - {"url"}
    for pattern in patterns:
        missing = sorted(used - pattern.names)
        if missing:
            return f"{{{missing[0]}}} in the embed address is not in the pattern {pattern.written!r}"
    return None


def with_query(address: str, query: str) -> str:
    return address + ("&" if "?" in address else "?") + query if query else address


def start_query(provider: Provider, url: str) -> str:
    """`start=90` for an address with `t=90`, `t=1m30s` or `t=90s` (a link to a moment of a video)."""
    given = parse_qs(urlsplit(url).query).get("t") or parse_qs(urlsplit(url).query).get("start")
    found = _START.fullmatch(given[0]) if provider.start and given else None
    if not found or not any(found.groups()):
        return ""
    hours, minutes, seconds = (int(part or 0) for part in found.groups())
    return f"{provider.start}={hours * 3600 + minutes * 60 + seconds}"


def parse_ratio(text: str) -> str | None:
    """`16:9`, `16/9` or `4x3` as the CSS aspect-ratio `16 / 9`; None when it is not one."""
    found = _RATIO.match(str(text))
    if not found or float(found.group(1)) <= 0 or float(found.group(2)) <= 0:
        return None
    return f"{found.group(1)} / {found.group(2)}"


def parse_height(value: Any) -> int | None:
    text = str(value).strip().removesuffix("px")
    if not text.isdigit() or not HEIGHT_LIMITS[0] <= int(text) <= HEIGHT_LIMITS[1]:
        return None
    return int(text)
