"""Typed values read out of YAML mappings — text, dates, terms, the hero image, facts — each problem kept
with its file and line, so one pass reports everything wrong with an explainer."""
from __future__ import annotations

import os
import re
from collections.abc import Iterable
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any

from .. import contentfiles, languages, yamlfile
from ..errors import ContentError, ExplainerError, did_you_mean, raise_all
from ..markdown.punctuation import smarten
from ..model import UPDATE_KINDS, Explainer, Image, Term, Update
from ..problems import Place, Text, joined
from .pictures import picture_size

FACTS_FILE = "facts.yml"
TITLE_LIMIT = 300          # characters; a headline is rarely a third of that, so more is a paste gone wrong
TERM_LIMIT = 100           # characters in a category or tag name (its slug names a folder)
IMAGE_KEYS = ("src", "alt", "caption", "credit", "focus")
# A focal point by name: percent from the left, percent from the top.
FOCUS_WORDS = {
    "center": (50.0, 50.0), "centre": (50.0, 50.0), "top": (50.0, 0.0), "bottom": (50.0, 100.0),
    "left": (0.0, 50.0), "right": (100.0, 50.0), "top left": (0.0, 0.0), "top right": (100.0, 0.0),
    "bottom left": (0.0, 100.0), "bottom right": (100.0, 100.0),
}
SOURCE_KEYS = ("name", "url")
UPDATE_KEYS = ("date", "note", "kind")


class Fields:
    """Reads typed fields out of a YAML mapping, collecting every problem with its line."""

    def __init__(self, data: dict, path: Path, first_line: int):
        self.data, self.path, self.first_line = data, path, first_line
        self.errors: list[ExplainerError] = []

    def where(self, key: Any = None, data: dict | None = None) -> Place:
        """The line of `key` in `data`; for a key that is missing, the line where `data` starts."""
        data = self.data if data is None else data
        if key not in data and isinstance(data, yamlfile.LineDict) and data.lines:
            return Place(self.path, self.first_line + min(data.lines.values()))
        return Place(self.path, yamlfile.line_of(data, key, self.first_line))

    def fail(self, message: Text, key: Any = None, hint: Text | None = None, data: dict | None = None):
        self.errors.append(ContentError(message, self.where(key, data), hint=hint))

    def fail_item(self, message: Text, items: list, index: int, hint: Text | None = None):
        """A mistake in item `index` of a YAML list, at the line the item is on."""
        self.errors.append(ContentError(message, Place(self.path, yamlfile.line_of(items, index, self.first_line)),
                                        hint=hint))

    def unknown_keys(self, data: dict, known: tuple[str, ...], what: str) -> None:
        """Every key of `data` that is not in `known` is an error, with the closest known key as the hint."""
        for key in data:
            if key not in known:
                self.fail(f"unknown key '{key}' in {what}", key, data=data, hint=did_you_mean(str(key), known))

    def text(self, key: str, data: dict | None = None, required: bool = False,
             limit: int | None = None) -> str | None:
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
        if limit is not None and len(value.strip()) > limit:
            self.fail(f"{key} is {len(value.strip()):,} characters long; at most {limit:,} are allowed", key,
                      data=data, hint="shorten it" + ("; the lede and the summary hold the rest"
                                                      if key == "title" else ""))
            return None
        return value.strip()

    def language(self, key: str) -> str | None:
        """A BCP 47 tag Babel knows (`es`, `pt-BR`), in its usual spelling; an unknown one is an error."""
        value = self.text(key)
        if not value:
            return None
        try:
            return languages.normalise(value)
        except languages.LanguageProblem as problem:
            self.fail(problem.message, key, hint=problem.hint)
            return None

    def text_list(self, key: str, limit: int | None = None) -> tuple[str, ...]:
        value = self.data.get(key)
        if value is None:
            return ()
        if isinstance(value, str) and "," in value:
            # YAML reads `tags: a, b` as the one text "a, b": almost always meant as two.
            items = ", ".join(part.strip() for part in value.split(",") if part.strip())
            self.fail(f"{key} is one text with commas in it: {value!r}", key,
                      hint=f"write a list: `{key}: [{items}]`; quote a name that holds a comma, "
                           f"`{key}: [\"Washington, D.C.\"]`")
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, (str, int)) and not isinstance(v, bool)
                                                  for v in value):
            self.fail(f"{key} must be a list of text", key, hint=f"{key}: [one, two]")
            return ()
        names = tuple(" ".join(str(v).split()) for v in value if str(v).strip())
        too_long = [name for name in names if limit is not None and len(name) > limit]
        if too_long:
            self.fail(f"a name in {key} is {len(too_long[0]):,} characters long; at most {limit:,} are allowed",
                      key, hint="shorten it")
            return ()
        return names

    def whole_number(self, key: str) -> int | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(f"{key} must be a whole number, not {_kind(value)}", key, hint=f"e.g. {key}: 2")
            return None
        return value

    def slugs(self, key: str) -> tuple[str, ...]:
        """A list of explainers by slug (`related: [why-rates-rose, what-is-a-bond]`); whether each exists is
        known only once every explainer is loaded."""
        value = self.data.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.fail(f"{key} must be a list of explainers' slugs", key,
                      hint=f"{key}: [a-slug, another-slug] (a slug is the folder's or file's name)")
            return ()
        return tuple(v.strip().strip("/") for v in value)

    def terms(self, key: str) -> tuple[Term, ...]:
        """A category or the tags: names read as a list, each with its URL slug."""
        names = self.text_list(key, limit=TERM_LIMIT)
        clash = term_clash(names)
        if clash:
            self.fail(f"'{clash[0]}' and '{clash[1]}' would share one page, {_term_page(key, clash[0])}",
                      key, hint="use one spelling for one term")
            return ()
        return unique_terms(names)

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


def _term_page(key: str, name: str) -> str:
    return f"{_KINDS.get(key, 'tag')}/{term(name).slug}/"


_KINDS = {"category": "category", "tags": "tag", "series": "series"}


def _kind(value: Any) -> str:
    for kind, name in ((bool, "true/false"), (dict, "a mapping"), (list, "a list")):   # YAML's are subclasses
        if isinstance(value, kind):
            return name
    return type(value).__name__


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


def with_time_of_day(value: Any) -> bool:
    """Whether a front matter date was written with a time (`2026-11-26T09:30`), not as a day alone."""
    if isinstance(value, datetime):
        return True
    return isinstance(value, str) and len(value.strip()) > len("YYYY-MM-DD")


_SPELLED_OUT = ((re.compile(r"(?<=[\w+])\+"), " plus "), (re.compile(r"(?<=\w)#"), " sharp "))


def spell_symbols(text: str) -> str:
    """'+' and '#' after a letter spelled out, so 'C++', 'C#' and 'C' make three URLs, not one."""
    for pattern, words in _SPELLED_OUT:
        text = pattern.sub(words, text)
    return text


def term(name: str) -> Term:
    slug = re.sub(r"[^\w]+", "-", spell_symbols(name).casefold()).strip("-_") or "untitled"
    return Term(name=name, slug=slug)


def same_term(a: str, b: str) -> bool:
    """Two spellings of one term: they differ only in letter case ('AI', 'ai')."""
    return a.casefold() == b.casefold()


def unique_terms(names: tuple[str, ...]) -> tuple[Term, ...]:
    """Terms in the order given; names that slugify alike ('AI', 'ai') are one term, spelled as first given.

    Callers reject names that share a slug without being one term (`term_clash`) before they get here.
    """
    terms: dict[str, Term] = {}
    for name in names:
        found = term(name)
        terms.setdefault(found.slug, found)
    return tuple(terms.values())


def term_clash(names: tuple[str, ...]) -> tuple[str, str] | None:
    """The first two different names (not just in case) that would share one URL, if any."""
    seen: dict[str, str] = {}
    for name in names:
        slug = term(name).slug
        if slug in seen and not same_term(seen[slug], name):
            return seen[slug], name
        seen.setdefault(slug, name)
    return None


def check_term_spellings(oldest_first: Iterable[Explainer]) -> None:
    """One page per term across the site. A term is spelled as the oldest explainer spells it; an explainer
    that spells it differently (more than in letter case) is an error at its own `category:` or `tags:` line."""
    explainers = list(oldest_first)
    errors: list[ExplainerError] = []
    # Each kind's terms in one flat pass (the preview checks every explainer's terms at each rebuild).
    for key, terms in (("category", [(e, e.category) for e in explainers if e.category]),
                       ("tags", [(e, t) for e in explainers for t in e.tags]),
                       ("series", [(e, e.series) for e in explainers if e.series])):
        first: dict[str, tuple[str, Explainer]] = {}
        for explainer, found in terms:
            seen = first.get(found.slug)
            if seen is None:
                first[found.slug] = (found.name, explainer)
                continue
            known, where = seen
            if known != found.name and not same_term(known, found.name):
                errors.append(ContentError(
                    (f"{_KINDS[key]} '{found.name}' and '{known}' (in ",
                     where.source, f") would share one page, {_term_page(key, known)}"),
                    Place(explainer.source, explainer.line_of(key)),
                    hint=f"use one spelling for one term, e.g. '{known}' here too"))
    raise_all(errors)


def read_updates(fields: Fields, tz: tzinfo) -> tuple[Update, ...]:
    value = fields.data.get("updates")
    if value is None:
        return ()
    if not isinstance(value, list):
        fields.fail("updates must be a list of {date, note}", "updates",
                    hint="updates:\n  - date: 2026-11-26\n    note: Corrected the figure for …")
        return ()
    updates = []
    for index, entry in enumerate(value):
        if not isinstance(entry, dict):
            fields.fail_item("each update needs a date and a note", value, index)
            continue
        fields.unknown_keys(entry, UPDATE_KEYS, "an update")
        when = fields.moment("date", tz, data=entry, required=True)
        note = fields.text("note", data=entry, required=True)
        kind = update_kind(fields, entry)
        if when and note and kind:
            updates.append(Update(when, smarten(note), fields.where("date", entry), kind,
                                  with_time_of_day(entry.get("date"))))
    return tuple(sorted(updates, key=lambda u: u.date, reverse=True))


def update_kind(fields: Fields, entry: dict) -> str | None:
    """An update's `kind`: `update` (the default) or `correction`; anything else is an error at its line."""
    kind = entry.get("kind", UPDATE_KINDS[0])
    if kind in UPDATE_KINDS:
        return kind
    fields.fail(f"unknown kind of update: {kind!r}", "kind", data=entry,
                hint=did_you_mean(str(kind), UPDATE_KINDS, "the kinds", and_list=True))
    return None


def read_image(fields: Fields, source: Path, content_dir: Path) -> Image | None:
    """The hero: `image: {src, alt, caption, credit}` (or just its path, then missing its alt text)."""
    value = fields.data.get("image")
    if value is None:
        return None
    if isinstance(value, str):
        value = path_only(value, fields.data, "image")
    if not isinstance(value, dict):
        fields.fail("image must be a mapping with src and alt", "image")
        return None
    fields.unknown_keys(value, IMAGE_KEYS, "image")
    alt = value.get("alt")
    if not isinstance(alt, str) or not alt.strip():
        fields.fail("the image has no alt text", "alt" if "alt" in value else "image", data=value
                    if "alt" in value else None,
                    hint="add `alt:` describing the picture for readers who cannot see it")
    caption, credit = fields.text("caption", data=value), fields.text("credit", data=value)
    return read_picture(fields, value, source, content_dir, alt=alt if isinstance(alt, str) else "",
                        caption=caption, credit=credit)


def path_only(src: str, parent: dict, key: str) -> dict:
    """`image: photo.jpg` as `{src: photo.jpg}`, at the line of `key` in `parent` (for its errors)."""
    mapping = yamlfile.LineDict(src=src)
    mapping.lines = {"src": parent.lines.get(key, 0)} if isinstance(parent, yamlfile.LineDict) else {}
    return mapping


def read_picture(fields: Fields, value: dict, source: Path, content_dir: Path, alt: str,
                 caption: str | None = None, credit: str | None = None) -> Image | None:
    """The picture `value["src"]` names, relative to the explainer's file: inside the content folder, a whole
    JPEG, PNG, WebP, GIF or AVIF file (its pixel size read); None, with the problem noted at its line, if not."""
    src = fields.text("src", data=value, required=True)
    if not src:
        return None
    root = content_dir.resolve()
    path = Path(os.path.normpath(source.parent.resolve() / src))   # `..` taken away, links not yet followed
    if src.startswith("/") or root not in path.parents:
        fields.fail(f"image path leaves the content folder: {src}", "src", data=value,
                    hint="put the image inside the explainer's folder")
        return None
    if not os.path.lexists(path):
        fields.fail(f"image not found: {src}", "src", data=value,
                    hint=f"no file at {path.relative_to(root)}; check the name and folder")
        return None
    try:
        if contentfiles.kind(path, root) != contentfiles.FILE:
            raise ContentError("a folder, not an image", Place(path))
    except ContentError as err:
        fields.fail(joined(f"image {src} is ", err.message), "src", data=value, hint=err.hint or "use an image file")
        return None
    try:
        size = picture_size(path, src)
    except ContentError as err:
        fields.fail(err.message, "src", data=value, hint=err.hint)
        return None
    return Image(src=src, path=path, url=path.relative_to(root).as_posix(),
                 alt=smarten(alt.strip()), width=size[0], height=size[1],
                 caption=smarten(caption) if caption else None,
                 credit=smarten(credit) if credit else None,
                 focus=read_focus(fields, value), where=fields.where("src", value))


def read_focus(fields: Fields, image: dict) -> tuple[float, float] | None:
    """`focus: [x, y]` in percent from the left and the top, or a word such as `top` or `bottom left`."""
    value = image.get("focus")
    if value is None:
        return None
    if isinstance(value, str):
        word = " ".join(value.replace("-", " ").split()).casefold()
        flipped = " ".join(reversed(word.split()))      # `left top` is `top left`
        found = FOCUS_WORDS.get(word) or FOCUS_WORDS.get(flipped)
        if found is None:
            fields.fail(f"focus is not a focal point: {value!r}", "focus", data=image,
                        hint="write focus: [x, y] in percent from the left and the top, e.g. [50, 30], "
                             "or one of " + ", ".join(w for w in FOCUS_WORDS if w != "centre"))
        return found
    if (isinstance(value, list) and len(value) == 2
            and all(isinstance(n, (int, float)) and not isinstance(n, bool) and 0 <= n <= 100 for n in value)):
        return float(value[0]), float(value[1])
    fields.fail(f"focus must be two numbers from 0 to 100: {value!r}", "focus", data=image,
                hint="focus: [x, y] in percent from the left and from the top, e.g. focus: [50, 30]")
    return None

