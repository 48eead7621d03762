"""Find explainers and the other files in the content folder, rejecting clashes."""
from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from .. import contentfiles
from ..config import SITE_FILE
from ..errors import ContentError, ExplainerError, raise_all
from ..problems import Place
from .fields import FACTS_FILE

BUNDLE_INDEX = "index.md"
# Taken by the site itself: its folders (`page/` holds the front page's later pages), and the files at its
# root (an explainer `feed.xml` would need a folder where the feed is).
RESERVED_SLUGS = frozenset({"category", "tag", "author", "series", "page", "feeds", "static", "404", "index",
                            "index.html", "404.html", "feed.xml", "sitemap.xml", "robots.txt"})
SLUG_PATTERN = re.compile(r"^[\w][\w.-]*$")


@dataclass(frozen=True)
class SourceTree:
    """What the content folder holds: explainer sources and the other files to copy as they are."""
    explainers: tuple[tuple[str, Path, Path | None], ...]   # (slug, .md file, bundle folder or None)
    static_files: tuple[Path, ...]                          # outside bundles, copied to the same path


def discover(content_dir: Path) -> SourceTree:
    """List explainers (bundles and single files) and static files, sorted, rejecting clashes and emptiness."""
    explainers: dict[str, tuple[Path, Path | None]] = {}
    static: list[Path] = []
    errors: list[ExplainerError] = []

    def add(slug: str, source: Path, bundle: Path | None) -> None:
        if slug in explainers:
            other = explainers[slug][0]
            errors.append(ContentError(
                f"two explainers have the slug '{slug}': {other.relative_to(content_dir)} and "
                f"{source.relative_to(content_dir)}", Place(source),
                hint="rename or remove one of them"))
        elif not SLUG_PATTERN.match(slug) or slug.casefold() in RESERVED_SLUGS:
            errors.append(ContentError(
                f"'{slug}' cannot be an explainer's URL", Place(source),
                hint="use letters, digits and dashes; not category, tag, author, series, page, feeds, static or "
                "404, nor the name of a file the site writes: index.html, 404.html, feed.xml, sitemap.xml, "
                "robots.txt"))
        else:
            explainers[slug] = (source, bundle)

    for entry, found in contentfiles.entries(content_dir, content_dir, errors, is_ignored):
        if entry.name == SITE_FILE:
            continue   # config.py reads it, and checks it the same way
        if found == contentfiles.FOLDER and (index := _bundle_index(entry, content_dir, errors)):
            add(entry.name, index, entry)   # its other files are checked as it loads
        elif found == contentfiles.FOLDER:
            for path in contentfiles.walk(entry, content_dir, errors, is_ignored):
                if path.suffix == ".md":
                    errors.append(ContentError(
                        "Markdown file in a folder without index.md is not published",
                        Place(path), hint=f"an explainer folder needs {BUNDLE_INDEX}: rename "
                        f"this file to {entry.name}/{BUNDLE_INDEX}, or move it out of content/"))
                else:
                    static.append(path)
        elif entry.suffix == ".md":
            add(entry.stem, entry, None)
        else:
            static.append(entry)
    if not explainers and not errors:
        errors.append(ContentError("no explainers found", Place(content_dir),
                                   hint="add <slug>/index.md or <slug>.md with front matter (title, date), "
                                        "or start one with `explainer new \"Title\"`"))
    raise_all(errors)
    return SourceTree(tuple((slug, src, bundle) for slug, (src, bundle) in sorted(explainers.items())),
                      tuple(static))


def _bundle_index(folder: Path, content_dir: Path, errors: list[ExplainerError]) -> Path | None:
    """The index.md of `folder` when it is a page bundle: it holds an index.md that may be read (a link out of
    content/ is not)."""
    index = folder / BUNDLE_INDEX
    try:
        mode = os.lstat(index).st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode):
        return index   # a plain file: what contentfiles.kind says, without its two more system calls
    try:
        return index if contentfiles.kind(index, content_dir) == contentfiles.FILE else None
    except ContentError as err:
        errors.append(err)
        return index   # a bundle, with an error: not a folder of static files


def is_ignored(path: Path | str) -> bool:
    name = path if isinstance(path, str) else path.name
    return name.startswith((".", "_")) or name.endswith("~")


def bundle_files(bundle: Path) -> tuple[Path, ...]:
    """Files of a page bundle that are copied next to its page (a bundle is a folder at the top of content/)."""
    errors: list[ExplainerError] = []
    files = contentfiles.walk(bundle, bundle.parent, errors, is_ignored)
    raise_all(errors)
    return tuple(p for p in files if p.name not in (BUNDLE_INDEX, FACTS_FILE))
