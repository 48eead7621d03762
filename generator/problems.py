"""One problem type and one way to show it: build errors, check findings and the preview's error page.

A `Problem` is a place, a message, a hint, a rule and a level. Where it was found it is data (paths stay
`Path`s, also inside messages); the `Formatter` turns it into what a user reads, with paths relative to the
root the command line chose (its working folder), in the forms editors and CI tools jump to:
`content/a/index.md:12: message (hint)`.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from html import escape
from pathlib import Path

ERROR, WARNING, INFO = "error", "warning", "info"
BUILD_ERROR = "build/error"   # the rule of a problem that stops the site from building

# Words, with the file paths in them kept as paths until they are shown (against the formatter's root).
Text = str | tuple[str | Path, ...]


@dataclass(frozen=True)
class Place:
    """Where a problem is: a file and its line (from 1; None for the whole file), or a page of the built site
    named by its site path (a `str` such as "a/index.html": a page, not a file)."""
    path: Path | str
    line: int | None = None

    def __str__(self) -> str:
        return Formatter().place(self)


@dataclass(frozen=True)
class Problem:
    """One error or warning for the user, with the file and line it is about and a hint."""
    place: Place | None
    message: Text
    hint: Text | None = None
    rule: str = BUILD_ERROR
    level: str = ERROR
    page_of: Place | None = None   # the explainer whose page a template failed on


def joined(*texts: Text) -> Text:
    """Texts one after the other (paths kept)."""
    parts = [part for text in texts for part in ((text,) if isinstance(text, str) else text)]
    if all(isinstance(part, str) for part in parts):
        return "".join(part for part in parts if isinstance(part, str))
    return tuple(parts)


def plain(text: Text) -> str:
    """`text` with its paths as they were given."""
    return Formatter().text(text)


class Formatter:
    """Shows problems: paths relative to `root` when they are inside it (a relative path is taken as relative
    to `root`); None shows every path as it was given."""

    def __init__(self, root: Path | None = None):
        self.root = root
        self._real_root = _resolved(root) if root is not None else None
        self._shown: dict[Path, str] = {}

    def path(self, path: Path | str) -> str:
        if isinstance(path, str):
            return path                       # a page of the site, as the site names it
        if self._real_root is None:
            return str(path)
        try:
            return self._shown[path]
        except KeyError:
            shown = self._shown[path] = self._relative(path)
            return shown

    def _relative(self, path: Path) -> str:
        assert self.root is not None and self._real_root is not None
        full = self.root / path
        try:
            # The last part is not followed: a problem with a symbolic link names the link, not its target.
            real = full.resolve() if full.name in ("", ".", "..") else full.parent.resolve() / full.name
            return str(real.relative_to(self._real_root))
        except (ValueError, OSError, RuntimeError):   # RuntimeError: a loop of symbolic links (Python < 3.13)
            return str(path)

    def place(self, place: Place) -> str:
        shown = self.path(place.path)
        return f"{shown}:{place.line}" if place.line else shown

    def text(self, text: Text) -> str:
        if isinstance(text, str):
            return text
        return "".join(self.path(part) if isinstance(part, Path) else part for part in text)

    def sentence(self, problem: Problem) -> str:
        """The message with its hint: `message (hint)`."""
        message = self.text(problem.message)
        return f"{message} ({self.text(problem.hint)})" if problem.hint else message

    def located(self, problem: Problem) -> str:
        """`place: message (hint)`, or the sentence alone for a problem without a place."""
        sentence = self.sentence(problem)
        return f"{self.place(problem.place)}: {sentence}" if problem.place else sentence

    # A build that fails (`explainer build`, the preview's terminal) -----------------------------------------

    def error_lines(self, problem: Problem) -> list[str]:
        lines = [f"error: {self.located(problem)}"]
        if problem.page_of:
            lines.append(f"  while rendering the page of {self.place(problem.page_of)}")
        return lines

    def build_errors(self, problems: list[Problem]) -> str:
        lines = [line for problem in problems for line in self.error_lines(problem)]
        if len(problems) > 1:
            lines.append(f"{len(problems)} errors; nothing was written")
        return "\n".join(lines)

    # Findings of `explainer check`: text and JSON (CI tools parse both; keep them as they are) --------------

    def finding_path(self, problem: Problem) -> str:
        return self.path(problem.place.path) if problem.place else "."

    def finding_message(self, problem: Problem) -> str:
        """A finding's message: the sentence, and the explainer whose page a template failed on."""
        text = self.sentence(problem)
        return text + f", while rendering the page of {self.place(problem.page_of)}" if problem.page_of else text

    def finding(self, problem: Problem) -> str:
        """`path:line: level: rule: message`."""
        where = self.place(problem.place) if problem.place else "."
        return f"{where}: {problem.level}: {problem.rule}: {self.finding_message(problem)}"

    def finding_json(self, problem: Problem) -> dict:
        return {"path": self.finding_path(problem), "line": problem.place.line if problem.place else None,
                "level": problem.level, "rule": problem.rule, "message": self.finding_message(problem)}

    def in_order(self, problems: Iterable[Problem]) -> list[Problem]:
        """By file as shown, line, rule and message: the order findings are listed in."""
        return sorted(problems, key=lambda p: (self.finding_path(p), (p.place.line if p.place else None) or 0,
                                               p.rule, self.finding_message(p)))

    # The preview's error page (every piece of text escaped) -------------------------------------------------

    def html_item(self, problem: Problem) -> str:
        parts = []
        if problem.place:
            parts.append(f'<code class="where">{escape(self.place(problem.place))}</code>:')
        parts.append(f'<span class="message">{escape(self.text(problem.message))}</span>')
        if problem.hint:
            parts.append(f'<span class="hint">({escape(self.text(problem.hint))})</span>')
        if problem.page_of:
            parts.append(f'<br><span class="page-of">while rendering the page of '
                         f'<code>{escape(self.place(problem.page_of))}</code></span>')
        return "<li>" + " ".join(parts) + "</li>"


def _resolved(root: Path) -> Path:
    try:
        return root.resolve()
    except (OSError, RuntimeError):
        return root
