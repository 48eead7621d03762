"""Find explainers in the content folder and load them into `Explainer`s, with file:line errors."""
from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any

from . import __version__, yamlfile
from .config import SITE_FILE, SiteConfig
from .errors import ContentError, ExplainerError, SourceLocation, raise_all
from .model import Body, Explainer, Fact, FactBox, Image, Source, Term, Update
from .sections import Converter
from .typography import smarten

FRONT_MATTER_KEYS = ("title", "date", "updated", "category", "tags", "authors", "summary",
                     "language", "draft", "image", "facts", "updates")
FACTS_FILE = "facts.yml"
BUNDLE_INDEX = "index.md"
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".svg")
RESERVED_SLUGS = frozenset({"category", "tag", "feeds", "static", "404", "index"})
SLUG_PATTERN = re.compile(r"^[\w][\w.-]*$")


@dataclass(frozen=True)
class SourceTree:
    """What the content folder holds: explainer sources and the other files to copy as they are."""
    explainers: tuple[tuple[str, Path, Path | None], ...]   # (slug, .md file, bundle folder or None)
    static_files: tuple[Path, ...]                          # outside bundles, copied to the same path


@dataclass(frozen=True)
class FrontMatter:
    data: dict
    body: str
    first_line: int   # file line of the first YAML line
    body_line: int    # file line where the Markdown body starts


def discover(content_dir: Path) -> SourceTree:
    """List explainers (bundles and single files) and static files, sorted, rejecting clashes."""
    explainers: dict[str, tuple[Path, Path | None]] = {}
    static: list[Path] = []
    errors: list[ExplainerError] = []

    def add(slug: str, source: Path, bundle: Path | None) -> None:
        if slug in explainers:
            other = explainers[slug][0]
            errors.append(ContentError(
                f"two explainers have the slug '{slug}': {other.relative_to(content_dir)} and "
                f"{source.relative_to(content_dir)}", SourceLocation(source),
                hint="rename or remove one of them"))
        elif not SLUG_PATTERN.match(slug) or slug.casefold() in RESERVED_SLUGS:
            errors.append(ContentError(
                f"'{slug}' cannot be an explainer's URL", SourceLocation(source),
                hint="use letters, digits and dashes, and not category, tag, feeds, static or 404"))
        else:
            explainers[slug] = (source, bundle)

    for entry in sorted(content_dir.iterdir(), key=lambda p: p.name):
        if _ignored(entry) or entry.name == SITE_FILE:
            continue
        if entry.is_dir() and (entry / BUNDLE_INDEX).is_file():
            add(entry.name, entry / BUNDLE_INDEX, entry)
        elif entry.is_dir():
            for path in sorted(p for p in entry.rglob("*") if p.is_file()):
                if any(_ignored(part) for part in path.relative_to(content_dir).parts):
                    continue
                if path.suffix == ".md":
                    errors.append(ContentError(
                        "Markdown file in a folder without index.md is not published",
                        SourceLocation(path), hint=f"an explainer folder needs {BUNDLE_INDEX}: rename "
                        f"this file to {entry.name}/{BUNDLE_INDEX}, or move it out of content/"))
                else:
                    static.append(path)
        elif entry.suffix == ".md":
            add(entry.stem, entry, None)
        elif entry.is_file():
            static.append(entry)
    raise_all(errors)
    return SourceTree(tuple((slug, src, bundle) for slug, (src, bundle) in sorted(explainers.items())),
                      tuple(static))


def _ignored(path: Path | str) -> bool:
    name = path if isinstance(path, str) else path.name
    return name.startswith((".", "_")) or name.endswith("~")


def bundle_files(bundle: Path) -> tuple[Path, ...]:
    """Files of a page bundle that are copied next to its page."""
    return tuple(sorted(p for p in bundle.rglob("*") if p.is_file()
                        and p.name not in (BUNDLE_INDEX, FACTS_FILE)
                        and not any(_ignored(part) for part in p.relative_to(bundle).parts)))


def split_front_matter(text: str, path: Path) -> FrontMatter:
    """Cut `---` YAML `---` off the top of a Markdown file, remembering line numbers."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise ContentError("no front matter: the file must start with a '---' line",
                           SourceLocation(path, 1), hint="add ---, title: …, date: …, --- at the top")
    for number, line in enumerate(lines[1:], start=2):
        if line.rstrip() in ("---", "..."):
            yaml_text = "\n".join(lines[1:number - 1])
            data = yamlfile.parse(yaml_text, path, first_line=2) if yaml_text.strip() else {}
            if not isinstance(data, dict):
                raise ContentError("front matter must be a mapping of keys to values",
                                   SourceLocation(path, 2), hint="write it as `key: value` lines")
            return FrontMatter(data, "\n".join(lines[number:]), 2, number + 1)
    raise ContentError("front matter is not closed: no second '---' line", SourceLocation(path, 1),
                       hint="end the front matter with a line holding only ---")


class _Fields:
    """Reads typed fields out of a YAML mapping, collecting every problem with its line."""

    def __init__(self, data: dict, path: Path, first_line: int):
        self.data, self.path, self.first_line = data, path, first_line
        self.errors: list[ExplainerError] = []

    def where(self, key: Any = None, data: dict | None = None) -> SourceLocation:
        """The line of `key` in `data`; for a key that is missing, the line where `data` starts."""
        data = self.data if data is None else data
        if key not in data and isinstance(data, yamlfile.LineDict) and data.lines:
            return SourceLocation(self.path, self.first_line + min(data.lines.values()))
        return SourceLocation(self.path, yamlfile.line_of(data, key, self.first_line))

    def fail(self, message: str, key: Any = None, hint: str | None = None, data: dict | None = None):
        self.errors.append(ContentError(message, self.where(key, data), hint=hint))

    def text(self, key: str, data: dict | None = None, required: bool = False) -> str | None:
        data = self.data if data is None else data
        value = data.get(key)
        if value is None:
            if required:
                self.fail(f"missing {key}", key if key in data else None, data=data,
                          hint=f"add `{key}: …`")
            return None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            self.fail(f"{key} must be text, not {_kind(value)}", key, data=data)
            return None
        if required and not value.strip():
            self.fail(f"{key} is empty", key, data=data)
        return value.strip()

    def text_list(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
            self.fail(f"{key} must be a list of text", key, hint=f"{key}: [one, two]")
            return ()
        return tuple(str(v).strip() for v in value if str(v).strip())

    def moment(self, key: str, tz: tzinfo, data: dict | None = None, required: bool = False):
        data = self.data if data is None else data
        value = data.get(key)
        if value is None:
            if required:
                self.fail(f"missing {key}", data=data, hint=f"add `{key}: YYYY-MM-DD`")
            return None
        parsed = parse_moment(value, tz)
        if parsed is None:
            self.fail(f"{key} is not a date: {value!r}", key, data=data,
                      hint="use YYYY-MM-DD or an ISO 8601 time such as 2026-11-26T09:30:00+01:00")
        return parsed


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", bool: "true/false"}.get(type(value), type(value).__name__)


def parse_moment(value: Any, tz: tzinfo) -> datetime | None:
    """A YAML date/datetime or an ISO 8601 string as an aware datetime (naive ones in the site's zone)."""
    if isinstance(value, str):
        text = value.strip()
        try:
            value = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
        except ValueError:
            return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=tz)
    return None


def term(name: str) -> Term:
    slug = re.sub(r"[^\w]+", "-", name.casefold()).strip("-_") or "untitled"
    return Term(name=name, slug=slug)


def body_cache_key(text: str, slug: str, source: Path, config: SiteConfig, converter: Converter) -> str:
    """Content address of a converted body: the source text, where it lives, and the Markdown settings."""
    digest = hashlib.blake2b(digest_size=20)
    for part in (__version__, converter.settings_key, slug,
                 source.parent.relative_to(config.content_dir).as_posix(), text, image_stamps(source)):
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


def image_stamps(source: Path) -> str:
    """Name, size and time of each image the body may show (its bundle's, or those beside a single file).

    Their pixel sizes are written into the body's HTML, so a changed image must convert the body again.
    """
    folder = source.parent
    try:
        candidates = sorted(folder.rglob("*") if source.name == BUNDLE_INDEX else folder.iterdir())
    except OSError:
        return ""
    stamps = []
    for path in candidates:
        if path.suffix.lower() in IMAGE_SUFFIXES and path.is_file():
            stat = path.stat()
            stamps.append(f"{path.relative_to(folder).as_posix()}:{stat.st_size}:{stat.st_mtime_ns}")
    return "\n".join(stamps)


def unique_terms(names: tuple[str, ...]) -> tuple[Term, ...]:
    """Terms in the order given; names that slugify alike ('AI', 'ai') are one term, spelled as first given."""
    terms: dict[str, Term] = {}
    for name in names:
        found = term(name)
        terms.setdefault(found.slug, found)
    return tuple(terms.values())


def load_explainer(slug: str, source: Path, bundle: Path | None, config: SiteConfig,
                   converter: Converter, bodies: dict[str, Body] | None = None) -> Explainer:
    """Read one explainer: front matter, facts, hero image, and the body cut into sections.

    `bodies` is a cache of converted bodies by `body_cache_key`; a hit skips Markdown entirely.
    """
    text = yamlfile.read_text(source)
    front = split_front_matter(text, source)
    fields = _Fields(front.data, source, front.first_line)
    for key in front.data:
        if key not in FRONT_MATTER_KEYS:
            close = difflib.get_close_matches(str(key), FRONT_MATTER_KEYS, n=1)
            fields.fail(f"unknown front matter key '{key}'", key,
                        hint=f"did you mean '{close[0]}'?" if close else
                        "known keys: " + ", ".join(FRONT_MATTER_KEYS))
    title = fields.text("title", required=True)
    published = fields.moment("date", config.timezone, required=True)
    updated = fields.moment("updated", config.timezone)
    category = fields.text("category")
    summary = fields.text("summary")
    language = fields.text("language") or config.language
    draft = front.data.get("draft", False)
    if not isinstance(draft, bool):
        fields.fail("draft must be true or false", "draft")
    updates = _updates(fields, config.timezone)
    if updated is None and updates:
        updated = max(u.date for u in updates)
    image = _image(fields, source, config.content_dir)
    facts = _facts(fields, source, bundle)
    raise_all(fields.errors)

    key = body_cache_key(text, slug, source, config, converter) if bodies is not None else ""
    body = bodies.get(key) if bodies is not None else None
    if body is None:
        source_dir = source.parent.relative_to(config.content_dir).as_posix()
        body = converter.convert(front.body, "" if source_dir == "." else source_dir, slug,
                                 size_of=lambda rel: image_size(config.content_dir / rel))
        if bodies is not None:
            bodies[key] = body
    return Explainer(
        slug=slug, source=source, bundle=bundle,
        title=smarten(title or ""), date=published, updated=updated,
        category=term(category) if category else None,
        tags=unique_terms(fields.text_list("tags")),
        authors=fields.text_list("authors") or ((config.author,) if config.author else ()),
        summary=smarten(summary) if summary else None, language=language, draft=bool(draft),
        image=image, facts=facts, updates=updates, body=body,
        files=bundle_files(bundle) if bundle else (),
    )


def _updates(fields: _Fields, tz: tzinfo) -> tuple[Update, ...]:
    value = fields.data.get("updates")
    if value is None:
        return ()
    if not isinstance(value, list):
        fields.fail("updates must be a list of {date, note}", "updates",
                    hint="updates:\n  - date: 2026-11-26\n    note: Corrected the figure for …")
        return ()
    updates = []
    for entry in value:
        if not isinstance(entry, dict):
            fields.fail("each update needs a date and a note", "updates")
            continue
        when = fields.moment("date", tz, data=entry, required=True)
        note = fields.text("note", data=entry, required=True)
        if when and note:
            updates.append(Update(when, smarten(note)))
    return tuple(sorted(updates, key=lambda u: u.date, reverse=True))


def _image(fields: _Fields, source: Path, content_dir: Path) -> Image | None:
    value = fields.data.get("image")
    if value is None:
        return None
    if isinstance(value, str):
        value = {"src": value}
    if not isinstance(value, dict):
        fields.fail("image must be a mapping with src and alt", "image")
        return None
    src = fields.text("src", data=value, required=True)
    alt = value.get("alt")
    if not isinstance(alt, str) or not alt.strip():
        fields.fail("the image has no alt text", "alt" if "alt" in value else "image", data=value
                    if "alt" in value else None,
                    hint="add `alt:` describing the picture for readers who cannot see it")
    if not src:
        return None
    path = (source.parent / src).resolve()
    root = content_dir.resolve()
    if src.startswith("/") or root not in path.parents:
        fields.fail(f"image path leaves the content folder: {src}", "src", data=value,
                    hint="put the image inside the explainer's folder")
        return None
    if not path.is_file():
        fields.fail(f"image not found: {src}", "src", data=value,
                    hint=f"no file at {path.relative_to(root)}; check the name and folder")
        return None
    size = image_size(path)
    if size is None:
        fields.fail(f"not an image that can be read: {src}", "src", data=value,
                    hint="use a JPEG, PNG, WebP, GIF or AVIF file")
        return None
    caption, credit = fields.text("caption", data=value), fields.text("credit", data=value)
    return Image(src=src, path=path, url=path.relative_to(root).as_posix(),
                 alt=smarten(alt.strip()) if isinstance(alt, str) else "",
                 width=size[0], height=size[1],
                 caption=smarten(caption) if caption else None,
                 credit=smarten(credit) if credit else None)


def image_size(path: Path) -> tuple[int, int] | None:
    """Pixel size from the file's header (Pillow reads no more than that)."""
    from PIL import Image as PILImage, UnidentifiedImageError
    try:
        with PILImage.open(path) as picture:
            return picture.size
    except (UnidentifiedImageError, OSError):
        return None


def _facts(fields: _Fields, source: Path, bundle: Path | None) -> FactBox | None:
    facts_file = bundle / FACTS_FILE if bundle else None
    in_front = fields.data.get("facts")
    if facts_file and facts_file.is_file():
        if in_front is not None:
            fields.fail(f"facts are given twice: in front matter and in {FACTS_FILE}", "facts",
                        hint="keep one of them")
            return None
        data = yamlfile.load(facts_file)
        facts = _Fields(data if isinstance(data, dict) else {}, facts_file, 1)
        box = parse_facts(data, facts, None)
        fields.errors.extend(facts.errors)
        return box
    if in_front is None:
        return None
    return parse_facts(in_front, fields, "facts")


def parse_facts(data: Any, fields: _Fields, key: str | None) -> FactBox | None:
    """facts.yml's shape: {title, facts: [...]} or a bare list of {label, value, source?}."""
    title = "Key facts"
    where_key = key
    if isinstance(data, dict):
        title = fields.text("title", data=data) or title
        items = data.get("facts")
        if not isinstance(items, list):
            fields.fail("facts must have a list under `facts:`", key, hint="facts: [{label: …, value: …}]")
            return None
        where_key = None
    elif isinstance(data, list):
        items = data
    elif data is None:
        return None
    else:
        fields.fail("facts must be a list of {label, value, source}", key)
        return None
    facts = []
    for item in items:
        if not isinstance(item, dict):
            fields.fail("each fact needs a label and a value", where_key,
                        hint="- label: Fine\n  value: $5 million")
            continue
        label = fields.text("label", data=item, required=True)
        value = item.get("value")
        if isinstance(value, bool) or not isinstance(value, (str, int, float)) or not str(value).strip():
            fields.fail("a fact's value must be text or a number", "value" if "value" in item else "label",
                        data=item)
            continue
        if isinstance(value, (int, float)):
            value = f"{value:,}" if abs(value) >= 10000 else str(value)
        source = _fact_source(item, fields)
        if label:
            facts.append(Fact(smarten(label), smarten(str(value).strip()), source,
                              fields.where("label", item)))
    return FactBox(title=smarten(title), facts=tuple(facts))


def _fact_source(item: dict, fields: _Fields) -> Source | None:
    value = item.get("source")
    if value is None:
        return None
    if isinstance(value, str) and value.strip():
        return Source(smarten(value.strip()))
    if isinstance(value, dict):
        name = fields.text("name", data=value, required=True)
        url = fields.text("url", data=value)
        if url and not re.match(r"^(https?://|/|\.{0,2}/|#)", url):
            fields.fail(f"source url must be a web address: {url}", "url", data=value,
                        hint="start it with https://")
            url = None
        return Source(smarten(name), url) if name else None
    fields.fail("a fact's source must be text or {name, url}", "source", data=item)
    return None


def load_all(config: SiteConfig, converter: Converter | None = None) -> tuple[list[Explainer], SourceTree]:
    """Every explainer in the content folder (drafts and scheduled ones included), all errors at once."""
    tree = discover(config.content_dir)
    converter = converter or Converter(config.axioms)
    explainers, errors = [], []
    for slug, source, bundle in tree.explainers:
        try:
            explainers.append(load_explainer(slug, source, bundle, config, converter))
        except ExplainerError as err:
            errors.extend(getattr(err, "errors", [err]))
    raise_all(errors)
    return explainers, tree
