"""SiteConfig: content/site.yml merged with command-line options, validated in one place."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timezone, tzinfo
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import contentfiles, extra, languages, people, yamlfile
from .errors import ConfigError, ExplainerError, did_you_mean, raise_all
from .imageconfig import ImageSettings, image_settings, logo_path
from .model import Author, Extra
from .problems import Place

SITE_FILE = "site.yml"
KNOWN_KEYS = {
    "title": "the site's name",
    "base_url": "the public URL the site is served at, e.g. https://example.com/explainers/",
    "language": "default language of explainers (default en)",
    "author": "default author, or the newsroom's name",
    "description": "one sentence about the site, for the index page and feeds",
    "theme": "a theme name or path",
    "axioms": "extra Smart Brevity labels",
    "timezone": "IANA time zone for dates written without one (default UTC)",
    "toc": "table of contents on explainers with at least this many sections (false = never)",
    "social_cards": "'auto' (when no hero image), 'always' or 'never'",
    "raw_html": "true (default): HTML written in Markdown reaches the page; false: it is shown as text",
    "markdown_extensions": "extra Python-Markdown extensions, by name, each with its options",
    "search": "true: a search page and its index (needs pip install 'explainer[search]')",
    "embeds": "embed providers to add or change (docs/embeds.md)",
    "deploy": "deploy targets",
    "check": "settings for `explainer check`",
    "paginate": "explainers per list page (default 30; false = every explainer on one page)",
    "related": "related explainers at the end of each explainer (default 3; false = none)",
    "authors": "the people in bylines: name → {bio, url, image, role, slug}, each with a page at author/<slug>/",
    "extra": "any mapping, for themes (site.extra)",
    "images": "responsive image settings: widths, max_width, formats, quality, originals (docs/images.md)",
    "logo": "the site's logo, a file in the content folder (header, JSON-LD publisher, social cards)",
}



@dataclass(frozen=True)
class SiteConfig:
    """Everything a build is told: site.yml's settings and the command line's, checked and filled in."""
    content_dir: Path
    out_dir: Path
    title: str = "Explainers"
    base_url: str = "/"
    language: str = "en"
    author: str | None = None
    description: str | None = None
    theme: str = "default"
    axioms: tuple[str, ...] = ()
    timezone: tzinfo = timezone.utc
    toc: int | None = 4
    social_cards: str = "auto"
    raw_html: bool = True
    # Extra Python-Markdown extensions: (name, options) in site.yml's order; checked when site.yml is read.
    markdown_extensions: tuple[tuple[str, dict], ...] = ()
    search: bool = False
    paginate: int | None = 30                 # explainers per list page; None: all on one
    related: int = 3                          # related explainers chosen for each explainer
    authors: tuple[Author, ...] = ()
    extra: Extra = field(default_factory=Extra)
    images: ImageSettings = field(default_factory=ImageSettings)
    logo: str | None = None                   # content-relative path of the logo file
    drafts: bool = False
    future: bool = False
    now: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    use_cache: bool = True
    jobs: int | None = None                   # worker processes for Markdown; None = one per CPU
    raw: dict = field(default_factory=dict)   # the whole site.yml, for stages that own a key (deploy, check)
    site_digest: str = ""                     # of site.yml's bytes, read before they are parsed (cache keys)

    @property
    def site_file(self) -> Path:
        return self.content_dir / SITE_FILE

    @property
    def base_path(self) -> str:
        """The path part of base_url, always with leading and trailing slashes."""
        path = urlsplit(self.base_url).path or "/"
        return path if path.endswith("/") else path + "/"

    @property
    def absolute_base(self) -> str | None:
        """base_url when it has a scheme and host (needed for canonical links, feeds, sitemaps)."""
        parts = urlsplit(self.base_url)
        return self.base_url if parts.scheme and parts.netloc else None

    def absolute_url(self, relative: str) -> str:
        """The public URL of a site-relative path ('slug/'), absolute when base_url allows it."""
        return (self.absolute_base or self.base_path) + relative

    def line_of(self, key: str) -> Place:
        return Place(self.site_file, yamlfile.line_of(self.raw, key, 1))


def load_config(content_dir: Path, out_dir: Path | None = None, **overrides: Any) -> SiteConfig:
    """Read site.yml (optional) and apply command-line overrides (None means 'not given')."""
    content_dir = Path(content_dir)
    if not content_dir.is_dir():
        raise ConfigError(f"content folder not found: {content_dir}",
                          hint="run from your site's folder or pass --content DIR")
    site_file = content_dir / SITE_FILE
    readable = (site_file.exists() or site_file.is_symlink()) and \
        contentfiles.kind(site_file, content_dir) == contentfiles.FILE   # no link out of content/, no pipe
    site_digest = _digest_of(site_file) if readable else ""
    raw = yamlfile.load(site_file) if readable else {}
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError("site.yml must be a mapping of keys to values", Place(site_file, 1))
    values, errors = _validate(raw, site_file, content_dir)
    if overrides.get("base_url") is not None:
        problem = base_url_problem(overrides["base_url"])
        if problem:
            errors.append(ConfigError(f"--base-url {problem[0]}", hint=problem[1]))
    for key, value in overrides.items():
        if value is not None:
            values[key] = value
    raise_all(errors)
    if "base_url" in values:
        values["base_url"] = values["base_url"] if values["base_url"].endswith("/") else values["base_url"] + "/"
    if "now" in values and values["now"].tzinfo is None:
        # `--as-of 2026-12-01T09:00` is read like a date in front matter: in the site's time zone.
        values["now"] = values["now"].replace(tzinfo=values.get("timezone", timezone.utc))
    out = Path(out_dir) if out_dir is not None else Path("site")
    return SiteConfig(content_dir=content_dir, out_dir=out, raw=raw, site_digest=site_digest, **values)


def _digest_of(site_file: Path) -> str:
    try:
        return hashlib.sha256(site_file.read_bytes()).hexdigest()
    except OSError:
        return ""


def _validate(raw: dict, site_file: Path, content_dir: Path) -> tuple[dict, list[ExplainerError]]:
    values: dict[str, Any] = {}
    errors: list[ExplainerError] = []

    def where(key: str) -> Place:
        return Place(site_file, yamlfile.line_of(raw, key, 1))

    for key, value in raw.items():
        if key not in KNOWN_KEYS:
            errors.append(ConfigError(f"unknown key '{key}' in site.yml", where(key),
                                      hint=did_you_mean(str(key), KNOWN_KEYS)))
            continue
        if key in ("deploy", "check", "embeds"):
            continue   # validated by the stage that uses it
        if key == "images":
            settings = image_settings(value, raw, site_file, errors)
            if settings is not None:
                values[key] = settings
            continue
        if key == "logo":
            logo = logo_path(value, site_file.parent, where(key), errors)
            if logo is not None:
                values[key] = logo
            continue
        if key in ("title", "base_url", "language", "author", "description", "theme"):
            if not isinstance(value, str) or not value.strip():
                errors.append(ConfigError(f"'{key}' must be text", where(key)))
                continue
            problem = base_url_problem(value.strip()) if key == "base_url" else None
            if problem:
                errors.append(ConfigError(f"base_url {problem[0]}", where(key), hint=problem[1]))
                continue
            if key == "language":
                try:
                    value = languages.normalise(value)
                except languages.LanguageProblem as unknown:
                    errors.append(ConfigError(unknown.message, where(key), hint=unknown.hint))
                    continue
            values[key] = value.strip()
        elif key == "axioms":
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                errors.append(ConfigError("'axioms' must be a list of labels", where(key),
                                          hint="e.g. axioms: [\"Our view\", \"Lo esencial\"]"))
                continue
            values[key] = tuple(v.strip() for v in value)
        elif key == "timezone":
            try:
                values[key] = ZoneInfo(str(value))
            except (ZoneInfoNotFoundError, ValueError):
                errors.append(ConfigError(f"unknown time zone '{value}'", where(key),
                                          hint="use an IANA name such as Europe/Berlin"))
        elif key == "toc":
            if value is False:
                values[key] = None
            elif isinstance(value, int) and not isinstance(value, bool) and value >= 1:
                values[key] = value
            else:
                errors.append(ConfigError("'toc' must be a number of sections or false", where(key)))
        elif key == "raw_html":
            if not isinstance(value, bool):
                errors.append(ConfigError("'raw_html' must be true or false", where(key),
                                          hint="false shows HTML written in Markdown as text"))
            else:
                values[key] = value
        elif key == "search":
            if not isinstance(value, bool):
                errors.append(ConfigError("'search' must be true or false", where(key),
                                          hint="true adds a search page (pip install 'explainer[search]')"))
            else:
                values[key] = value
        elif key == "social_cards":
            if value not in ("auto", "always", "never"):
                errors.append(ConfigError("'social_cards' must be auto, always or never", where(key)))
            else:
                values[key] = value
        elif key == "markdown_extensions":
            extensions, problems = markdown_extensions(value, where(key))
            values[key] = extensions
            errors.extend(problems)
        elif key in ("paginate", "related"):
            count = _count(value, least=1 if key == "paginate" else 0)
            if count is None:
                errors.append(ConfigError(f"'{key}' must be a number or false", where(key),
                                          hint=f"e.g. {key}: {30 if key == 'paginate' else 3}"))
            else:
                values[key] = count or None if key == "paginate" else count
        elif key == "authors":
            values[key], problems = people.authors(value, where(key), content_dir)
            errors.extend(problems)
        elif key == "extra":
            values[key], found = extra.freeze(value, where(key).line or 1, 1, _zone(raw.get("timezone")))
            errors.extend(ConfigError(message, Place(site_file, line), hint=extra.HINT) for line, message in found)
    return values, errors


def _count(value: Any, least: int) -> int | None:
    """A whole number of at least `least`; false is 0 (none, or no limit); None when it is neither."""
    if value is False:
        return 0
    if isinstance(value, int) and not isinstance(value, bool) and value >= least:
        return value
    return None


def _zone(name: Any) -> tzinfo:
    """site.yml's time zone, for times in `extra:` (UTC when it has none, or one that is wrong: reported)."""
    try:
        return ZoneInfo(str(name)) if name is not None else timezone.utc
    except (ZoneInfoNotFoundError, ValueError):
        return timezone.utc


def base_url_warning(config: SiteConfig) -> str | None:
    """The one line a build prints when base_url cannot make absolute URLs."""
    if config.absolute_base:
        return None
    return (f"base_url '{config.base_url}' is not an absolute URL, so canonical links, feeds, the sitemap, "
            "robots.txt, social cards, link-preview images and JSON-LD are left out (set base_url: https://… in "
            "site.yml or pass --base-url)")


def base_url_problem(url: str) -> tuple[str, str] | None:
    """What is wrong with a base_url (message, hint), or None: it must be an http(s) URL with a host, or a
    path from the root; nothing the site's pages would have to repeat (a query or a #fragment)."""
    example = "https://example.com/explainers/ (or a path such as /explainers/)"
    parts = urlsplit(url)
    if any(c.isspace() for c in url):
        return f"has a space in it: {url!r}", "write a space in a URL as %20, or leave it out"
    if parts.scheme and parts.scheme not in ("http", "https"):
        return f"must be an http(s) URL or a path: {url}", f"e.g. {example}"
    if parts.scheme and not parts.netloc:
        return f"has no host name: {url}", f"e.g. {example}"
    if not parts.scheme and parts.netloc:
        return f"has a host but no scheme: {url}", f"write https:{url}"
    if not parts.scheme and not url.startswith("/"):
        host = url.split("/", 1)[0]
        hint = f"write https://{url}" if "." in host else f"write /{url} for a path, or https://… for a URL"
        return f"is neither a URL nor a path from the root: {url}", hint
    if parts.query or parts.fragment or url.endswith(("?", "#")):
        return f"must not have a ?query or #fragment: {url}", f"cut it off: {url.split('?')[0].split('#')[0]}"
    try:
        _ = parts.port   # reading it checks it: a port that is not a number raises
    except ValueError:
        return f"has a port that is not a number: {url}", f"e.g. {example}"
    return None


_STOCK = "markdown.extensions."
_SAMPLE = "# Heading\n\nA paragraph with *emphasis*, a [link](a/) and `code`.\n\n- an item\n"
_EXAMPLE = "e.g. markdown_extensions: [abbr, def_list, {toc: {toc_depth: 2-3}}]"


def extension_name(name: str) -> str:
    """A stock extension by its short name (`markdown.extensions.toc` and `toc` are one extension)."""
    return name.removeprefix(_STOCK) if name.startswith(_STOCK) and ":" not in name else name


def markdown_extensions(value: Any, where: Place) -> tuple[tuple[tuple[str, dict], ...], list[ExplainerError]]:
    """site.yml's `markdown_extensions:` as (name, options) pairs; each extension is loaded once here, with
    its options and on a sample text, so that a misspelt name or an option it refuses is a site.yml:line error,
    not a failed build later."""
    if not isinstance(value, list):
        return (), [ConfigError("'markdown_extensions' must be a list of extension names", where, hint=_EXAMPLE)]
    found: dict[str, dict] = {}
    errors: list[ExplainerError] = []
    for index, entry in enumerate(value):
        at = Place(where.path, yamlfile.line_of(value, index, 1))
        if isinstance(entry, dict) and len(entry) == 1:
            (name, options), = entry.items()
            options = {} if options is None else options
        else:
            name, options = entry, {}
        if not isinstance(name, str) or not name.strip():
            errors.append(ConfigError("each of markdown_extensions must be a name, or a name with its options",
                                      at, hint=_EXAMPLE))
            continue
        name = extension_name(name.strip())
        if not isinstance(options, dict):
            errors.append(ConfigError(f"the options of Markdown extension '{name}' must be a mapping", at,
                                      hint=f"e.g. - {name}: {{option: value}}"))
            continue
        if name in found:
            errors.append(ConfigError(f"Markdown extension '{name}' is listed twice", at, hint="keep one"))
            continue
        problem = _extension_problem(name, options, at)
        if problem is not None:
            errors.append(problem)
            continue
        found[name] = dict(options)
    return tuple(found.items()), errors


def _extension_problem(name: str, options: dict, at: Place) -> ConfigError | None:
    """What is wrong with loading extension `name` with `options` (None: nothing)."""
    import markdown  # here, for a site that names extensions: a build of one that does not may never convert
    try:
        markdown.Markdown(extensions=[name], extension_configs={name: options}).convert(_SAMPLE)
    except ModuleNotFoundError as err:
        if err.name and name.split(":")[0].split(".")[0] != err.name.split(".")[0]:
            return ConfigError(f"Markdown extension '{name}' needs the Python package '{err.name}'", at,
                               hint="install it beside explainer, e.g. pip install " + err.name.split(".")[0])
        return ConfigError(f"unknown Markdown extension '{name}'", at,
                           hint=did_you_mean(name, _known_extensions(), "the extensions installed",
                                             otherwise="a Python-Markdown extension's name (abbr, def_list, toc…) "
                                                       "or the module path of one you installed"))
    except KeyError as err:
        option = err.args[0] if err.args else ""
        return ConfigError(f"Markdown extension '{name}' has no option '{option}'", at,
                           hint=did_you_mean(str(option), _options_of(name), "its options"))
    except Exception as err:   # an extension is code: whatever it raises on these options is their mistake
        return ConfigError(f"Markdown extension '{name}' refuses its options: {type(err).__name__}: {err}"
                           if options else f"Markdown extension '{name}' cannot be loaded: "
                           f"{type(err).__name__}: {err}", at, hint="see the extension's documentation")
    return None


def _known_extensions() -> list[str]:
    # Imported here, for a misspelt name only: importlib.metadata (and the email package it loads) is a
    # tenth of a build's start-up.
    from importlib.metadata import entry_points
    return sorted({entry.name for entry in entry_points(group="markdown.extensions")})


def _options_of(name: str) -> list[str]:
    import markdown
    try:
        md = markdown.Markdown(extensions=[name])
    except Exception:     # it loaded with its options a moment ago; without them it may not
        return []
    return sorted(md.registeredExtensions[-1].getConfigs()) if md.registeredExtensions else []
