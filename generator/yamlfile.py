"""YAML loading that keeps line numbers and rejects what PyYAML silently accepts."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from .errors import ContentError
from .problems import Place


class LineDict(dict):
    """A mapping from YAML that remembers the 0-based line of each key."""

    lines: dict[Any, int]

    def line_of(self, key: Any, offset: int) -> int:
        """1-based file line of `key`, given the file line where the YAML block starts."""
        return offset + self.lines.get(key, 0)


class LineList(list):
    """A sequence from YAML that remembers the 0-based line of each item (where the item's value starts)."""

    lines: list[int]

    def line_of(self, index: int, offset: int) -> int:
        """1-based file line of item `index`, given the file line where the YAML block starts."""
        return offset + (self.lines[index] if 0 <= index < len(self.lines) else 0)


# Limits that keep a few hundred bytes of YAML from taking minutes and gigabytes (anchors that expand like
# "billion laughs", lists nested thousands deep). Real site.yml, front matter and facts.yml stay far below.
MAX_DEPTH = 100
MAX_ALIAS_VALUES = 10_000
TOO_DEEP_HINT = "flatten the structure: no explainer, fact or setting needs that many levels"


class _DuplicateKey(yaml.MarkedYAMLError):
    pass


class _Refused(yaml.MarkedYAMLError):
    """YAML that parses but is refused: its own message and hint, at the line of `problem_mark`."""

    def __init__(self, message: str, hint: str, mark):
        super().__init__(None, None, message, mark)
        self.message = message
        self.hint = hint


class _LineNumbers(SafeConstructor):
    """Constructor mixin: mappings become LineDicts, sequences LineLists; duplicate and unhashable keys are
    errors."""

    def construct_line_dict(self, node):
        data = LineDict()
        data.lines = {}
        yield data
        self.flatten_mapping(node)
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                raise _DuplicateKey(None, None, "a key must be plain text", key_node.start_mark) from None
            if key in data.lines:
                raise _DuplicateKey(None, None, f"duplicate key '{key}'", key_node.start_mark)
            data.lines[key] = key_node.start_mark.line
            data[key] = self.construct_object(value_node, deep=True)

    def construct_line_list(self, node):
        data = LineList()
        data.lines = [item.start_mark.line for item in node.value]
        yield data
        data.extend(self.construct_object(item, deep=True) for item in node.value)

    def construct_real_timestamp(self, node):
        """PyYAML raises a bare ValueError for 2026-02-30, hour 25 or +25:00: say which value, and where."""
        try:
            return self.construct_yaml_timestamp(node)
        except ValueError as err:
            reason = "a time zone offset must be less than 24 hours" if "offset" in str(err) else str(err)
            raise _Refused(f"not a real date: {node.value}", f"{reason}; write a date and time that exist, or "
                           "put the value in quotes if it is not meant as a date", node.start_mark) from None


def _loader(base: type) -> type:
    loader: Any = type(f"LineNumbered{base.__name__}", (_LineNumbers, base), {})   # a class made at run time
    loader.add_constructor("tag:yaml.org,2002:map", _LineNumbers.construct_line_dict)
    loader.add_constructor("tag:yaml.org,2002:seq", _LineNumbers.construct_line_list)
    loader.add_constructor("tag:yaml.org,2002:timestamp", _LineNumbers.construct_real_timestamp)
    return loader


# The C parser is ~8x faster; the pure one stays for machines without libyaml, and the tests check that
# both report the same file:line errors.
PURE_LOADER = _loader(yaml.SafeLoader)
FAST_LOADER = _loader(yaml.CSafeLoader) if hasattr(yaml, "CSafeLoader") else PURE_LOADER


def parse(text: str, path: Path, first_line: int = 1, loader: type = FAST_LOADER) -> Any:
    """Parse YAML text found at `first_line` of `path`; errors point at the line in that file."""
    try:
        return _load(text, loader)
    except _Refused as err:
        line = first_line + (err.problem_mark.line if err.problem_mark else 0)
        raise ContentError(err.message, Place(path, line), hint=err.hint) from None
    except yaml.MarkedYAMLError as err:
        if "maximum nesting depth" in (err.problem or ""):
            # libyaml's own limit (1,000 levels), met first when its scanner reads ahead: say it like ours.
            line = first_line + (err.problem_mark.line if err.problem_mark else 0)
            raise ContentError(f"YAML nested too deeply: more than {MAX_DEPTH} levels",
                               Place(path, line), hint=TOO_DEEP_HINT) from None
        # An unclosed quote or bracket is only noticed lines later; the line that opened it is where the
        # editor must look, and PyYAML keeps it as the context mark. Otherwise the problem's own line.
        unclosed = err.context_mark and any(word in (err.context or "") for word in ("quoted", "flow"))
        mark = err.context_mark if unclosed else (err.problem_mark or err.context_mark)
        line = mark.line if mark else 0
        if not unclosed and err.problem_mark:
            # A quote left open swallows the lines after it and the parser stumbles later: blame the quote.
            start = err.context_mark.line if err.context_mark else 0
            opened = _unclosed_quote_line(text, start, err.problem_mark.line)
            line = line if opened is None else opened
        line = first_line + line
        problem = ", ".join(part for part in (err.context, err.problem) if part) or "invalid YAML"
        hint = ("keep one of them" if isinstance(err, _DuplicateKey)
                else "check quotes, colons and indentation")
        raise ContentError(f"invalid YAML: {problem}", Place(path, line), hint=hint) from None
    except yaml.YAMLError as err:
        raise ContentError(f"invalid YAML: {err}", Place(path, first_line)) from None


def _load(text: str, loader: type) -> Any:
    """yaml.load, refusing documents too deep or too big once aliases are expanded (see check_size)."""
    instance = loader(text)
    try:
        try:
            node = instance.get_single_node()
        except RecursionError:   # the pure composer recurses per level
            check_size(text, loader)
            raise
        if node is None:
            return None
        if not _within_limits(node):
            check_size(text, loader)   # raises, with the line to blame
        return instance.construct_document(node)
    finally:
        instance.dispose()


def _within_limits(root: yaml.Node) -> bool:
    """A quick look at the composed document (aliases are shared nodes): False when it may break a limit."""
    measured: dict[int, tuple[int, int]] = {}     # id(node) → (values, depth) with aliases expanded
    path: set[int] = set()                        # the collections being measured: an alias to one is a loop
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if isinstance(node, yaml.ScalarNode):
            measured[key] = (1, 0)
        elif finished:
            path.discard(key)
            inner = [measured[id(child)] for child in _children(node)]
            values = 1 + sum(v for v, _ in inner)
            depth = 1 + max((d for _, d in inner), default=0)
            measured[key] = (values, depth)
            if depth > MAX_DEPTH or values - len(measured) > MAX_ALIAS_VALUES:
                return False
        elif key in path:
            return False
        elif key not in measured:
            path.add(key)
            stack.append((node, True))
            stack.extend((child, False) for child in _children(node))
    return True


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return list(node.value)


@dataclass
class _Open:
    """A sequence or mapping whose end the event stream has not reached yet."""
    anchor: str | None
    values: int = 1      # itself and everything in it, aliases expanded
    depth: int = 1       # levels, itself included


def check_size(text: str, loader: type) -> None:
    """Refuse, before anything is built, YAML nested deeper than MAX_DEPTH or whose aliases expand to more than
    MAX_ALIAS_VALUES values, and aliases that refer to their own anchor.

    The events are read one at a time (both parsers stream them), so a refused document costs no more than
    its first few hundred levels.
    """
    anchors: dict[str, tuple[int, int]] = {}    # anchor → (values, depth) of what it names
    stack: list[_Open] = []
    expanded = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            if len(stack) >= MAX_DEPTH:
                raise _Refused(f"YAML nested too deeply: more than {MAX_DEPTH} levels",
                               TOO_DEEP_HINT,
                               event.start_mark)
            stack.append(_Open(event.anchor))
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            done = stack.pop()
            _add(stack, anchors, done.anchor, done.values, done.depth)
        elif isinstance(event, yaml.ScalarEvent):
            _add(stack, anchors, event.anchor, 1, 0)
        elif isinstance(event, yaml.AliasEvent):
            if any(item.anchor == event.anchor for item in stack):
                raise _Refused(f"YAML alias *{event.anchor} refers to the value it is inside of",
                               "an alias can only repeat a value that is complete", event.start_mark)
            if event.anchor not in anchors:
                continue   # undefined: the loader reports it
            values, depth = anchors[event.anchor]
            expanded += values
            if expanded > MAX_ALIAS_VALUES:
                raise _Refused(f"YAML aliases expand to more than {MAX_ALIAS_VALUES:,} values",
                               "repeat fewer values with *aliases, or write them out", event.start_mark)
            if len(stack) + depth > MAX_DEPTH:
                raise _Refused(f"YAML nested too deeply: more than {MAX_DEPTH} levels once *{event.anchor} "
                               "is expanded", TOO_DEEP_HINT, event.start_mark)
            _add(stack, {}, None, values, depth)


def _add(stack: list[_Open], anchors: dict[str, tuple[int, int]], anchor: str | None,
         values: int, depth: int) -> None:
    """Count a finished value into the collection it is in, and remember it under its anchor."""
    if anchor is not None:
        anchors[anchor] = (values, depth)
    if stack:
        stack[-1].values += values
        stack[-1].depth = max(stack[-1].depth, depth + 1)


_OPENS_QUOTE = re.compile(r"""^\s*(?:-\s+)?(?:[^\s:#'"][^:#]*:\s+)?(["'])(.*)$""")


def _unclosed_quote_line(text: str, first: int, last: int) -> int | None:
    """The first of lines first..last-1 whose value opens a quote that the line does not close."""
    lines = text.split("\n")
    for number in range(first, min(last, len(lines))):
        found = _OPENS_QUOTE.match(lines[number])
        if not found:
            continue
        quote, rest = found.groups()
        rest = rest.replace("\\\\", "").replace('\\"', "") if quote == '"' else rest.replace("''", "")
        if quote not in rest:
            return number
    return None


def load(path: Path) -> Any:
    """Read and parse a YAML file."""
    return parse(read_text(path), path)


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise ContentError(f"not UTF-8 text (byte {err.start})", Place(path),
                           hint="save the file as UTF-8") from None


def line_of(data: Any, key: Any, first_line: int) -> int:
    """File line of `key` in a mapping parsed by `parse` (or of item `key` in a sequence), or `first_line` when
    unknown."""
    if isinstance(data, LineDict) and key in data.lines:
        return first_line + data.lines[key]
    if isinstance(data, LineList) and isinstance(key, int) and 0 <= key < len(data.lines):
        return first_line + data.lines[key]
    return first_line
