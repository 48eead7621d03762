"""Find explainers in the content folder and load them into `Explainer`s, with file:line errors."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from .. import __version__, contentfiles, extra, yamlfile
from ..config import SiteConfig
from ..errors import ContentError, ExplainerError, did_you_mean, flatten, raise_all
from ..markdown.embedconfig import site_providers
from ..markdown.punctuation import smarten
from ..markdown.sections import Converter
from ..model import Body, Explainer, portraits_in
from ..problems import Place
from .discover import BUNDLE_INDEX, SourceTree, bundle_files, discover, is_ignored
from .fields import TERM_LIMIT, TITLE_LIMIT, Fields, read_image, read_updates, term, with_time_of_day
from .pictures import image_size
from .sidebars import read_sidebars

FRONT_MATTER_KEYS = ("title", "date", "updated", "category", "tags", "authors", "summary",
                     "language", "translation_key", "draft", "image", "facts", "updates",
                     "series", "series_order", "related", "extra")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".svg")


@dataclass(frozen=True)
class FrontMatter:
    """A Markdown file split into its YAML front matter and its body, with their file lines."""
    data: dict
    body: str
    first_line: int   # file line of the first YAML line
    body_line: int    # file line where the Markdown body starts


def split_front_matter(text: str, path: Path) -> FrontMatter:
    """Cut `---` YAML `---` off the top of a Markdown file, remembering line numbers."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise ContentError("no front matter: the file must start with a '---' line",
                           Place(path, 1), hint="add ---, title: …, date: …, --- at the top")
    for number, line in enumerate(lines[1:], start=2):
        if line.rstrip() in ("---", "..."):
            yaml_text = "\n".join(lines[1:number - 1])
            data = yamlfile.parse(yaml_text, path, first_line=2) if yaml_text.strip() else {}
            if not isinstance(data, dict):
                raise ContentError("front matter must be a mapping of keys to values",
                                   Place(path, 2), hint="write it as `key: value` lines")
            return FrontMatter(data, "\n".join(lines[number:]), 2, number + 1)
    raise ContentError("front matter is not closed: no second '---' line", Place(path, 1),
                       hint="end the front matter with a line holding only ---")


@dataclass(frozen=True)
class SourceFile:
    """An explainer's Markdown file, read once: its text, and the other files of its bundle."""
    slug: str
    path: Path
    bundle: Path | None      # the page-bundle folder, when the explainer is one
    files: tuple[Path, ...]  # the bundle's files copied beside the page
    text: str


def read_source(slug: str, source: Path, bundle: Path | None) -> SourceFile:
    """Read an explainer's file (and list its bundle): the one read every later step works from."""
    files = bundle_files(bundle) if bundle else ()   # first: no link out of content/ is read, no pipe opened
    return SourceFile(slug, source, bundle, files, yamlfile.read_text(source))


def body_cache_key(source: SourceFile, config: SiteConfig, converter: Converter) -> str:
    """Content address of a converted body: the source text, where it lives, and the Markdown settings."""
    digest = hashlib.blake2b(digest_size=20)
    for part in (__version__, converter.settings_key, source.slug,
                 source.path.parent.relative_to(config.content_dir).as_posix(), source.text,
                 image_stamps(source.path)):
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


def image_stamps(source: Path) -> str:
    """Name, size and time of each image the body may show (its bundle's, or those beside a single file).

    Their pixel sizes are written into the body's HTML, so a changed image must convert the body again.
    """
    folder = source.parent
    root = folder.parent if source.name == BUNDLE_INDEX else folder
    try:
        candidates = (contentfiles.walk(folder, root, [], is_ignored) if source.name == BUNDLE_INDEX
                      else sorted(folder.iterdir()))
    except OSError:
        return ""
    stamps = []
    for path in candidates:
        if path.suffix.lower() in IMAGE_SUFFIXES and contentfiles.is_regular_file_inside(path, root):
            stat = path.stat()
            stamps.append(f"{path.relative_to(folder).as_posix()}:{stat.st_size}:{stat.st_mtime_ns}")
    return "\n".join(stamps)


def load_explainer(slug: str, source: Path, bundle: Path | None, config: SiteConfig,
                   converter: Converter, bodies: dict[str, Body] | None = None) -> Explainer:
    """Read one explainer: front matter, sidebar boxes, hero image, and the body cut into sections.

    `bodies` is a cache of converted bodies by `body_cache_key`; a hit skips Markdown entirely.
    """
    read = read_source(slug, source, bundle)
    if bodies is None:
        return explainer_from(read, config, converter)
    key = body_cache_key(read, config, converter)
    explainer = explainer_from(read, config, converter, bodies.get(key))
    bodies[key] = explainer.body
    return explainer


def explainer_from(read: SourceFile, config: SiteConfig, converter: Converter, body: Body | None = None
                   ) -> Explainer:
    """The explainer in a file already read; its Markdown converted unless its `body` is known (cached)."""
    slug, source, bundle, text = read.slug, read.path, read.bundle, read.text
    front = split_front_matter(text, source)
    fields = Fields(front.data, source, front.first_line)
    for key in front.data:
        if key not in FRONT_MATTER_KEYS:
            fields.fail(f"unknown front matter key '{key}'", key, hint=did_you_mean(str(key), FRONT_MATTER_KEYS))
    title = fields.text("title", required=True, limit=TITLE_LIMIT)
    published = fields.moment("date", config.timezone, required=True)
    updated = fields.moment("updated", config.timezone)
    category = fields.text("category", limit=TERM_LIMIT)
    tags = fields.terms("tags")
    authors = fields.text_list("authors")
    summary = fields.text("summary")
    language = fields.language("language") or config.language
    translation_key = fields.text("translation_key", limit=TERM_LIMIT)
    series = fields.text("series", limit=TERM_LIMIT)
    series_order = fields.whole_number("series_order")
    if series_order is not None and not series:
        fields.fail("series_order without a series", "series_order", hint="add `series: <name>`, or remove it")
    related = fields.slugs("related")
    custom, problems = extra.freeze(front.data.get("extra"), fields.where("extra").line or front.first_line,
                                    front.first_line, config.timezone)
    for line, message in problems:
        fields.errors.append(ContentError(message, Place(source, line), hint=extra.HINT))
    draft = front.data.get("draft", False)
    if not isinstance(draft, bool):
        fields.fail("draft must be true or false", "draft")
    updates = read_updates(fields, config.timezone)
    updated_has_time = with_time_of_day(front.data.get("updated"))
    newest = max(updates, key=lambda u: u.date) if updates else None
    correction = next((u for u in updates if u.is_correction), None)
    if newest and updated is None:
        updated, updated_has_time = newest.date, newest.has_time
    elif correction and updated and correction.date > updated:   # a later correction changed the page then
        updated, updated_has_time = correction.date, correction.has_time
    image = read_image(fields, source, config.content_dir)
    sidebars = read_sidebars(fields, source, bundle, config.content_dir, config.timezone)
    raise_all(fields.errors)

    if body is None:
        source_dir = source.parent.relative_to(config.content_dir).as_posix()
        body = convert_body(converter, front, source, "" if source_dir == "." else source_dir, slug,
                            size_of=lambda rel: body_image_size(config.content_dir, rel))
        raise_all([ContentError(err.message, Place(source, line), hint=err.hint)   # a broken picture or embed
                   for line, err in converter.urls.image_errors + converter.embeds.problems])
    return Explainer(
        slug=slug, source=source, bundle=bundle,
        title=smarten(title or ""), date=published, updated=updated,
        category=term(category) if category else None, tags=tags,
        authors=authors or ((config.author,) if config.author else ()),
        summary=smarten(summary) if summary else None, language=language, draft=bool(draft),
        image=image, sidebars=sidebars, updates=updates, body=body,
        files=read.files, translation_key=translation_key or None,
        series=term(series) if series else None, series_order=series_order, related=related, extra=custom,
        lines=key_lines(front),
        date_has_time=with_time_of_day(front.data.get("date")), updated_has_time=updated_has_time,
        pictures=body.pictures, links=body.links, portraits=portraits_in(sidebars),
    )


def key_lines(front: FrontMatter) -> tuple[tuple[str, int], ...]:
    """Where each front matter key is written, each key of an `image:` mapping ("image.src") and each item of
    `related:` ("related.0")."""
    data = front.data
    lines = [(str(key), yamlfile.line_of(data, key, front.first_line)) for key in data]
    image = data.get("image")
    if isinstance(image, dict):
        lines += [(f"image.{key}", yamlfile.line_of(image, key, front.first_line)) for key in image]
    related = data.get("related")
    if isinstance(related, list):
        lines += [(f"related.{index}", yamlfile.line_of(related, index, front.first_line))
                  for index in range(len(related))]
    return tuple(lines)


def convert_body(converter: Converter, front: FrontMatter, source: Path, source_dir: str, slug: str,
                 size_of) -> Body:
    """The Markdown body converted; markup nested thousands deep (Python-Markdown recurses) is an error."""
    try:
        return converter.convert(front.body, source_dir, slug, size_of=size_of, first_line=front.body_line)
    except RecursionError:
        line = front.body_line + _most_markup(front.body.split("\n"))
        raise ContentError("Markdown nested too deeply to convert", Place(source, line),
                           hint="emphasis, lists or quotes nested hundreds of levels deep: "
                                "remove the extra *, _, > or indentation") from None


def _most_markup(lines: list[str]) -> int:
    """Index of the line with the most nesting characters: where the editor should look."""
    counts = [sum(line.count(mark) for mark in "*_>[") + len(line) - len(line.lstrip()) for line in lines]
    return counts.index(max(counts)) if counts else 0


def body_image_size(content_dir: Path, rel: str) -> tuple[int, int] | None:
    """Pixel size of an image the Markdown shows, by its content-relative path; None unless it is a file
    inside the content folder (a link out of it, a named pipe, are never opened)."""
    path = content_dir / rel
    return image_size(path, rel) if contentfiles.is_regular_file_inside(path, content_dir) else None


def converter_for(config: SiteConfig) -> Converter:
    """The Markdown converter the site's settings call for (axioms, raw_html, markdown_extensions, embeds);
    site.yml errors in `embeds:` are raised here, at their lines."""
    return Converter(config.axioms, config.raw_html, config.markdown_extensions, site_providers(config))


def load_all(config: SiteConfig, converter: Converter | None = None) -> tuple[list[Explainer], SourceTree]:
    """Every explainer in the content folder (drafts and scheduled ones included), all errors at once."""
    tree = discover(config.content_dir)
    converter = converter or converter_for(config)
    explainers: list[Explainer] = []
    errors: list[ExplainerError] = []
    for slug, source, bundle in tree.explainers:
        try:
            explainers.append(load_explainer(slug, source, bundle, config, converter))
        except ExplainerError as err:
            errors.extend(flatten(err))
    raise_all(errors)
    return explainers, tree
