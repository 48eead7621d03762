"""The boxes beside an explainer — key facts, a timeline, big numbers, people, a glossary — read from `facts.yml`
or front matter `facts:`, each problem at its file and line.

One table, KINDS: a kind is one entry (the keys its items may have, how one item is read and checked, an
example for hints) plus one template, `partials/sidebar-<kind>.html`, in the theme. Three shapes are read:

    title: Key facts              # one key facts box (the shape facts.yml has always had)
    facts: [{label, value, source}, …]

    - {label, value, source}      # one key facts box, untitled
    …

    boxes:                        # several boxes, of any kinds, in this order
      - kind: timeline
        title: How we got here    # optional: the theme's words for the kind otherwise
        items: [{date, text, source}, …]
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from .. import yamlfile
from ..errors import ExplainerError, did_you_mean, flatten
from ..markdown.punctuation import smarten
from ..model import Definition, Event, Fact, Person, Sidebar, Source
from .fields import FACTS_FILE, SOURCE_KEYS, Fields, parse_moment, path_only, read_picture

FACTS_FILE_KEYS = ("title", "facts")
BOX_KEYS = ("kind", "title", "items")
BOXES = "boxes"
FACTS_KIND = "facts"
PICTURE_KEYS = ("src", "alt")
_YEAR = re.compile(r"^\d{4}$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Reading:
    """What reading one item needs besides the item: where its problems go, the explainer's file (pictures are
    relative to it), the content folder and the site's time zone."""
    fields: Fields
    source: Path
    content_dir: Path
    timezone: tzinfo


Item = Fact | Event | Person | Definition


@dataclass(frozen=True)
class SidebarKind:
    """One kind of sidebar box (`kind:` in a sidebar file): the keys its items take and how to read one."""
    key: str                                        # `kind:`; class `sidebar-<key>`; partials/sidebar-<key>.html
    keys: tuple[str, ...]                           # what an item may have (any other key is an error)
    read: Callable[[Reading, dict], Item | None]      # one item (a mapping), its problems noted in place.fields
    example: str                                    # one item as YAML, for hints


def read_fact(at: Reading, item: dict) -> Fact | None:
    """`{label, value, source?}`: a key fact, or a big number (`value` is the figure)."""
    fields = at.fields
    label = fields.text("label", data=item, required=True)
    value = item.get("value")
    if isinstance(value, bool) or not isinstance(value, (str, int, float)) or not str(value).strip():
        fields.fail("a fact's value must be text or a number", "value" if "value" in item else "label", data=item)
        return None
    if isinstance(value, (int, float)):
        value = f"{value:,}" if abs(value) >= 10000 else str(value)
    source = read_source(fields, item)
    if not label:
        return None
    return Fact(smarten(label), smarten(str(value).strip()), source, fields.where("label", item))


def read_event(at: Reading, item: dict) -> Event | None:
    """`{date, text, source?}`: `date` is a year (`1969`), a month (`2020-03`), a day or a time."""
    fields = at.fields
    when = event_date(item.get("date"), at.timezone)
    if when is None:
        if "date" in item:
            fields.fail(f"a timeline date must be a year, a month, a day or a time: {item['date']!r}", "date",
                        data=item, hint="write 1969, 2020-03, 2020-03-11 or 2020-03-11T09:30")
        else:
            fields.fail("missing date", data=item, hint="add `date: 2020-03-11` (or 1969, or 2020-03)")
    text = fields.text("text", data=item, required=True)
    source = read_source(fields, item)
    if when is None or not text:
        return None
    return Event(when[0], when[1], smarten(text), source, fields.where("date", item))


def event_date(value: Any, tz: tzinfo) -> tuple[datetime, str] | None:
    """A timeline date and how much of it was written: year, month, day or time."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str):
        text = value.strip()
        if _YEAR.match(text) and int(text) >= 1:
            return datetime(int(text), 1, 1, tzinfo=tz), "year"
        month = _MONTH.match(text)
        if month and 1 <= int(month.group(2)) <= 12 and int(month.group(1)) >= 1:
            return datetime(int(month.group(1)), int(month.group(2)), 1, tzinfo=tz), "month"
    moment = parse_moment(value, tz)
    if moment is None:
        return None
    with_time = isinstance(value, datetime) or (isinstance(value, str) and len(value.strip()) > len("YYYY-MM-DD"))
    return moment, "time" if with_time else "day"


def read_person(at: Reading, item: dict) -> Person | None:
    """`{name, role?, image?}`: `image` is a picture's path (or `{src, alt}`), relative to the explainer."""
    fields = at.fields
    name = fields.text("name", data=item, required=True)
    role = fields.text("role", data=item)
    image = None
    value = item.get("image")
    if isinstance(value, str):
        value = path_only(value, item, "image")
    if isinstance(value, dict):
        fields.unknown_keys(value, PICTURE_KEYS, "a person's image")
        alt = fields.text("alt", data=value) or ""      # empty: the name beside it says who it is
        image = read_picture(fields, value, at.source, at.content_dir, alt=alt)
    elif value is not None:
        fields.fail("a person's image must be a path or {src, alt}", "image", data=item,
                    hint="image: portrait.jpg")
    if not name:
        return None
    return Person(smarten(name), smarten(role) if role else None, image, fields.where("name", item))


def read_definition(at: Reading, item: dict) -> Definition | None:
    """`{term, definition}`."""
    fields = at.fields
    term = fields.text("term", data=item, required=True)
    definition = fields.text("definition", data=item, required=True)
    if not term or not definition:
        return None
    return Definition(smarten(term), smarten(definition), fields.where("term", item))


KINDS: dict[str, SidebarKind] = {kind.key: kind for kind in (
    SidebarKind(FACTS_KIND, ("label", "value", "source"), read_fact,
                "- label: Fine\n  value: $5 million"),
    SidebarKind("timeline", ("date", "text", "source"), read_event,
                "- date: 2020-06-10\n  text: Amazon pauses police use of Rekognition"),
    SidebarKind("numbers", ("value", "label", "source"), read_fact,
                "- value: 1 in 3\n  label: adults who …\n  source: Pew Research Center"),
    SidebarKind("people", ("name", "role", "image"), read_person,
                "- name: Jane Doe\n  role: Minister of Health\n  image: jane-doe.jpg"),
    SidebarKind("glossary", ("term", "definition"), read_definition,
                "- term: Moratorium\n  definition: A pause on an activity, for a set time"),
)}


def read_sidebars(fields: Fields, source: Path, bundle: Path | None, content_dir: Path, tz: tzinfo
                  ) -> tuple[Sidebar, ...]:
    """The explainer's boxes, from its bundle's facts.yml or its front matter's `facts:` (not both)."""
    facts_file = bundle / FACTS_FILE if bundle else None
    in_front = fields.data.get("facts")
    if facts_file and facts_file.is_file():
        if in_front is not None:
            fields.fail(f"facts are given twice: in front matter and in {FACTS_FILE}", "facts",
                        hint="keep one of them")
            return ()
        try:
            data = yamlfile.load(facts_file)
        except ExplainerError as err:      # reported with the front matter's problems, not instead of them
            fields.errors.extend(flatten(err))
            return ()
        in_file = Fields(data if isinstance(data, dict) else {}, facts_file, 1)
        boxes = parse_sidebars(data, Reading(in_file, source, content_dir, tz), None)
        fields.errors.extend(in_file.errors)
        return boxes
    if in_front is None:
        return ()
    return parse_sidebars(in_front, Reading(fields, source, content_dir, tz), "facts")


def parse_sidebars(data: Any, at: Reading, key: str | None) -> tuple[Sidebar, ...]:
    """facts.yml's shapes: {title, facts: [...]}, a bare list of facts, or {boxes: [{kind, title, items}, ...]}.
    `key` is where `data` is in the front matter (None: it is the whole facts.yml)."""
    fields = at.fields
    if isinstance(data, dict) and BOXES in data:
        for other in data:
            if other != BOXES:
                fields.fail(f"unknown key '{other}' beside `boxes:`", other, data=data,
                            hint="with boxes, each box has its own kind, title and items (`kind: facts` for key "
                                 "facts)" if other in FACTS_FILE_KEYS else did_you_mean(str(other), (BOXES,)))
        return _boxes(data[BOXES], at, data)
    title = None
    if isinstance(data, dict):
        fields.unknown_keys(data, FACTS_FILE_KEYS + (BOXES,), "the facts" if key else FACTS_FILE)
        title = fields.text("title", data=data) or title
        items = data.get("facts")
        if not isinstance(items, list):
            fields.fail("facts must have a list under `facts:` (or several boxes under `boxes:`)", key,
                        hint="facts: [{label: …, value: …}]")
            return ()
    elif isinstance(data, list):
        items = data
    elif data is None:
        return ()
    else:
        fields.fail("facts must be a list of {label, value, source}", key)
        return ()
    return (Sidebar(title=smarten(title) if title else None, items=_items(KINDS[FACTS_KIND], items, at)),)


def _boxes(value: Any, at: Reading, parent: dict) -> tuple[Sidebar, ...]:
    fields = at.fields
    if not isinstance(value, list) or not value:
        fields.fail("`boxes:` must be a list of boxes, each {kind, title, items}", BOXES, data=parent,
                    hint="boxes:\n  - kind: timeline\n    items:\n      - {date: 2020-06-10, text: …}")
        return ()
    boxes: list[Sidebar] = []
    ids: set[str] = set()
    for index, box in enumerate(value):
        if not isinstance(box, dict):
            fields.fail_item("each box must be a mapping: {kind, title, items}", value, index,
                             hint=f"- kind: {FACTS_KIND}\n  items: […]")
            continue
        fields.unknown_keys(box, BOX_KEYS, "a box")
        kind = _kind_of(box, fields, value, index)
        title = fields.text("title", data=box)
        items = box.get("items")
        if kind is None:
            continue
        if not isinstance(items, list) or not items:
            fields.fail(f"a {kind.key} box needs a list of items under `items:`", "items" if "items" in box
                        else "kind", data=box, hint="items:\n" + _indented(kind.example, "  "))
            continue
        boxes.append(Sidebar(title=smarten(title) if title else None, items=_items(kind, items, at),
                             kind=kind.key, id=_unique_id(kind.key, ids)))
    return tuple(boxes)


def _kind_of(box: dict, fields: Fields, boxes: list, index: int) -> SidebarKind | None:
    kind = box.get("kind")
    if kind is None:
        fields.fail_item("a box needs a `kind`", boxes, index, hint="the kinds: " + ", ".join(KINDS))
        return None
    if kind not in KINDS:
        fields.fail(f"unknown kind of box: {kind!r}", "kind", data=box,
                    hint=did_you_mean(str(kind), KINDS, "the kinds", and_list=True))
        return None
    return KINDS[kind]


def _unique_id(kind: str, taken: set[str]) -> str:
    """`facts` for the first facts box (its heading keeps the id `facts-title`), `timeline`, then `timeline-2` …"""
    candidate, number = kind, 1
    while candidate in taken:
        number += 1
        candidate = f"{kind}-{number}"
    taken.add(candidate)
    return candidate


def _items(kind: SidebarKind, items: list, at: Reading) -> tuple:
    fields = at.fields
    read = []
    for index, item in enumerate(items):
        facts = kind.key == FACTS_KIND
        if not isinstance(item, dict):
            fields.fail_item("each fact needs a label and a value" if facts else
                             f"each item of a {kind.key} box is a mapping of {', '.join(kind.keys)}", items, index,
                             hint=kind.example)
            continue
        fields.unknown_keys(item, kind.keys, "a fact" if facts else f"an item of a {kind.key} box")
        found = kind.read(at, item)
        if found is not None:
            read.append(found)
    return tuple(read)


def _indented(text: str, prefix: str) -> str:
    return "\n".join(prefix + line for line in text.split("\n"))


def read_source(fields: Fields, item: dict) -> Source | None:
    """An item's `source`: a name, or `{name, url}`."""
    value = item.get("source")
    if value is None:
        return None
    if isinstance(value, str) and value.strip():
        return Source(smarten(value.strip()), where=fields.where("source", item))
    if isinstance(value, dict):
        fields.unknown_keys(value, SOURCE_KEYS, "a fact's source")
        name = fields.text("name", data=value, required=True)
        url = fields.text("url", data=value)
        if url and not re.match(r"^(https?://|/|\.{0,2}/|#)", url):
            fields.fail(f"source url must be a web address: {url}", "url", data=value,
                        hint="start it with https://")
            url = None
        return Source(smarten(name), url, fields.where("url" if url else "name", value)) if name else None
    fields.fail("a fact's source must be text or {name, url}", "source", data=item)
    return None
