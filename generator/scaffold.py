"""`explainer new`: a draft explainer from the Smart Brevity skeleton, or a new site that builds as it is and
is ready for CI (a .gitignore, requirements.txt pinning this version, GitHub and GitLab CI files)."""
from __future__ import annotations

import json
import os
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from string import Template
from urllib.parse import urlsplit, urlunsplit

from . import __version__
from .check.findings import THRESHOLDS
from .config import SITE_FILE, load_config
from .content.discover import BUNDLE_INDEX, RESERVED_SLUGS, SLUG_PATTERN
from .content.fields import FACTS_FILE, TITLE_LIMIT, spell_symbols
from .errors import ConfigError, ContentError
from .markdown.axioms import DEFAULT_AXIOMS
from .problems import Place
from .search import site as search

TEMPLATES = Path(__file__).resolve().parent / "scaffold_templates"
SLUG_MAX = 60                      # characters; long titles make unwieldy URLs
SAMPLE_SLUG = "how-to-write-an-explainer"
DEFAULT_SITE_TITLE = "Explainers"
_NOT_WORD = re.compile(r"[^\w]+")

# Explainer's git repository: a new site's requirements.txt installs this version from it (at the tag
# v<version>) until `new --site --source URL` names another. Not on a package index yet, so a git URL.
SOURCE = "https://github.com/explainer-news/explainer"
_SOURCE_SCHEMES = ("https", "http", "ssh", "git", "file")
_SOURCE_HINT = ("give the URL of a git repository of explainer, e.g. https://github.com/org/explainer or "
                "ssh://git@github.com/org/explainer.git, optionally ending in @TAG or @COMMIT")
# The files that make a site folder a repository CI can build, by template (docs/ci.md).
REPOSITORY_FILES = {
    "gitignore": ".gitignore",
    "requirements": "requirements.txt",
    "github-workflow.yml": ".github/workflows/explainer.yml",
    "gitlab-ci.yml": ".gitlab-ci.yml",
}
GITIGNORE = ".gitignore"


@dataclass(frozen=True)
class NewSite:
    """What `new --site` did: files written, files that were there already and were left alone, the patterns
    added to a .gitignore that was there already, and the requirements.txt line that installs explainer."""
    created: tuple[str, ...]
    kept: tuple[str, ...]
    ignores_added: tuple[str, ...]
    requirement: str


def slugify(title: str) -> str:
    """The URL name for a title: lowercase words joined by '-', any script kept, apostrophes dropped.

    fields.term's rule, with lower() for casefold(), which would turn the Greek final ς into σ and ß into ss.
    """
    text = spell_symbols(unicodedata.normalize("NFC", title).replace("\u2019", "").replace("'", "")).lower()
    slug = _NOT_WORD.sub("-", text).strip("-_")
    if len(slug) > SLUG_MAX:
        cut = slug[:SLUG_MAX + 1]
        slug = cut[:cut.rfind("-")] if "-" in cut else slug[:SLUG_MAX]
    return slug.strip("-_")


def new_explainer(content_dir: Path, title: str | None, category: str | None = None,
                  single_file: bool = False, slug: str | None = None,
                  today: date | None = None) -> list[Path]:
    """Write a draft explainer (index.md + facts.yml, or one .md file); returns the paths created."""
    if not Path(content_dir).is_dir():
        raise ConfigError(f"content folder not found: {content_dir}",
                          hint="run this in your site's folder, pass --content DIR, or start a site with "
                          "`explainer new --site DIR`")
    config = load_config(content_dir)
    title = _title(title)
    slug = _checked_slug(slug or slugify(title), explicit=slug is not None, taken=search.reserved_slugs(config))
    _refuse_collision(config.content_dir, slug)
    values = {"title": _quoted(title), "date": (today or datetime.now(config.timezone).date()).isoformat(),
              "category": f"category: {_quoted(category.strip())}\n" if category and category.strip() else ""}
    if single_file:
        path = config.content_dir / f"{slug}.md"
        _create(path, _fill("explainer-single.md", values))
        return [path]
    folder = config.content_dir / slug
    folder.mkdir()
    _create(folder / BUNDLE_INDEX, _fill("explainer.md", values))
    _create(folder / FACTS_FILE, _fill("facts.yml", {}))
    return [folder / BUNDLE_INDEX, folder / FACTS_FILE]


def new_site(root: Path, title: str | None = None, today: date | None = None,
             source: str | None = None) -> NewSite:
    """A site folder that builds as it is and is ready to be a repository: content/site.yml, one sample
    explainer, an empty theme override folder, .gitignore, requirements.txt and CI files for GitHub and GitLab.

    Files already in the folder are never overwritten; a .gitignore only gets the patterns it lacks.
    """
    content_dir, theme_dir = root / "content", root / "themes" / "default"
    _refuse_file_in_the_way(root)
    for path in (content_dir, theme_dir):
        if path.exists():
            raise ConfigError((path, " already exists"), Place(path),
                              hint="give `new --site` a new folder, or one without content/ or themes/default/")
    requirement, pin = install_requirement(source)
    site_title = (title or "").strip() or DEFAULT_SITE_TITLE
    # The new site.yml sets no time zone, so dates mean UTC: a local "today" ahead of UTC would be scheduled.
    when = (today or datetime.now(timezone.utc).date()).isoformat()
    sample = content_dir / SAMPLE_SLUG
    files = {
        content_dir / SITE_FILE: _fill("site.yml", {"title": _quoted(site_title)}),
        sample / BUNDLE_INDEX: _fill("sample.md", {"date": when}),
        sample / FACTS_FILE: _fill("sample-facts.yml", {
            "axioms": len(DEFAULT_AXIOMS), "lede_words": THRESHOLDS["lede_words"][0],
            "paragraph_words": THRESHOLDS["paragraph_words"][0]}),
        theme_dir / "README.md": _fill("theme-README.md", {}),
    }
    values = {"requirement": requirement, "pin": pin, "version": __version__}
    repository = {root / name: _fill(template, values) if template == "requirements" else _template(template)
                  for template, name in REPOSITORY_FILES.items()}
    kept = [path for path in repository if os.path.lexists(path)]
    files.update((path, text) for path, text in repository.items() if path not in kept)
    ignore_file, added = root / GITIGNORE, []
    try:
        for path, text in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            _create(path, text)
        if ignore_file in kept and ignore_file.is_file() and not ignore_file.is_symlink():
            added = _add_ignores(ignore_file, repository[ignore_file])
    except OSError as err:
        raise ConfigError(("cannot create the site in ", root, f": {err.strerror or err}"),
                          Place(Path(err.filename)) if err.filename else None,
                          hint="pick a folder you can write to") from None
    if added:
        kept.remove(ignore_file)
    return NewSite(created=tuple(_relative(path, root) for path in files),
                   kept=tuple(_relative(path, root) for path in kept),
                   ignores_added=tuple(added), requirement=requirement)


def install_requirement(source: str | None = None) -> tuple[str, str]:
    """The requirements.txt line that installs explainer from a git repository (ours unless `source` names
    another), pinned at this version's tag unless the URL ends in its own @ref; and what pins it, in words."""
    given = SOURCE if source is None else source
    url = given.strip().removeprefix("git+")
    if not url or any(char.isspace() or not char.isprintable() for char in url):
        raise ConfigError(f"--source is not a URL: {given!r}", hint=_SOURCE_HINT)
    parts = urlsplit(url)
    if parts.scheme not in _SOURCE_SCHEMES or not (parts.netloc or parts.scheme == "file") \
            or not parts.path.strip("/"):
        raise ConfigError(f"--source is not the URL of a git repository: {given!r}", hint=_SOURCE_HINT)
    if parts.scheme == "file" and not parts.netloc:
        parts = parts._replace(netloc="localhost")   # older pips refuse git+file:///path, not file://localhost/path
    if "@" in parts.path:
        ref = parts.path.rpartition("@")[2]
        if not ref or "/" in ref:
            raise ConfigError(f"--source names no tag or commit after its last @: {given!r}", hint=_SOURCE_HINT)
        pin = f"{ref}, the tag or commit --source named"
    else:
        ref = f"v{__version__}"
        parts = parts._replace(path=f"{parts.path}@{ref}")
        pin = f"its release tag {ref}"
    return f"explainer @ git+{urlunsplit(parts)}", pin


def _add_ignores(path: Path, template: str) -> list[str]:
    """Append to an existing .gitignore the patterns of ours that it lacks (cargo init does the same);
    nothing in it is changed or removed."""
    existing = path.read_bytes()
    have = {line.strip() for line in existing.decode("utf-8", "replace").splitlines()}
    wanted = [line for line in template.splitlines() if line and not line.startswith("#")]
    missing = [line for line in wanted if line not in have]
    if missing:
        separator = b"" if not existing or existing.endswith(b"\n") else b"\n"
        block = "\n# Added by `explainer new --site`: what explainer makes stays out of git.\n" + \
            "".join(f"{line}\n" for line in missing)
        with path.open("ab") as file:
            file.write(separator + block.encode("utf-8"))
    return missing


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def _refuse_file_in_the_way(root: Path) -> None:
    """`new --site X` where X, or a folder above it, is a file: say so before creating anything."""
    for path in (root, *root.parents):
        if path.exists() and not path.is_dir():
            raise ConfigError("this is a file, and a new site needs a folder here", Place(path),
                              hint="give `new --site` the name of a new folder")


def _title(title: str | None) -> str:
    if title is None or not title.strip():
        raise ConfigError("an explainer needs a title", hint='explainer new "What the new law changes"')
    if "\n" in title.strip():
        raise ConfigError("the title must be one line", hint="shorten it; the lede holds the rest")
    if len(title.strip()) > TITLE_LIMIT:
        raise ConfigError(f"the title is {len(title.strip()):,} characters long; at most {TITLE_LIMIT:,} are "
                          "allowed", hint="shorten it; the lede holds the rest")
    return " ".join(title.split())


def _checked_slug(slug: str, explicit: bool, taken: frozenset[str] = frozenset()) -> str:
    """The slug, or why it cannot be one; `taken` are the slugs this site's settings take too (search's)."""
    how = "pass --slug with letters, digits and dashes" if not explicit else \
        "use letters, digits and dashes, starting with a letter or digit"
    if not slug or not re.search(r"[^\W_]", slug) or not SLUG_PATTERN.match(slug):
        what = f"'{slug}' cannot be an explainer's URL" if explicit else \
            "the title has no letters or digits to make a URL from"
        raise ConfigError(what, hint=how)
    if slug.casefold() in RESERVED_SLUGS | taken:
        raise ConfigError(f"'{slug}' is reserved for the site's own pages",
                          hint="pass --slug with another name" if not explicit else "choose another slug")
    return slug


def _refuse_collision(content_dir: Path, slug: str) -> None:
    """Neither `<slug>/` nor `<slug>.md` may exist, in any letter case (macOS and Windows ignore case)."""
    wanted = slug.casefold()
    for entry in sorted(content_dir.iterdir()):
        name = entry.stem if entry.is_file() and entry.suffix == ".md" else entry.name
        if name.casefold() == wanted and (entry.is_dir() or entry.suffix == ".md"):
            raise ContentError(f"an explainer named '{slug}' already exists",
                               Place(entry),
                               hint="choose another title, or pass --slug another-name")


def _create(path: Path, text: str) -> None:
    with path.open("x", encoding="utf-8") as file:   # "x": never overwrite someone's work
        file.write(text)


def _fill(template: str, values: dict) -> str:
    return Template(_template(template)).substitute(values)


def _template(name: str) -> str:
    """A template as it is: the CI files are full of `${{ }}` and `$VARIABLES` that are not ours to fill."""
    return (TEMPLATES / name).read_text(encoding="utf-8")


def _quoted(text: str) -> str:
    """A YAML scalar that stays text whatever it holds (colons, quotes, 'yes', '2024')."""
    return json.dumps(text, ensure_ascii=False)
