"""Where each element of a converted document was written: its line in the source file.

Python-Markdown keeps no positions, so the converter records them while it parses:

- `LineMap.capture` keeps the body's lines before any preprocessor runs, and `LineMap.align` maps the
  preprocessed lines back to them once the preprocessors are done (fenced code and raw HTML blocks have
  become one placeholder line each by then).
- The block parser (`_LineParser`, the stock one plus bookkeeping) knows the line each block of text starts
  on; a block a processor hands back (the rest after a heading, say) is found in the block it came from, and
  a nested chunk (a list item, a quote's inside) in the block being processed. Each element gets the line
  of the first block parsed into it, or of the text it was made from.
- `InlineLines` gives inline elements (links, images) the line of their block plus the line breaks before
  them in its text.

Lines are counted from `first_line`, the file line the body starts on.
"""
from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as etree
from collections.abc import Iterator
from difflib import SequenceMatcher

import markdown
from markdown import util
from markdown.blockparser import BlockParser
from markdown.extensions.footnotes import FootnoteExtension
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor

_PLACEHOLDER = re.compile(util.HTML_PLACEHOLDER % r"(\d+)")
_TRAILING_SPACES = re.compile(r"(?<=\n) +\n")
_LOOK_AHEAD = 8     # blocks after the current one remembered, to see which ones a processor took
# Elements that hold text, never blocks: no need to look inside them for a block the parser placed.
_INLINE = frozenset({"a", "abbr", "b", "br", "code", "del", "em", "i", "img", "ins", "kbd", "mark", "q", "s",
                     "small", "span", "strong", "sub", "sup", "u"})


class _Step:
    """One turn of the block parser's loop: the block being processed and what it started from."""

    __slots__ = (
        "_lines",
        "block",
        "children",
        "claimed",
        "cursor",
        "footnotes",
        "line",
        "parent",
        "references",
        "rest",
        "rest_count",
    )

    def __init__(self, parent: etree.Element, line: int, blocks: list[str], references: int, footnotes: int):
        self.parent = parent
        self.line = line                   # preprocessed line of the block
        self.block = blocks[0]
        self.rest = blocks[1:1 + _LOOK_AHEAD]   # the blocks after it, at the start (the first few)
        self.rest_count = len(blocks) - 1
        self.children = len(parent)        # at the start
        self.references = references       # link definitions known at the start
        self.footnotes = footnotes         # footnote definitions known at the start
        self.claimed: list[tuple[int, int]] = []   # block-relative ranges parsed or handed back
        self.cursor = 0                    # where the next nested chunk is looked for
        self._lines: list[str] | None = None

    @property
    def lines(self) -> list[str]:
        """The block's lines (then those of the blocks it took with it); split only when needed."""
        if self._lines is None:
            self._lines = self.block.split("\n")
        return self._lines


class LineMap:
    """The lines of the document being converted and the line of each element; reset per document."""

    def __init__(self, md: markdown.Markdown):
        self.md = md
        self._footnote_extension: FootnoteExtension | bool | None = False   # False: not looked for yet
        self.reset()

    def reset(self, first_line: int = 1) -> None:
        self.first_line = first_line
        self.raw: list[str] = []
        self.origin: list[int] = []              # preprocessed line → 0-based line of the body
        self.of: dict[etree.Element, int] = {}   # element → file line
        self.ends: dict[etree.Element, int] = {}  # element → file line its text ends on
        self.parsed: set[etree.Element] = set()   # the elements the block parser made
        self.definitions: list[tuple[int, str]] = []   # (file line, URL) of each `[label]: URL` definition
        self.code_stash = 0                      # htmlStash entries below this are fenced code, not raw HTML
        self._parsed: dict[etree.Element, int] = {}   # element → preprocessed line, while parsing
        self._defined: list[tuple[int, str]] = []      # (preprocessed line, URL) of each link definition
        self._footnotes: dict[str, int] = {}           # a footnote's text → preprocessed line of its definition
        self._footnote_dict = self._footnote_texts()    # the footnotes extension's, made anew per document
        self._steps: list[_Step] = []
        # Texts holding stashed HTML (a placeholder) or a '<', with the file line each starts on.
        self.marked: list[tuple[int, str]] = []
        self.parsing = False

    def line_of(self, element: etree.Element) -> int | None:
        return self.of.get(element)

    # Before and after the preprocessors --------------------------------------------------------------------

    def capture(self, lines: list[str]) -> None:
        self.raw = list(lines)

    def align(self, lines: list[str]) -> None:
        """Map each preprocessed line to the body line it came from."""
        normal, origin = self._normalised()
        if len(lines) == len(normal) + 2 and lines[:len(normal)] == normal:
            self.origin = [*origin, len(self.raw) - 1, len(self.raw) - 1]   # the two blank lines added at the end
            return
        # Blank lines are everywhere and say nothing: match the others, then give a blank line the line after
        # the one before it. A line with no match stands for a stashed block (a placeholder): its first line.
        last = max(len(self.raw) - 1, 0)
        written = [n for n, line in enumerate(normal) if line.strip()]
        shown = [n for n, line in enumerate(lines) if line.strip()]
        mapped: list[int | None] = [None] * len(lines)
        matcher = SequenceMatcher(None, [normal[n] for n in written], [lines[n] for n in shown], autojunk=False)
        for tag, i1, _, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                for j in range(j1, j2):
                    mapped[shown[j]] = origin[written[i1 + j - j1]]
                continue
            at = written[i1] if i1 < len(written) else len(normal)   # the first line the stashed blocks took
            for j in range(j1, j2):
                mapped[shown[j]] = origin[at] if at < len(origin) else last
                at += self._stashed_lines(lines[shown[j]])
                while at < len(normal) and not normal[at].strip():
                    at += 1
        previous = -1
        for n, line in enumerate(mapped):
            if line is None:
                mapped[n] = min(previous + 1, last)
            previous = mapped[n] or 0
        self.origin = [line or 0 for line in mapped]

    def _stashed_lines(self, line: str) -> int:
        """How many lines of the text a placeholder line stands for: a raw HTML block's own lines, a fenced
        code block's code and its two fences; 1 for a line that is no placeholder."""
        found = _PLACEHOLDER.fullmatch(line.strip())
        stash = self.md.htmlStash.rawHtmlBlocks
        if not found or int(found.group(1)) >= len(stash):
            return 1
        index = int(found.group(1))
        text = str(stash[index])
        if index < self.code_stash:
            return text.count("\n") + 2
        return text.rstrip("\n").count("\n") + 1

    def _normalised(self) -> tuple[list[str], list[int]]:
        """The body's lines as Python-Markdown's whitespace preprocessor leaves them, and where each came from."""
        text = "\n".join(self.raw)
        if not any(mark in text for mark in ("\t", "\r", util.STX, util.ETX)):   # most bodies: one line each
            return [line if line.strip(" ") else "" for line in self.raw], list(range(len(self.raw)))
        text = text.replace(util.STX, "").replace(util.ETX, "")
        normal, origin = [], []
        for number, line in enumerate(text.split("\n")):
            for part in line.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
                normal.append(part.expandtabs(self.md.tab_length))
                origin.append(number)
        joined = _TRAILING_SPACES.sub("\n", "\n".join(normal) + "\n\n")
        return joined.split("\n")[:len(normal)], origin

    # During block parsing ----------------------------------------------------------------------------------

    def enter(self, blocks: list[str], start: int = 0) -> list[int]:
        """The start line of each block of a list the parser is about to work through (`start`: of the first,
        when no block is being processed)."""
        start = self._nested_start(self._steps[-1], blocks) if self._steps else start
        starts = []
        for block in blocks:
            starts.append(start)
            start += block.count("\n") + 2      # its lines, and the blank line the split removed
        return starts

    def begin(self, parent: etree.Element, blocks: list[str], starts: list[int]) -> _Step:
        line = starts[0]
        self._parsed.setdefault(parent, line)   # an element's line is that of the first block parsed into it
        step = _Step(parent, line, blocks, len(self.md.references), len(self._footnote_dict))
        self._steps.append(step)
        return step

    def end(self, step: _Step, blocks: list[str], starts: list[int]) -> None:
        self._steps.pop()
        pieces, taken = self._handed_back(step, blocks)
        if taken:
            for block in step.rest[:taken]:
                step.lines.extend(["", *block.split("\n")])
        if pieces:
            starts[:1 + taken] = [step.line + self._find_piece(step, piece, last=n == len(pieces) - 1)
                                  for n, piece in enumerate(pieces)]
        else:
            del starts[:1 + taken]
        if len(self.md.references) > step.references:
            self._find_definitions(step)
        if len(self._footnote_dict) > step.footnotes:
            self._find_footnotes(step)
        made = [child for child in step.parent[step.children:] if child not in self._parsed]
        if made:
            for child, offset in zip(made, self._unclaimed(step, len(made))):
                self._parsed[child] = step.line + offset

    def finish(self) -> None:
        """Turn the parser's lines into file lines."""
        last = len(self.origin) - 1
        def file_line(line: int) -> int:
            return self.first_line + (self.origin[min(line, last)] if last >= 0 else 0)

        self.of.update((element, file_line(line)) for element, line in self._parsed.items())
        self.parsed.update(self._parsed)
        self.definitions += [(file_line(line), url) for line, url in self._defined]
        self._parsed, self._defined, self._steps = {}, [], []

    def footnote_start(self, blocks: list[str]) -> int | None:
        """The preprocessed line of the definition whose text the footnotes extension now parses."""
        return self._footnotes.get("\n\n".join(blocks))

    def _footnote_texts(self) -> dict[str, str]:
        if self._footnote_extension is False:
            self._footnote_extension = next(
                (e for e in self.md.registeredExtensions if isinstance(e, FootnoteExtension)), None)
        return self._footnote_extension.footnotes if isinstance(self._footnote_extension, FootnoteExtension) else {}

    def _find_footnotes(self, step: _Step) -> None:
        """The `[^label]: text` definitions a step took out, with their lines (their text is parsed later)."""
        processors = self.md.parser.blockprocessors
        pattern = getattr(processors["footnote"], "RE", None) if "footnote" in processors else None
        texts = self._footnote_texts()
        if pattern is None:
            return
        text = "\n".join(step.lines)
        for found in pattern.finditer(text):
            offset = text.count("\n", 0, found.start())
            label = found.group(1)
            if label in texts and not self._is_claimed(step, offset):
                self._footnotes.setdefault(texts[label], step.line + offset)

    def _find_definitions(self, step: _Step) -> None:
        """The `[label]: URL` lines a step took out of the text, found with the reference processor's own
        pattern."""
        processors = self.md.parser.blockprocessors
        pattern = getattr(processors["reference"], "RE", None) if "reference" in processors else None
        if pattern is None:
            return
        text = "\n".join(step.lines)
        for found in pattern.finditer(text):
            offset = text.count("\n", 0, found.start())
            if not self._is_claimed(step, offset):     # not in a piece handed back for later
                self._defined.append((step.line + offset, found.group(2).lstrip("<").rstrip(">")))

    def _handed_back(self, step: _Step, blocks: list[str]) -> tuple[list[str], int]:
        """The blocks a processor put back in front of the list, and how many of the following ones it took."""
        for count in range(4):
            remaining = len(blocks) - count
            taken = step.rest_count - remaining
            if taken < 0 or remaining < 0:
                continue
            if remaining == 0 or (taken < len(step.rest) and blocks[count] is step.rest[taken]):
                return blocks[:count], taken
        count = max(0, len(blocks) - step.rest_count)
        return blocks[:count], 0

    def _find_piece(self, step: _Step, piece: str, last: bool) -> int:
        """Where, in the block, lies a piece the processor handed back (the rest after a heading, the text
        before a link definition…): pieces are whole lines of the block, so they are matched line for line."""
        wanted = piece.split("\n")
        size = len(wanted)
        candidates: Iterator[int] = iter(range(len(step.lines)))
        if last:      # the last piece handed back is usually the block's end
            candidates = itertools.chain([len(step.lines) - size], candidates)
        for start in candidates:
            if start >= 0 and step.lines[start:start + size] == wanted and not self._is_claimed(step, start):
                step.claimed.append((start, start + size))
                return start
        return min(step.cursor, max(len(step.lines) - 1, 0))

    def _nested_start(self, step: _Step, blocks: list[str]) -> int:
        """Where in the block being processed a nested chunk starts (a list item, a quote's inside): its
        lines are the block's, with list markers, `>` or indentation taken off the front."""
        total = sum(block.count("\n") + 1 for block in blocks) + len(blocks) - 1
        if not any(blocks):
            return step.line + step.cursor
        wanted = blocks[0].split("\n")
        for start in range(step.cursor, len(step.lines)):
            window = step.lines[start:start + len(wanted)]
            if len(window) == len(wanted) and all(line.endswith(part) for line, part in zip(window, wanted)):
                break
        else:
            start = min(step.cursor, max(len(step.lines) - 1, 0))
        step.claimed.append((start, start + total))
        step.cursor = start + total
        return step.line + start

    def _unclaimed(self, step: _Step, count: int) -> list[int]:
        """Lines for the elements a processor made itself (a heading after a nested paragraph): the first
        written lines of the block that no nested chunk or handed-back piece accounts for."""
        if count == 1 and not step.claimed and step.lines[0].strip():
            return [0]                     # the usual case: one element, made from the whole block
        free = [n for n, line in enumerate(step.lines) if line.strip() and not self._is_claimed(step, n)]
        return [free[n] if n < len(free) else 0 for n in range(count)]

    @staticmethod
    def _is_claimed(step: _Step, line: int) -> bool:
        return any(start <= line < end for start, end in step.claimed)

    # Inline elements ----------------------------------------------------------------------------------------

    def placeholder_lines(self, text: str) -> int:
        """Line breaks a text holds, those in the raw HTML its placeholders stand for included."""
        count = text.count("\n")
        if util.STX in text:
            stash = self.md.htmlStash.rawHtmlBlocks
            for found in _PLACEHOLDER.finditer(text):
                index = int(found.group(1))
                if index < len(stash):
                    count += str(stash[index]).count("\n")
        return count


class _LineParser(BlockParser):
    """The stock block parser, telling a LineMap where each block starts (the loop is the stock one)."""

    lines: LineMap

    def parseDocument(self, lines):
        self.lines.parsing = True
        try:
            return super().parseDocument(lines)
        finally:
            self.lines.parsing = False
            self.lines.finish()

    def parseBlocks(self, parent: etree.Element, blocks: list[str]) -> None:
        tracker = self.lines
        if not tracker.parsing:
            # After the document: the footnotes extension parses each footnote's text on its own.
            start = tracker.footnote_start(blocks)
            if start is None:
                super().parseBlocks(parent, blocks)
                return
            tracker.parsing = True
            try:
                self._track(parent, blocks, tracker.enter(blocks, start))
            finally:
                tracker.parsing = False
                tracker.finish()
            return
        self._track(parent, blocks, tracker.enter(blocks))

    def _track(self, parent: etree.Element, blocks: list[str], starts: list[int]) -> None:
        tracker = self.lines
        while blocks:
            step = tracker.begin(parent, blocks, starts)
            for processor in self.blockprocessors:
                if processor.test(parent, blocks[0]) and processor.run(parent, blocks) is not False:
                    break
            tracker.end(step, blocks, starts)


class _Capture(Preprocessor):
    def __init__(self, md: markdown.Markdown, lines: LineMap):
        super().__init__(md)
        self.lines = lines

    def run(self, lines: list[str]) -> list[str]:
        self.lines.capture(lines)
        return lines


class _CodeStashed(Preprocessor):
    """Between fenced code and raw HTML: what the stash holds so far is code."""

    def __init__(self, md: markdown.Markdown, lines: LineMap):
        super().__init__(md)
        self.lines = lines

    def run(self, lines: list[str]) -> list[str]:
        self.lines.code_stash = self.md.htmlStash.html_counter
        return lines


class _Align(Preprocessor):
    def __init__(self, md: markdown.Markdown, lines: LineMap):
        super().__init__(md)
        self.lines = lines

    def run(self, lines: list[str]) -> list[str]:
        self.lines.align(lines)
        return lines


class InlineLines(Treeprocessor):
    """After inline parsing: each inline element gets its block's line plus the line breaks before it."""

    def __init__(self, md: markdown.Markdown, lines: LineMap):
        super().__init__(md)
        self.lines = lines

    def run(self, root: etree.Element) -> None:
        self._walk(root, self.lines.first_line)

    def _walk(self, element: etree.Element, line: int) -> int:
        """Lines for what is inside `element`, whose text starts on `line`; returns the line its text ends on."""
        if element.tag == "table":
            return self._table(element, line)
        lines = self.lines
        of = lines.of
        text = element.text
        running = line + self._text(text, line, element.tag == "code") if text else line
        for child in element:
            own = of.get(child)
            if own is None:
                if child.tag not in _INLINE:
                    # Made after parsing (the footnotes' <div>): where its first parsed part is.
                    own = next((of[e] for e in child.iter() if e in lines.parsed), running)
                else:
                    own = running
                of[child] = own
                running = self._walk(child, own)
            else:
                running = max(running, self._walk(child, own))
            tail = child.tail
            if tail:
                running += self._text(tail, running)   # after a <br>, prettify has put its line break back
        lines.ends[element] = running
        return running

    def _text(self, text: str, line: int, code: bool = False) -> int:
        """The line breaks in a text; a text with stashed HTML or a '<' in it is kept with its line."""
        if util.STX in text:
            self.lines.marked.append((line, text))
            return self.lines.placeholder_lines(text)
        if "<" in text and not code:
            self.lines.marked.append((line, text))
        return text.count("\n")

    def _table(self, table: etree.Element, line: int) -> int:
        """A table's rows are its lines, the one under the head row (|---|) aside."""
        rows = [row for row in table.iter("tr")]
        for number, row in enumerate(rows):
            row_line = line + number + (1 if number else 0)
            self.lines.of.setdefault(row, row_line)
            for cell in row:
                self.lines.of.setdefault(cell, row_line)
                self._walk(cell, row_line)
        return line + len(rows)


def install(md: markdown.Markdown, lines: LineMap) -> None:
    """Record lines while `md` converts: the block parser becomes a `_LineParser`, the preprocessors and the
    inline pass report to `lines`."""
    md.parser.__class__ = _LineParser     # same state, one overridden loop; processors keep their parser
    assert isinstance(md.parser, _LineParser)
    md.parser.lines = lines
    md.preprocessors.register(_Capture(md, lines), "explainer-lines-capture", 1000)
    md.preprocessors.register(_CodeStashed(md, lines), "explainer-lines-code", 22)   # fenced code 25, HTML 20
    md.preprocessors.register(_Align(md, lines), "explainer-lines-align", -1000)
    # After inline parsing (20), before attr_list (8) takes `{: … }` off the end of a paragraph's text.
    md.treeprocessors.register(InlineLines(md, lines), "explainer-lines-inline", 8.5)
