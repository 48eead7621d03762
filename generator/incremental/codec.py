"""The build cache's data format: explainers and bodies as JSON values, by an explicit schema.

Each kind of value has an encoder and a decoder; a dataclass is a JSON list of its fields in order. Only the
types named in the schema are ever made from cache data, and every value is type-checked on the way in, so
a damaged or hostile file raises `CacheDataError` (the cache then treats the entry as missing). Nothing read
from the cache is ever evaluated, imported or unpickled.
"""
from __future__ import annotations

import dataclasses
import hashlib
import itertools
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo
from pathlib import Path, PurePath
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup

from ..model import (
    Block,
    Body,
    BodyLink,
    Definition,
    Embed,
    Event,
    Explainer,
    Extra,
    Fact,
    Handler,
    Image,
    LinkDefinition,
    Outline,
    Person,
    Section,
    Sidebar,
    Source,
    Term,
    Update,
    WrittenHtml,
)
from ..problems import Place


class CacheDataError(ValueError):
    """A cache entry that is not what this version writes: treated as missing, never reported."""


@dataclass(frozen=True)
class Kind:
    """How one type of value is written to the cache as JSON and read back, checked."""
    name: str
    encode: Callable[[Any], Any]
    decode: Callable[[Any], Any]
    # A value decoded as it is once its JSON type is one of these (text, a number, a flag, or None for an
    # optional one): the kinds that hold such values check them all at once instead of calling `decode`.
    plain: tuple[type, ...] = ()
    # An optional kind's: what decodes a value that is not None.
    present: Callable[[Any], Any] | None = None
    # A tuple's: its decoder wants only a non-empty list (an empty one is an empty tuple).
    items: Callable[[Any], Any] | None = None


def _exactly(python_type: type, name: str) -> Kind:
    def check(value: Any) -> Any:
        if type(value) is not python_type:
            raise CacheDataError(f"expected {name}, found {type(value).__name__}")
        return value
    return Kind(name, check, check, plain=(python_type,))


TEXT = _exactly(str, "text")
INT = _exactly(int, "int")
NUMBER = _exactly(float, "number")
FLAG = _exactly(bool, "flag")


def _encode_markup(value: Any) -> str:
    if not isinstance(value, Markup):
        raise CacheDataError(f"expected Markup, found {type(value).__name__}")
    return str(value)


MARKUP = Kind("markup", _encode_markup, lambda value: Markup(TEXT.decode(value)))


def _encode_path(value: Any) -> str:
    if not isinstance(value, PurePath):
        raise CacheDataError(f"expected a path, found {type(value).__name__}")
    return str(value)


PATH = Kind("path", _encode_path, lambda value: Path(TEXT.decode(value)))


def optional(kind: Kind) -> Kind:
    return Kind(f"{kind.name}?", lambda v: None if v is None else kind.encode(v),
                lambda v: None if v is None else kind.decode(v),
                plain=(*kind.plain, type(None)) if kind.plain else (), present=kind.decode)


def _items(value: Any, what: type) -> Any:
    if type(value) is not what:
        raise CacheDataError(f"expected a {what.__name__}, found {type(value).__name__}")
    return value


def tuple_of(kind: Kind) -> Kind:
    decode_item, plain = kind.decode, kind.plain

    def items(value: list) -> tuple:
        return tuple([decode_item(x) for x in value])

    def plain_items(value: list) -> tuple:
        for x in value:
            if type(x) not in plain:
                raise CacheDataError(f"expected {kind.name}, found {type(x).__name__}")
        return tuple(value)

    decode_items = plain_items if plain else items

    def decode(value: Any) -> tuple:
        if type(value) is not list:
            raise CacheDataError(f"expected a list, found {type(value).__name__}")
        return decode_items(value) if value else ()     # most of an explainer's are empty
    return Kind(f"({kind.name}, ...)", lambda v: [kind.encode(x) for x in _items(v, tuple)], decode,
                items=decode_items)


def _combinations(allowed: list[tuple[type, ...]]) -> frozenset[tuple[type, ...]]:
    """Every combination of the types some values may have, one of `allowed`'s at each place (a text or None,
    an int, …): their types are checked by one look-up, `tuple(map(type, values)) in combinations`."""
    return frozenset(itertools.product(*allowed))


def row(*kinds: Kind) -> Kind:
    """A fixed-length tuple such as a file stamp (path, mtime, size)."""
    decoders = [kind.decode for kind in kinds]
    plain = [kind.plain for kind in kinds]
    plain_types = _combinations(plain)

    def decode(value: Any) -> tuple:
        if type(value) is not list or len(value) != len(decoders):
            raise CacheDataError(f"expected {len(decoders)} values")
        return tuple([decode_item(x) for decode_item, x in zip(decoders, value)])

    def decode_plain(value: Any) -> tuple:
        if type(value) is not list or tuple(map(type, value)) not in plain_types:    # the length too
            raise CacheDataError(f"expected {len(plain)} values of the types {plain}")
        return tuple(value)

    def encode(value: Any) -> list:
        if type(value) is not tuple or len(value) != len(kinds):
            raise CacheDataError(f"expected a tuple of {len(kinds)}")
        return [kind.encode(x) for kind, x in zip(kinds, value)]
    return Kind("(" + ", ".join(k.name for k in kinds) + ")", encode, decode_plain if all(plain) else decode)


def one_of(kinds: dict[type, Kind]) -> Kind:
    """A value of one of several dataclasses, as [its class's name, its value]: a sidebar box's items."""
    by_name = {cls.__name__: kind for cls, kind in kinds.items()}

    def encode(value: Any) -> list:
        kind = kinds.get(type(value))
        if kind is None:
            raise CacheDataError(f"expected one of {', '.join(by_name)}, found {type(value).__name__}")
        return [type(value).__name__, kind.encode(value)]

    def decode(value: Any) -> Any:
        if type(value) is not list or len(value) != 2 or type(value[0]) is not str or value[0] not in by_name:
            raise CacheDataError(f"expected one of {', '.join(by_name)}")
        return by_name[value[0]].decode(value[1])
    return Kind("|".join(f"{name}: {kind.name}" for name, kind in by_name.items()), encode, decode)


def record(cls: type, **kinds: Kind) -> Kind:
    """A dataclass as the list of its fields; the schema must name every field, in order."""
    names = [f.name for f in dataclasses.fields(cls)]
    if names != list(kinds):
        raise TypeError(f"the cache schema of {cls.__name__} is out of date: {names} != {list(kinds)}")
    pairs = list(kinds.items())
    count = len(pairs)
    # A frozen dataclass's __init__ sets each field through object.__setattr__; with no __post_init__ (checked
    # here) the instance is exactly its fields in its __dict__.
    if not dataclasses.is_dataclass(cls) or hasattr(cls, "__post_init__") or hasattr(cls, "__slots__"):
        raise TypeError(f"the cache decodes {cls.__name__} field by field: a plain dataclass only")
    new = object.__new__
    # Plain fields are checked all at once and taken as they are; only the others need decoding, and of
    # those an optional one only when it is not None, a tuple only when it is not empty.
    plain = [i for i, kind in enumerate(kinds.values()) if kind.plain]
    plain_values: Callable[[list], tuple] = (operator.itemgetter(*plain) if len(plain) > 1 else   # a tuple
                                             lambda value: tuple([value[i] for i in plain]))
    plain_types = _combinations([kind.plain for kind in kinds.values() if kind.plain])
    others = [(i, kind) for i, kind in enumerate(kinds.values()) if not kind.plain]
    nested = [(i, kind.decode) for i, kind in others if kind.present is None and kind.items is None]
    present = [(i, kind.present) for i, kind in others if kind.present is not None]
    sequences = [(i, kind.items) for i, kind in others if kind.items is not None]

    def encode(value: Any) -> list:
        if type(value) is not cls:
            raise CacheDataError(f"expected {cls.__name__}, found {type(value).__name__}")
        return [kind.encode(getattr(value, name)) for name, kind in pairs]

    def decode(value: Any) -> Any:
        if type(value) is not list or len(value) != count or tuple(map(type, plain_values(value))) not in plain_types:
            raise CacheDataError(f"expected {cls.__name__} as a list of {count}")
        fields = value.copy()
        for i, decode_field in nested:
            fields[i] = decode_field(value[i])
        for i, decode_field in present:
            if value[i] is not None:
                fields[i] = decode_field(value[i])
        for i, decode_items in sequences:
            if type(value[i]) is not list:
                raise CacheDataError(f"expected {cls.__name__} as a list of {count}")
            fields[i] = decode_items(value[i]) if value[i] else ()
        made = new(cls)             # what the frozen dataclass's __init__ does, without a __setattr__ per field
        made.__dict__.update(zip(names, fields))
        return made
    return Kind(cls.__name__ + "(" + ", ".join(f"{n}: {k.name}" for n, k in pairs) + ")", encode, decode)


def shared(kind: Kind, memo: dict) -> Kind:
    """`kind`, decoding equal values to one object: a file's path appears once per fact, a tag once per
    explainer, and making each of them anew is most of the time a state takes to read."""
    def decode(value: Any) -> Any:
        # A list's key is its items as a tuple: never the key of a text (a path), so ["x"] is not taken for "x".
        key = (kind.name, value) if type(value) is str else (kind.name, tuple(value)) if type(value) is list else None
        try:
            return memo[key]
        except (KeyError, TypeError):
            made = kind.decode(value)
        try:
            memo[key] = made
        except TypeError:            # a list holding lists: fine, just not shared
            pass
        return made
    return Kind(kind.name, kind.encode, decode)


# Time zones are kept exactly (an IANA zone by its key, a fixed offset with its name), so a page rendered
# from the cache is byte-identical to one rendered from the files.
def _encode_zone(zone: tzinfo) -> list:
    if isinstance(zone, ZoneInfo) and zone.key:
        return ["zone", zone.key]
    if isinstance(zone, timezone):
        offset = zone.utcoffset(None)
        plain = timezone(offset)
        name = zone.tzname(None)
        return ["offset", offset // timedelta(microseconds=1), None if name == plain.tzname(None) else name]
    raise CacheDataError(f"cannot keep the time zone {zone!r}")


def _decode_zone(value: Any) -> tzinfo:
    try:
        if type(value) is list and len(value) == 2 and value[0] == "zone":
            return ZoneInfo(TEXT.decode(value[1]))
        if type(value) is list and len(value) == 3 and value[0] == "offset":
            offset = timedelta(microseconds=INT.decode(value[1]))
            name = value[2] if value[2] is None else TEXT.decode(value[2])
            return timezone(offset) if name is None else timezone(offset, name)
    except (ValueError, KeyError, OSError) as err:      # an unknown zone, an offset of a day or more
        raise CacheDataError(f"not a time zone: {value!r} ({err})") from None
    raise CacheDataError(f"not a time zone: {value!r}")


def _encode_moment(value: Any) -> list:
    if type(value) is not datetime or value.tzinfo is None:
        raise CacheDataError("expected an aware datetime")
    return [value.replace(tzinfo=None).isoformat(), value.fold, _encode_zone(value.tzinfo)]


def _decode_moment(value: Any) -> datetime:
    if type(value) is not list or len(value) != 3 or value[1] not in (0, 1):
        raise CacheDataError("expected a time as [wall clock, fold, zone]")
    try:
        wall = datetime.fromisoformat(TEXT.decode(value[0]))
    except ValueError:
        raise CacheDataError(f"not a time: {value[0]!r}") from None
    if wall.tzinfo is not None:
        raise CacheDataError(f"not a wall-clock time: {value[0]!r}")
    return wall.replace(tzinfo=_decode_zone(value[2]), fold=value[1])


MOMENT = Kind("moment", _encode_moment, _decode_moment)


# `extra:` holds any YAML: scalars as they are, the rest tagged (["l", …] a list, ["m", [k, v], …] a mapping,
# ["d", "2024-01-02"] a date, ["t", moment] a time), so a JSON list is never mistaken for another value.
def _encode_extra(value: Any) -> Any:
    if value is None or type(value) in (str, int, float, bool):
        return value
    if type(value) is tuple:
        return ["l", *[_encode_extra(item) for item in value]]
    if type(value) is Extra:
        return ["m", *[[_encode_extra(k), _encode_extra(v)] for k, v in value.items()]]
    if type(value) is datetime:
        return ["t", _encode_moment(value)]
    if type(value) is date:
        return ["d", value.isoformat()]
    raise CacheDataError(f"extra cannot hold {type(value).__name__}")


def _decode_extra(value: Any) -> Any:
    if value is None or type(value) in (str, int, float, bool):
        return value
    if type(value) is not list or not value:
        raise CacheDataError("not an extra value")
    tag, rest = value[0], value[1:]
    if tag == "l":
        return tuple(_decode_extra(item) for item in rest)
    if tag == "m":
        if not all(type(pair) is list and len(pair) == 2 for pair in rest):
            raise CacheDataError("not an extra mapping")
        return Extra((_decode_extra(k), _decode_extra(v)) for k, v in rest)
    if tag == "t" and len(rest) == 1:
        return _decode_moment(rest[0])
    if tag == "d" and len(rest) == 1:
        try:
            return date.fromisoformat(TEXT.decode(rest[0]))
        except ValueError:
            raise CacheDataError(f"not a date: {rest[0]!r}") from None
    raise CacheDataError(f"not an extra value: {tag!r}")


def _encode_extra_mapping(value: Any) -> Any:
    if type(value) is not Extra:
        raise CacheDataError(f"expected Extra, found {type(value).__name__}")
    return _encode_extra(value)


def _decode_extra_mapping(value: Any) -> Extra:
    decoded = _decode_extra(value)
    if type(decoded) is not Extra:
        raise CacheDataError("expected an extra mapping")
    return decoded


EXTRA = Kind("extra", _encode_extra_mapping, _decode_extra_mapping)

STAMP = tuple_of(row(TEXT, optional(INT), optional(INT)))    # (path, mtime_ns, size) per file

SECTION = record(Section, label=TEXT, axiom=TEXT, id=TEXT, html=MARKUP, words=INT, html_with_permalink=MARKUP,
                 key=TEXT, line=optional(INT))
# What the converter recorded for `explainer check` (lines, links, blocks): kept with the body, so a body from
# the cache is checked exactly like a fresh one.
OUTLINE = record(Outline, first_line=INT,
                 blocks=tuple_of(record(Block, line=INT, kind=TEXT, words=INT, lead_in=optional(TEXT))),
                 links=tuple_of(record(BodyLink, line=INT, tag=TEXT, written=TEXT, url=optional(TEXT),
                                       alt=optional(TEXT))),
                 definitions=tuple_of(record(LinkDefinition, line=INT, written=TEXT)),
                 html=tuple_of(record(WrittenHtml, line=INT, html=TEXT)),
                 handlers=tuple_of(record(Handler, line=INT, name=TEXT)))
EMBED = record(Embed, provider=TEXT, name=TEXT, kind=TEXT, url=TEXT, src=TEXT, play=TEXT, ratio=optional(TEXT),
               height=optional(INT), title=optional(TEXT), sandbox=optional(TEXT), allow=TEXT, line=optional(INT))
BODY = record(Body, lede_html=MARKUP, lede_text=TEXT, sections=tuple_of(SECTION), words=INT, outline=OUTLINE,
              embeds=tuple_of(EMBED), pictures=tuple_of(TEXT), links=tuple_of(TEXT))


def _places(memo: dict | None) -> tuple[Callable[[Kind], Kind], Kind, Kind, Kind]:
    """How paths, places, sources and pictures are kept (with a `memo`, equal ones decode to one object)."""
    def share(kind: Kind) -> Kind:
        return kind if memo is None else shared(kind, memo)

    path = share(PATH)
    where = record(Place, path=path, line=optional(INT))
    source = share(record(Source, name=TEXT, url=optional(TEXT), where=optional(where)))
    image = record(Image, src=TEXT, path=path, url=TEXT, alt=TEXT, width=INT, height=INT,
                   caption=optional(TEXT), credit=optional(TEXT), focus=optional(row(NUMBER, NUMBER)),
                   where=optional(where))
    return share, where, source, image


def seed_paths(memo: dict, paths: Iterable[Path]) -> dict:
    """`memo` holding these paths (a build's sources and bundles, already made by its scan) for
    `explainer_kind` to decode equal ones to."""
    for path in paths:
        memo[(PATH.name, str(path))] = path
    return memo


def sidebars_kind(memo: dict | None = None) -> Kind:
    """An explainer's sidebar boxes, every item exactly (the build cache keeps them in files of their own)."""
    _, where, source, image = _places(memo)
    # Each class of item a sidebar kind holds (content/sidebars.py KINDS; several kinds may share one).
    item = one_of({Fact: record(Fact, label=TEXT, value=TEXT, source=optional(source), where=where),
                   Event: record(Event, date=MOMENT, precision=TEXT, text=TEXT, source=optional(source), where=where),
                   Person: record(Person, name=TEXT, role=optional(TEXT), image=optional(image), where=where),
                   Definition: record(Definition, term=TEXT, definition=TEXT, where=where)})
    return tuple_of(record(Sidebar, title=optional(TEXT), items=tuple_of(item), kind=TEXT, id=TEXT))


def explainer_kind(body: Kind, memo: dict | None = None, sidebars: Kind | None = None) -> Kind:
    """Explainers whose body is stored as `body` says (the cache keeps bodies in files of their own), and
    their sidebars as `sidebars` says (by default, whole, in the explainer's record).

    With a `memo`, equal paths, terms and sources decode to shared objects (they are all frozen); a memo
    seeded with `seed_paths` takes those paths as they are, without making them again.
    """
    share, where, _, image = _places(memo)
    path = share(PATH)
    term = share(record(Term, name=TEXT, slug=TEXT))
    return record(Explainer, slug=TEXT, source=path, bundle=optional(path), title=TEXT, date=MOMENT,
                  updated=optional(MOMENT), category=optional(term), tags=tuple_of(term),
                  authors=tuple_of(TEXT), summary=optional(TEXT), language=TEXT, draft=FLAG,
                  image=optional(image), sidebars=sidebars or sidebars_kind(memo),
                  updates=tuple_of(record(Update, date=MOMENT, note=TEXT, where=optional(where), kind=TEXT,
                                          has_time=FLAG)), body=body,
                  files=tuple_of(path), translation_key=optional(TEXT), series=optional(term),
                  series_order=optional(INT), related=tuple_of(TEXT), extra=EXTRA, lines=tuple_of(row(TEXT, INT)),
                  date_has_time=FLAG, updated_has_time=FLAG, pictures=tuple_of(TEXT), links=tuple_of(TEXT),
                  portraits=tuple_of(image))


# Part of every cache file's tag: a change to the model (a new field, another type) invalidates old caches
# even when the version number stays the same.
SCHEMA = hashlib.blake2b(
    "\n".join(kind.name for kind in (STAMP, BODY, explainer_kind(Kind("body", str, str)), MOMENT)).encode(),
    digest_size=8).hexdigest()
