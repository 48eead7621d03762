"""Curly quotes, dashes and ellipses in plain text: the rules `typography` applies to a Markdown tree, and
what titles, facts and labels get directly (without loading Python-Markdown)."""
from __future__ import annotations

import re

_DASHES = re.compile(r"---|--|\.\.\.")
_DASH_MAP = {"---": "\u2014", "--": "\u2013", "...": "\u2026"}
_QUOTE_OR_STASH = re.compile(r"[\"']|\x02[^\x03]*\x03")
# After these (or at the start of a block) a quote opens; after anything else it closes.
_OPENERS = frozenset(" \t\n\r([{<\u2014\u2013-/\u00a0\u201c\u2018")


def smarten(text: str, prev: str = " ") -> str:
    """Typographic punctuation for plain text; `prev` is the character before `text`."""
    return smarten_after(text, prev)[0]


def smarten_after(text: str, prev: str) -> tuple[str, str]:
    """`text` with typographic punctuation, and its last character (the `prev` of the text after it)."""
    if not text:
        return text, prev
    if "-" in text or "." in text:
        text = _DASHES.sub(lambda m: _DASH_MAP[m.group()], text)
    if '"' not in text and "'" not in text:
        return text, text[-1]
    out = []
    last = 0
    for match in _QUOTE_OR_STASH.finditer(text):
        start = match.start()
        mark = match.group()
        if len(mark) > 1:       # a stashed placeholder (escaped character, inline HTML): leave it
            continue
        before = text[start - 1] if start else prev
        after = text[start + 1] if start + 1 < len(text) else " "
        out.append(text[last:start])
        opening = before in _OPENERS
        if mark == '"':
            out.append("\u201c" if opening else "\u201d")
        elif opening and not after.isdigit():
            out.append("\u2018")
        else:
            out.append("\u2019")   # apostrophe, closing quote, or '90s
        last = start + 1
    out.append(text[last:])
    return "".join(out), text[-1]
