"""The people in bylines: site.yml's `authors:`, each name mapped to {bio, url, image, role, slug}, read into
`model.Author`s with site.yml:line errors. Each gets a page at `author/<slug>/`; a byline name that is not
here stays plain text."""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from . import contentfiles, yamlfile
from .errors import ConfigError, ContentError, ExplainerError, did_you_mean
from .model import Author
from .problems import Place

AUTHOR_KEYS = ("bio", "url", "image", "role", "slug")
AUTHOR_SLUG = re.compile(r"^[\w][\w-]*$")
PICTURE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".svg")


def authors(value: Any, where: Place, content_dir: Path) -> tuple[tuple[Author, ...], list[ExplainerError]]:
    """site.yml's `authors:`, a mapping of each name to {bio, url, image, role, slug} (or nothing)."""
    example = "authors:\n  Ann Lee: {role: Economics editor, bio: …, url: https://…, image: people/ann.jpg}"
    if not isinstance(value, dict):
        return (), [ConfigError("'authors' must be a mapping of names to {bio, url, image, role, slug}", where,
                                hint=example)]
    found: list[Author] = []
    errors: list[ExplainerError] = []
    slugs: dict[str, str] = {}
    for name, entry in value.items():
        at = Place(where.path, yamlfile.line_of(value, name, 1))
        if not isinstance(name, str) or not name.strip():
            errors.append(ConfigError("an author's name must be text", at, hint=example))
            continue
        entry = {} if entry is None else entry
        if not isinstance(entry, dict):
            errors.append(ConfigError(f"author '{name}' must be a mapping of {', '.join(AUTHOR_KEYS)}", at,
                                      hint=example))
            continue
        author, problems = _author(" ".join(name.split()), entry, at, content_dir)
        errors.extend(problems)
        if author is None:
            continue
        if author.slug.casefold() in slugs:
            errors.append(ConfigError(f"authors '{slugs[author.slug.casefold()]}' and '{name}' would share one "
                                      f"page, author/{author.slug}/", at, hint="give one of them a `slug:`"))
            continue
        slugs[author.slug.casefold()] = name
        found.append(author)
    return tuple(found), errors


def _author(name: str, entry: dict, at: Place, content_dir: Path) -> tuple[Author | None, list[ExplainerError]]:
    errors: list[ExplainerError] = []

    def line(key: str) -> Place:
        return Place(at.path, yamlfile.line_of(entry, key, 1)) if key in entry else at

    texts: dict[str, str | None] = {}
    for key in entry:
        if key not in AUTHOR_KEYS:
            errors.append(ConfigError(f"unknown key '{key}' for author '{name}'", line(key),
                                      hint=did_you_mean(str(key), AUTHOR_KEYS)))
    for key in AUTHOR_KEYS:
        value = entry.get(key)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            errors.append(ConfigError(f"'{key}' of author '{name}' must be text", line(key)))
            value = None
        texts[key] = " ".join(value.split()) if key != "bio" and value else (value.strip() if value else None)
    slug = texts["slug"] or _slug_of(name)
    if not AUTHOR_SLUG.match(slug):
        errors.append(ConfigError(f"'{slug}' cannot be the address of author '{name}'s page", line("slug"),
                                  hint="use letters, digits and dashes, e.g. slug: ann-lee"))
    url = texts["url"]
    if url and (urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc):
        errors.append(ConfigError(f"the url of author '{name}' must be a web address: {url}", line("url"),
                                  hint="start it with https://"))
    image = texts["image"]
    if image:
        problem = _picture_problem(image, content_dir)
        if problem:
            errors.append(ConfigError(f"the image of author '{name}' {problem}", line("image"),
                                      hint="name a picture inside the content folder, e.g. image: people/ann.jpg"))
    if errors:
        return None, errors
    shown = Path(os.path.normpath(image)).as_posix() if image else None     # `./people/a.jpg` is people/a.jpg
    return Author(name, slug, texts["bio"], url, shown, texts["role"]), errors


def _slug_of(name: str) -> str:
    """A name's address, as a category's or tag's (`Ann Lee` → ann-lee)."""
    return re.sub(r"[^\w]+", "-", name.casefold()).strip("-_") or "author"


def _picture_problem(image: str, content_dir: Path) -> str | None:
    """What is wrong with an author's picture (a path inside content/), or None."""
    root = content_dir.resolve()
    path = (root / image).resolve() if not image.startswith("/") else None
    if path is None or root not in path.parents:   # `..` and links out are refused alike
        return f"leaves the content folder: {image}"
    if any(part.startswith((".", "_")) for part in Path(os.path.normpath(image)).parts):
        return f"is in a file or folder whose name starts with . or _, which is never published: {image}"
    if path.suffix.lower() not in PICTURE_SUFFIXES:
        return f"is not a picture (JPEG, PNG, WebP, GIF, AVIF or SVG): {image}"
    if not (root / image).exists():
        return f"is not there: {image}"
    try:
        if contentfiles.kind(root / image, root) != contentfiles.FILE:
            return f"is not a file: {image}"
    except ContentError:
        return f"is a link out of the content folder, or not a file: {image}"
    return None
