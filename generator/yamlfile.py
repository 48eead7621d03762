"""YAML loading that keeps line numbers and rejects what PyYAML silently accepts."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from .errors import ContentError, SourceLocation

class LineDict(dict):
    """A mapping from YAML that remembers the 0-based line of each key."""

    lines: dict[Any, int]

    def line_of(self, key: Any, offset: int) -> int:
        """1-based file line of `key`, given the file line where the YAML block starts."""
        return offset + self.lines.get(key, 0)


class _DuplicateKey(yaml.MarkedYAMLError):
    pass


class _LineNumbers:
    """Constructor mixin: mappings become LineDicts; duplicate and unhashable keys are errors."""

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
                raise _DuplicateKey(None, None, "a key must be plain text", key_node.start_mark)
            if key in data.lines:
                raise _DuplicateKey(None, None, f"duplicate key '{key}'", key_node.start_mark)
            data.lines[key] = key_node.start_mark.line
            data[key] = self.construct_object(value_node, deep=True)


def _loader(base: type) -> type:
    loader = type(f"LineNumbered{base.__name__}", (_LineNumbers, base), {})
    loader.add_constructor("tag:yaml.org,2002:map", _LineNumbers.construct_line_dict)
    return loader


# The C parser is ~8x faster; the pure one stays for machines without libyaml, and the tests check that
# both report the same file:line errors.
PURE_LOADER = _loader(yaml.SafeLoader)
FAST_LOADER = _loader(yaml.CSafeLoader) if hasattr(yaml, "CSafeLoader") else PURE_LOADER


def parse(text: str, path: Path, first_line: int = 1, loader: type = FAST_LOADER) -> Any:
    """Parse YAML text found at `first_line` of `path`; errors point at the line in that file."""
    try:
        return yaml.load(text, Loader=loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as err:
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
        raise ContentError(f"invalid YAML: {problem}", SourceLocation(path, line), hint=hint) from None
    except yaml.YAMLError as err:
        raise ContentError(f"invalid YAML: {err}", SourceLocation(path, first_line)) from None


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
        raise ContentError(f"not UTF-8 text (byte {err.start})", SourceLocation(path),
                           hint="save the file as UTF-8") from None


def line_of(data: Any, key: Any, first_line: int) -> int:
    """File line of `key` in a mapping parsed by `parse`, or `first_line` when unknown."""
    if isinstance(data, LineDict) and key in data.lines:
        return first_line + data.lines[key]
    return first_line
