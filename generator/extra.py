"""Custom fields: `extra:` in front matter and in site.yml, any YAML mapping, frozen into an `Extra` for
themes (`explainer.extra`, `site.extra`). Every other key stays checked; this one holds whatever a newsroom
needs to carry to its templates."""
from __future__ import annotations

from datetime import date, datetime, tzinfo
from typing import Any

from . import yamlfile
from .model import Extra

HINT = "extra: holds a mapping of names to text, numbers, true/false, dates, lists and mappings, e.g. " \
       "extra: {desk: Metro, sponsored: false}"


def freeze(value: Any, line: int, first_line: int, tz: tzinfo) -> tuple[Extra, list[tuple[int, str]]]:
    """`value` (the YAML under `extra:`, written at `line` of a document that starts at `first_line`) as an
    Extra, and (line, message) for each part it cannot hold. A time written without an offset is in `tz`,
    like a front matter date."""
    problems: list[tuple[int, str]] = []
    if value is None:
        return Extra(), problems
    if not isinstance(value, dict):
        problems.append((line, f"extra must be a mapping, not {_kind(value)}"))
        return Extra(), problems
    return _mapping(value, first_line, tz, problems, "extra"), problems


def _mapping(data: dict, first_line: int, tz: tzinfo, problems: list, where: str) -> Extra:
    """`first_line` is the file line where the YAML document starts (every line is counted from there)."""
    items = []
    for key, value in data.items():
        line = yamlfile.line_of(data, key, first_line)
        if not isinstance(key, (str, int, float, bool, date)) and key is not None:
            problems.append((line, f"a key in {where} must be text or a number"))
            continue
        items.append((key, _value(value, first_line, line, tz, problems, f"{where}.{key}")))
    return Extra(items)


def _value(value: Any, first_line: int, line: int, tz: tzinfo, problems: list, where: str) -> Any:
    if isinstance(value, dict):
        return _mapping(value, first_line, tz, problems, where)
    if isinstance(value, list):
        return tuple(_value(item, first_line, yamlfile.line_of(value, index, first_line) if isinstance(
            value, yamlfile.LineList) else line, tz, problems, f"{where}[{index}]") for index, item in enumerate(value))
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    if isinstance(value, (str, int, float, bool, date)) or value is None:
        return value
    problems.append((line, f"{where} is {_kind(value)}, which extra cannot hold"))
    return None


def _kind(value: Any) -> str:
    for kind, name in ((bool, "true/false"), (list, "a list"), (bytes, "binary data"), (set, "a set"),
                       (str, "text")):
        if isinstance(value, kind):
            return name
    return type(value).__name__
